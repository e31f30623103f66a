import { isAuthError } from '@auth/core';
import {
  type AuthLike,
  applyAuthHeaders,
  checkAdapterArguments,
  isOneShotBody,
  redirectSafeFetch,
  renewAfterUnauthorized,
} from '@auth/core/adapter';

/** The two methods of an `auth` object (from `createAuth()` in `@auth/core`) that the hooks call. */
export type { AuthLike };

/**
 * The part of a ky instance (ky 1.14+ or ky 2) that `withAuth` uses: `extend` and `retry`. Any ky instance fits,
 * whichever major version, and `withAuth` returns the type you passed in.
 *
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { type KyLike, withAuth } from '@auth/ky';
 * import ky from 'ky';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('my-key') });
 * const authed = <T extends KyLike>(instance: T): T => withAuth(instance, auth);
 * const api = authed(ky.create({ prefixUrl: 'http://127.0.0.1:8080/v1' }));
 * ```
 */
export interface KyLike {
  extend(options: never): unknown;
  retry(options?: never): unknown;
}

type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
type HookOptions = { headers: Headers; body?: unknown; retry: { limit: number } };
type HookState = {
  request: Request;
  options: HookOptions;
  response?: Response;
  retryCount?: number;
  error?: unknown;
};
type ShouldRetry = (state: {
  error: Error;
  retryCount: number;
}) => boolean | undefined | Promise<boolean | undefined>;
type ParentOptions = { fetch?: FetchFunction; retry?: number | { shouldRetry?: ShouldRetry } };
type Ky = {
  extend(options: (parent: ParentOptions) => object): unknown;
  retry(options: { delay: number; code: string }): unknown;
};

/** What a credential header the adapter added reads on an error that reaches the caller. */
const redacted = '[redacted by @auth/ky]';

/** ky 1 calls hooks with positional arguments, ky 2 with one state object. */
const stateOf = (args: unknown[]): HookState => {
  const [first, options, third, fourth] = args as [HookState | Request, HookOptions, unknown, unknown];
  if (!(first instanceof Request)) return first;
  return third instanceof Response
    ? { request: first, options, response: third, retryCount: (fourth as { retryCount: number }).retryCount }
    : { request: first, options };
};

/** ky 1 calls `beforeError` with `(error, { retryCount })`, ky 2 with `{ request, options, error, retryCount }`. */
const errorStateOf = (args: unknown[]): { error: Error; options?: HookOptions } => {
  const [first] = args as [Error | { error: Error; options?: HookOptions }];
  if (first instanceof Error) return { error: first, ...optionsOf(first) };
  return first;
};
const optionsOf = (error: Error): { options?: HookOptions } => {
  const { options } = error as { options?: HookOptions };
  return options ? { options } : {};
};

