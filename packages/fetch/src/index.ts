import type { Auth } from '@auth/core';

/**
 * The two methods of an `auth` object (from `createAuth()` in `@auth/core`) that an adapter calls.
 *
 * @example
 * ```ts
 * import { createAuth, apiKey } from '@auth/core';
 * import { type AuthLike, withAuth } from '@auth/fetch';
 *
 * const auth: AuthLike = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('my-key') });
 * const authedFetch = withAuth(fetch, auth);
 * ```
 */
export type AuthLike = Pick<Auth, 'authorize' | 'handleUnauthorized'>;

type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
type Sent = { response: Response; url: URL; headers: Headers };

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 20;
const bodyHeaders = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];
// Browsers hide the target of a `redirect: 'manual'` response, so there the browser follows redirects itself.
const inBrowser =
  typeof document !== 'undefined' ||
  typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';

const isOneShot = (body: unknown): boolean =>
  typeof body === 'object' &&
  body !== null &&
  (typeof (body as { getReader?: unknown }).getReader === 'function' ||
    typeof (body as { pipe?: unknown }).pipe === 'function' ||
    Symbol.asyncIterator in body);

/**
 * Asks `auth` whether a retry can succeed. When no new credential can be had (e.g. the refresh token was
 * revoked), the caller gets the 401 as usual; `auth` reports the failure through `onEvent`, and the next
 * request's `authorize()` throws it. An abort still rejects.
 */
