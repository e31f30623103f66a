import { isAuthError } from '@auth/core';
import {
  type AuthLike,
  type BodyInput,
  checkAdapterArguments,
  discardBody,
  type FetchFunction,
  followRedirects,
  isAuthFailure,
  isOneShotBody,
  isRedirect,
  RETRIED,
  renewAfterUnauthorized,
  shouldFollowRedirects,
  withAuthHeaders,
} from '@auth/core/adapter';

/** The methods of an `auth` object (from `createAuth()` in `@auth/core`) that the adapter calls. */
export type { AuthLike };

declare global {
  interface RequestInit {
    /**
     * Set by `@auth/ky` (and `@auth/fetch`) on the one request it sends again after an auth failure (a 401),
     * for the instance's `fetch` to see.
     */
    authRetry?: boolean | undefined;
  }
}

/**
 * What `withAuth` reads in ky's `context` option (the request's, or the instance's): `skipAuth: true` sends
 * the request as it is. ky's `context` takes any object; this type only names the key. (A type, not an
 * interface: ky types `context` as `Record<string, unknown>`, which an interface does not fit.)
 *
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { type AuthContext, withAuth } from '@auth/ky';
 * import ky from 'ky';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('my-key') });
 * const api = withAuth(ky.create({ prefix: 'http://127.0.0.1:8080/v1' }), auth); // ky 1: prefixUrl
 * const context: AuthContext = { skipAuth: true };
 * await api.get('.well-known/live', { context });
 * ```
 */
export type AuthContext = {
  /** Send this request as it is: no credential, no renewal after a 401 (a login call, a health probe). */
  skipAuth?: boolean | undefined;
};

/**
 * The part of a ky instance (ky 1.14+ or ky 2) that `withAuth` uses: it is callable and has `extend`. Any ky
 * instance fits, whichever major version, and `withAuth` returns the type you passed in.
 *
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { type KyLike, withAuth } from '@auth/ky';
 * import ky from 'ky';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('my-key') });
 * const authed = <T extends KyLike>(instance: T): T => withAuth(instance, auth);
 * const api = authed(ky.create({ prefix: 'http://127.0.0.1:8080/v1' })); // ky 1: prefixUrl
 * ```
 */
export interface KyLike {
  (input: never, options?: never): unknown;
  extend(options: never): unknown;
}

/** ky's normalized options, as its hooks see them (frozen: copy before changing). */
type HookOptions = { headers: Headers; body?: unknown; context?: AuthContext };
type HookState = { request: Request; options: HookOptions; error?: unknown };
type ParentOptions = { fetch?: FetchFunction };
type Ky = ((input: Request, options: object) => Promise<Response>) & {
  extend(options: (parent: ParentOptions) => object): unknown;
};

/**
 * Returns `instance.extend(...)` whose requests to the auth's origins carry its credential, and whose auth
 * failures (a 401) are retried once with a fresh credential, whatever the retry settings. Works with ky 1.14+
 * and ky 2.
 *
 * - The credential is added by a wrapper around the instance's `fetch`, to what goes out only: ky's own
 *   `Request` objects (in your hooks, in `HTTPError`, `TimeoutError`, ky 2's `NetworkError`) never carry it.
 *   `auth.authorize(url, { method, signal })` is asked for the final URL (after `prefixUrl`/`prefix`/`baseUrl`)
 *   of every attempt; each header it returns is set unless the request already has it: **a header you set
 *   yourself wins** (request or instance `headers`, your hooks). An absolute URL to another origin gets none.
 * - `context: { skipAuth: true }` (see {@link AuthContext}) sends the request as it is: no credential, no renewal.
 * - After an answer `auth.isAuthFailure()` counts as an auth failure (a 401 unless `createAuth({ isAuthFailure
 *   })` says more) it asks `auth.handleUnauthorized()` and, when that returns `true`, sends the request again
 *   once, below ky, through the instance's `fetch` (which sees `init.authRetry: true`), with the same URL,
 *   headers and body: ky (your hooks, `retry`, `timeout`, `onDownloadProgress`) sees one request and the
 *   retry's answer, as without auth. It does not count against `retry.limit` (also with `retry: 0`). A stream
 *   `body` is not re-sent.
 * - A request whose `authorize()` failed with an `AuthError` is not sent again by ky (core already retried what
 *   can be retried; a wrong password must reach the provider once): ky 1 rejects with it after its retry
 *   delay, ky 2 at once. Other errors follow your `retry` settings and `shouldRetry`.
 * - Redirects are followed hop by hop (`redirect: 'manual'` underneath, outside browsers): a hop to another
 *   origin loses `Authorization`, `Cookie`, `Proxy-Authorization` (whoever set them) and every header from
 *   `auth`.
 * - The request's `signal` also aborts a token request it waits on. The instance's `fetch` must honour its
 *   second argument (`init`), as ky's own docs ask: the headers and the redirect mode travel there.
 *
 * @param instance - a ky instance (`ky`, `ky.create(...)`, `ky.extend(...)`), ky 1.14+ or 2.x.
 * @param auth - the object returned by `createAuth()` from `@auth/core`.
 * @returns a new instance of the same type; `instance` itself is unchanged.
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { withAuth } from '@auth/ky';
 * import ky from 'ky';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey(process.env.WEAVIATE_API_KEY!) });
 * const api = withAuth(ky.create({ prefix: 'http://127.0.0.1:8080/v1' }), auth); // ky 1: { prefixUrl }; ky 2 also { baseUrl }
 * const meta = await api.get('meta').json();
 * ```
 */
