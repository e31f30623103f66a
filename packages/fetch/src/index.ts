import {
  type AuthLike,
  applyAuthHeaders,
  checkAdapterArguments,
  followRedirects,
  isOneShotBody,
  isRedirect,
  renewAfterUnauthorized,
  type SentRequest,
  shouldFollowRedirects,
} from '@auth/core/adapter';

/** The two methods of an `auth` object (from `createAuth()` in `@auth/core`) that `withAuth` calls. */
export type { AuthLike };

type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * Wraps a fetch function so that every request to the auth's origins carries its credential, and a 401 is
 * retried once with a fresh credential.
 *
 * - Before each request it calls `auth.authorize(url, { method, signal })` and sets each returned header that
 *   the caller did not set: **a header you pass yourself wins** over the credential.
 * - After a 401 it calls `auth.handleUnauthorized(...)` and, only when that returns `true`, sends the request
 *   once more. A one-shot body (a `ReadableStream` or Node stream in `init.body`) is never re-sent: that 401
 *   is returned as is.
 * - The URL is read once, when you call: the origin is checked on it and the request goes to it (a `URL`
 *   object you change afterwards, even while a token is being fetched, changes nothing).
 * - Other origins get no credential: redirects are followed hop by hop (`redirect: 'manual'` underneath)
 *   and a hop to another origin loses `Authorization`, `Cookie`, `Proxy-Authorization` (whoever set them)
 *   and every header from `auth`. In browsers, which hide redirect targets, the browser follows redirects
 *   and drops `Authorization` on cross-origin hops itself.
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
  checkAdapterArguments({
    adapter: '@auth/fetch',
    call: 'withAuth(fetch, auth)',
    auth,
    target: { valid: typeof fetchFn === 'function', needs: 'a fetch function as its first argument' },
  });

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
    const fromAuth = new Set<string>();
    applyAuthHeaders(headers, await auth.authorize(url, { method, ...withSignal }), fromAuth);

    const bodyFromRequest = request !== undefined && init?.body === undefined && request.body !== null;
    const redirect = init?.redirect ?? request?.redirect ?? 'follow';
    const manual = fromAuth.size > 0 && shouldFollowRedirects(redirect);
    const callerBody = init?.body;
    const body =
      callerBody !== undefined && callerBody !== null
        ? () => callerBody
        : bodyFromRequest
          ? () => request.clone().body
          : undefined;

    const send = async (): Promise<SentRequest> => {
      // Send a clone of a Request with a body, so that the original stays readable for a retry. Anything
      // else goes to the very URL that was checked: a `URL` object the caller changes meanwhile is not read again.
      const target = request ? (bodyFromRequest ? request.clone() : request) : url.href;
      const response = await fetchFn(target, { ...init, headers, redirect: manual ? 'manual' : redirect });
      const sent = { response, url, method, headers };
      if (!manual || !isRedirect(response)) return sent;
      return followRedirects(sent, {
        adapter: '@auth/fetch',
        auth,
        signal,
        body,
        oneShot: isOneShotBody(callerBody),
        fromAuth: () => fromAuth,
        send: (href, hop) => fetchFn(href, { ...init, ...hop }),
      });
    };

    const sent = await send();
    if (sent.response.status !== 401) return sent.response;
    // Told even for a body that cannot be re-sent, so that the next request gets a fresh credential.
    const renewed = await renewAfterUnauthorized(auth, sent.url, sent.headers, withSignal);
    if (!renewed || isOneShotBody(callerBody)) return sent.response;
    void sent.response.body?.cancel().catch(() => undefined);
    applyAuthHeaders(headers, await auth.authorize(url, { method, ...withSignal }), fromAuth);
    return (await send()).response;
  };
  return authedFetch as F;
}