/**
 * Returns `instance.extend(...)` with hooks that give every request to the auth's origins its credential
 * and retry a 401 once with a fresh credential. Works with ky 1.14+ and ky 2.
 *
 * - `beforeRequest` (and `beforeRetry`, for ky's own retries) call `auth.authorize(url, { method, signal })`
 *   and set each returned header that the request does not already have: **a header you set yourself wins**.
 *   An absolute URL to another origin gets no credential.
 * - `afterResponse` on a 401 asks `auth.handleUnauthorized()`; when it returns `true` the request is retried
 *   once through `ky.retry()`, so the instance's options (`prefixUrl`/`prefix`/`baseUrl`, `timeout`, your other
 *   hooks) apply. That retry counts against `retry.limit`: with `retry: 0` a 401 is thrown as an `HTTPError`
 *   without a retry. A stream `body` is not re-sent.
 * - An `AuthError` from `authorize()` is not retried by ky (core already retried what can be retried; a wrong
 *   password must reach the provider once); other errors follow your `retry` settings and `shouldRetry`.
 * - Errors are safe to log, whichever ky throws (`HTTPError`, `TimeoutError`, ky 2's `NetworkError`...): the
 *   headers `auth` added read `[redacted by @auth/ky]` in `error.request.headers`. The request ky hands to
 *   `fetch` is sent as a copy and redacted at once (ky 1 throws its `TimeoutError` without `beforeError`);
 *   `beforeError` redacts the others.
 * - Redirects are followed hop by hop by a wrapper around the instance's `fetch`: a hop to another origin
 *   loses `Authorization`, `Cookie`, `Proxy-Authorization` (whoever set them) and every header from `auth`
 *   (outside browsers; browsers follow redirects themselves).
 * - The request's `signal` also aborts a token request it waits on.
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
 * const api = withAuth(ky.create({ prefixUrl: 'http://127.0.0.1:8080/v1' }), auth); // ky 2: { baseUrl } or { prefix }
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
      valid: typeof kyInstance?.extend === 'function' && typeof kyInstance.retry === 'function',
      needs: 'a ky instance (ky 1.14+ or 2), e.g. ky.create({ ... })',
    },
  });
  // Per call: the header names we set, what they carried, and whether the 401 retry was used. ky keeps one
  // `options.headers` object for a call and all its retries.
  const calls = new WeakMap<
    Headers,
    { fromAuth: Set<string>; sent: Record<string, string>; retried: boolean }
  >();
  // The headers from auth on each request a hook authorized: the request ky hands to fetch.
  const authorized = new WeakMap<Request, Set<string>>();

  const authorize = async ({ request, options }: HookState): Promise<void> => {
    const call = calls.get(options.headers) ?? { fromAuth: new Set<string>(), sent: {}, retried: false };
    calls.set(options.headers, call);
    const credential = await auth.authorize(request.url, { method: request.method, signal: request.signal });
    applyAuthHeaders(request.headers, credential, call.fromAuth);
    // What a 401 is judged by: the request object itself may read `[redacted by @auth/ky]` by then.
    call.sent = Object.fromEntries([...call.fromAuth].map((name) => [name, request.headers.get(name) ?? '']));
    authorized.set(request, call.fromAuth);
  };

  const afterResponse = async (...args: unknown[]): Promise<unknown> => {
    const { request, options, response, retryCount = 0 } = stateOf(args);
    const call = calls.get(options.headers);
    if (response?.status !== 401 || !call || call.retried) return undefined;
    const url = response.url || request.url;
    // When no new credential can be had, the caller gets ky's HTTPError as usual (`auth` reports why).
    const renewed = await renewAfterUnauthorized(auth, url, call.sent, { signal: request.signal });
    // A stream body cannot be re-sent; past `retry.limit` ky would turn a forced retry into an error.
    if (!renewed || isOneShotBody(options.body) || retryCount >= options.retry.limit) return undefined;
    call.retried = true;
    return kyInstance.retry({ delay: 0, code: 'UNAUTHORIZED' });
  };

  /**
   * The instance's fetch: follows redirects one hop at a time (a hop to another origin carries no
   * credential), and sends a copy of the request ky hands it, whose own headers from auth then read
   * `[redacted by @auth/ky]`: ky puts that request in errors no hook sees (ky 1's `TimeoutError`).
   */
  const sending = (inner: FetchFunction): FetchFunction => {
    const send = redirectSafeFetch(inner, { adapter: '@auth/ky', auth });
    return (input, init) => {
      const names = input instanceof Request ? authorized.get(input) : undefined;
      if (!names || names.size === 0) return send(input, init);
      const copy = new Request(input as Request);
      for (const name of names) if (copy.headers.has(name)) (input as Request).headers.set(name, redacted);
      return send(copy, init);
    };
  };

  /** Hides the values of the headers `auth` added on the request an error carries (`console.log(error)`). */
  const redact = (...args: unknown[]): Error => {
    const { error, options } = errorStateOf(args);
    const call = options?.headers ? calls.get(options.headers) : undefined;
    const { request } = error as { request?: unknown };
    if (call && request instanceof Request) {
      for (const name of call.fromAuth) if (request.headers.has(name)) request.headers.set(name, redacted);
    }
    return error;
  };

  return kyInstance.extend((parent) => {
    // An AuthError from `authorize()` already went through core's own retries (and a wrong password must
    // not reach the provider twice): ky must not retry it. ky 1 would, as it runs `beforeRequest` inside its
    // retry loop. Every other error is left to the caller's retry settings.
    const parentRetry = parent.retry;
    const inherited = typeof parentRetry === 'object' ? parentRetry.shouldRetry : undefined;
    const shouldRetry: ShouldRetry = (state) =>
      isAuthError(state.error) ? false : inherited ? inherited(state) : undefined;
    return {
      fetch: sending(parent.fetch ?? ((input, init) => globalThis.fetch(input, init))),
      retry: typeof parentRetry === 'number' ? { limit: parentRetry, shouldRetry } : { shouldRetry },
      hooks: {
        beforeRequest: [async (...args: unknown[]) => authorize(stateOf(args))],
        beforeRetry: [
          async (state: HookState) => {
            // Also when a per-request `retry` replaced the `shouldRetry` above (ky 1 replaces an object
            // with a number): stop before authorizing again.
            if (isAuthError(state.error)) throw state.error;
            return authorize(state);
          },
        ],
        afterResponse: [afterResponse],
        beforeError: [redact],
      },
    };
  }) as T;
}