export function withAuth<T extends KyLike>(instance: T, auth: AuthLike): T {
  const kyInstance = instance as unknown as Ky;
  checkAdapterArguments({
    adapter: '@auth/ky',
    call: 'withAuth(instance, auth)',
    auth,
    target: {
      valid: typeof kyInstance === 'function' && typeof kyInstance.extend === 'function',
      needs: 'a ky instance (ky 1.14+ or 2), e.g. ky.create({ ... })',
    },
  });
  // The options of the call each request belongs to, as the hooks saw them, kept on ky's `Request` under a
  // key of this instance's own (a WeakMap costs 0.4–0.9 µs per request, a property 0.05 µs): ky hands its
  // `fetch` the very request its hooks saw last.
  const key = Symbol('@auth/ky call options');
  type Noted = Request & { [key]?: HookOptions };
  // ky 1 calls `beforeRequest` with positional arguments, ky 2 (and every `beforeRetry`) with one state
  // object; no rest array nor state object is made for it, on the path of every request.
  const note = (first: HookState | Request, options?: HookOptions): void => {
    if (first instanceof Request) (first as Noted)[key] = options as HookOptions;
    else (first.request as Noted)[key] = first.options;
  };

  /** The instance's fetch, with the credential, safe redirects and the renewal after an auth failure. */
  const sending =
    (inner: FetchFunction): FetchFunction =>
    async (input, init) => {
      if (!(input instanceof Request)) return inner(input, init);
      const options = (input as Noted)[key];
      const context = options?.context;
      if (context?.skipAuth === true) return inner(input, init);
      const { url, method, signal } = input;
      const [headers, fromAuth] = withAuthHeaders(
        input.headers,
        await auth.authorize(url, { method, signal }),
      );
      if (fromAuth.length === 0) return inner(input, init);
      const body = options?.body as BodyInput | null | undefined;
      // A body that came with a Request of your own (not through ky's options) is kept for a hop or a retry, and so
      // is a form: sent again from ky's options it would get a new boundary, unlike its Content-Type.
      const spare =
        input.body !== null && (body == null || body instanceof FormData) ? input.clone() : undefined;
      /** Sends one attempt with these headers, following redirects hop by hop where it must. */
      const attempt = async (
        request: Request,
        headers: Headers | Readonly<Record<string, string>>,
        fromAuth: readonly string[],
        retry: boolean,
      ): Promise<{
        response: Response;
        url: string | URL;
        headers: Headers | Readonly<Record<string, string>>;
      }> => {
        const manual = shouldFollowRedirects(request.redirect);
        // `Object.assign`: V8 copies a spread that then gets keys (`{ ...init, headers }`) on a slow path.
        const first: RequestInit = Object.assign({}, init, { headers });
        if (manual) first.redirect = 'manual';
        if (retry) first.authRetry = true;
        const response = await inner(request, first);
        if (!manual || !isRedirect(response)) return { response, url, headers };
        return followRedirects(
          { response, url: new URL(url), method, headers: new Headers(headers) },
          {
            adapter: '@auth/ky',
            auth,
            signal,
            body: spare ? () => spare.clone().body : body != null ? () => body : undefined,
            oneShot: isOneShotBody(body),
            fromAuth: () => fromAuth,
            send: (href, hop) =>
              inner(href, Object.assign({}, init, hop, retry ? { authRetry: true } : undefined)),
          },
        );
      };
      const sent = await attempt(input, headers, fromAuth, false);
      const { response } = sent;
      if (!options) return response;
      const failed = isAuthFailure(auth, response); // `false` at once for anything but a 4xx
      if (failed === false || !(await failed)) return response;
      // When no new credential can be had, the caller gets ky's HTTPError as usual (`auth` reports why).
      const renewed = await renewAfterUnauthorized(auth, sent.url, sent.headers, { signal });
      if (!renewed || isOneShotBody(body)) return response;
      discardBody(response, RETRIED);
      // Sent again here, below ky: ky (its hooks, its retries, its timeout) sees one request and one answer,
      // as without auth. The request's own body is spent: a copy of it, or of ky's.
      const again = spare ? spare.clone() : body != null ? new Request(input, { body }) : input;
      const [retryHeaders, retryFromAuth] = withAuthHeaders(
        input.headers,
        await auth.authorize(url, { method, signal }),
      );
      return (await attempt(again, retryHeaders, retryFromAuth, true)).response;
    };

  return kyInstance.extend((parent) => ({
    fetch: sending(parent.fetch ?? ((input, init) => globalThis.fetch(input, init))),
    hooks: {
      beforeRequest: [note],
      beforeRetry: [
        (state: HookState) => {
          // An AuthError from `authorize()` already went through core's own retries (and a wrong password
          // must not reach the provider twice): ky must not send the request again. ky 1 would, as it
          // retries any error of a GET (after its retry delay: no `shouldRetry` of ours, whose merge into
          // every call's options would cost each request more than the rest of the adapter).
          if (isAuthError(state.error)) throw state.error;
          note(state);
        },
      ],
    },
  })) as T;
}