async function renew(
  auth: AuthLike,
  url: URL,
  sent: Headers,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  try {
    return await auth.handleUnauthorized(url, sent, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw error;
    return false;
  }
}

/** Sets the headers from `auth` that the caller did not set (or set to the very same value); records them. */
function apply(headers: Headers, fromAuth: Record<string, string>, owned: Set<string>): void {
  for (const name of owned) headers.delete(name);
  for (const [name, value] of Object.entries(fromAuth)) {
    if (!headers.has(name) || headers.get(name) === value) {
      headers.set(name, value);
      owned.add(name.toLowerCase());
    }
  }
}

/**
 * Wraps a fetch function so that every request to the auth's origins carries its credential, and a 401 is
 * retried once with a fresh credential.
 *
 * - Before each request it calls `auth.authorize(url, { method, signal })` and sets each returned header that
 *   the caller did not set: **a header you pass yourself wins** over the credential.
 * - After a 401 it calls `auth.handleUnauthorized(...)` and, only when that returns `true`, sends the request
 *   once more. A one-shot body (a `ReadableStream` or Node stream in `init.body`) is never re-sent: that 401
 *   is returned as is.
 * - Other origins get no credential: redirects are followed hop by hop (`redirect: 'manual'` underneath)
 *   and a hop to another origin loses `Authorization` and every header from `auth`. In browsers, which hide
 *   redirect targets, the browser follows redirects and drops `Authorization` on cross-origin hops itself.
 * - The request's `signal` also aborts a token request the call is waiting on.
 *
 * @param fetchFn - the fetch to wrap, e.g. `globalThis.fetch`; it is called with the same argument shapes.
 * @param auth - the object returned by `createAuth()` from `@auth/core`.
 * @returns a function with exactly `fetchFn`'s type.
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { withAuth } from '@auth/fetch';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey(process.env.WEAVIATE_API_KEY!) });
 * const authedFetch = withAuth(fetch, auth);
 * const meta = await (await authedFetch('http://127.0.0.1:8080/v1/meta')).json();
 * ```
 */
export function withAuth<F extends FetchFunction>(fetchFn: F, auth: AuthLike): F {
  if (typeof fetchFn !== 'function') {
    throw new TypeError('@auth/fetch: withAuth(fetch, auth) needs a fetch function as its first argument.');
  }
  if (typeof auth?.authorize !== 'function' || typeof auth.handleUnauthorized !== 'function') {
    throw new TypeError(
      '@auth/fetch: withAuth(fetch, auth) needs the object returned by createAuth() as auth.',
    );
  }

  const authedFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    let url: URL;
    try {
      url = new URL(
        request ? request.url : String(input),
        typeof location === 'undefined' ? undefined : location.href,
      );
    } catch {
      return fetchFn(input, init); // not a URL: let fetch report it
    }
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const signal = init?.signal ?? request?.signal ?? undefined;
    const withSignal = signal ? { signal } : {};
    const headers = new Headers(init?.headers ?? request?.headers);
    const owned = new Set<string>();
    apply(headers, await auth.authorize(url, { method, ...withSignal }), owned);

    const bodyFromRequest = request !== undefined && init?.body === undefined && request.body !== null;
    const redirect = init?.redirect ?? request?.redirect ?? 'follow';
    const manual = redirect === 'follow' && owned.size > 0 && !inBrowser;

    const send = async (): Promise<Sent> => {
      // Send a clone of a Request with a body, so that the original stays readable for a retry.
      const target = request && bodyFromRequest ? request.clone() : input;
      const first = await fetchFn(target, { ...init, headers, redirect: manual ? 'manual' : redirect });
      return manual ? follow(first) : { response: first, url, headers };
    };

    const follow = async (response: Response): Promise<Sent> => {
      // `body` is what the next hop re-sends: the caller's body until a hop turns the request into a GET.
      let hop: Sent & { method: string; body: 'original' | null } = {
        response,
        url,
        headers,
        method,
        body: 'original',
      };
      for (let count = 0; redirectStatuses.has(hop.response.status); count++) {
        const location = hop.response.headers.get('location');
        if (location === null) break;
        if (count === maxRedirects) {
          throw new TypeError(
            `@auth/fetch: more than ${maxRedirects} redirects for ${method} ${url.origin}${url.pathname}.`,
          );
        }
        const next = new URL(location, hop.url);
        const status = hop.response.status;
        const toGet = status === 303 ? hop.method !== 'HEAD' : status <= 302 && hop.method === 'POST';
        const nextHeaders = new Headers(hop.headers);
        let body: BodyInit | null | undefined;
        if (toGet) {
          for (const name of bodyHeaders) nextHeaders.delete(name);
        } else if (hop.body === null) {
          body = null; // an earlier hop dropped the body (it became a GET)
        } else if (init?.body !== undefined && init.body !== null) {
          if (isOneShot(init.body)) break; // cannot re-send a stream: hand back the redirect
          body = init.body;
        } else if (bodyFromRequest && request) {
          body = request.clone().body;
        }
        if (next.origin !== hop.url.origin) {
          nextHeaders.delete('authorization');
          for (const name of owned) nextHeaders.delete(name);
        }
        const nextMethod = toGet ? 'GET' : hop.method;
        for (const [name, value] of Object.entries(
          await auth.authorize(next, { method: nextMethod, ...withSignal }),
        )) {
          if (!nextHeaders.has(name)) nextHeaders.set(name, value);
        }
        void hop.response.body?.cancel().catch(() => undefined);
        const nextInit = {
          ...init,
          method: nextMethod,
          headers: nextHeaders,
          body,
          redirect: 'manual',
          ...withSignal,
        };
        if (body instanceof ReadableStream) Object.assign(nextInit, { duplex: 'half' });
        hop = {
          response: await fetchFn(next.href, nextInit as RequestInit),
          url: next,
          headers: nextHeaders,
          method: nextMethod,
          body: toGet ? null : hop.body,
        };
      }
      return hop;
    };

    const sent = await send();
    if (sent.response.status !== 401) return sent.response;
    // Told even for a body that cannot be re-sent, so that the next request gets a fresh credential.
    const renewed = await renew(auth, sent.url, sent.headers, signal);
    if (!renewed || isOneShot(init?.body)) return sent.response;
    void sent.response.body?.cancel().catch(() => undefined);
    apply(headers, await auth.authorize(url, { method, ...withSignal }), owned);
    return (await send()).response;
  };
  return authedFetch as F;
}
