import type { AuthLike } from './auth-like.js';
import {
  type FollowRedirectsOptions,
  followRedirects,
  isRedirect,
  shouldFollowRedirects,
} from './redirects.js';
import type { FetchFunction, RedirectMode } from './web-types.js';

/** Options of {@link redirectSafeFetch}. */
export interface RedirectSafeFetchOptions {
  /** The adapter's package name, for the error on too many redirects, e.g. `'@auth/ky'`. */
  readonly adapter: string;
  /** Gives each hop the headers for its URL (nothing for another origin). */
  readonly auth: AuthLike;
  /**
   * The names of the headers from `auth` on the request that leaves `from`.
   * @default the names `auth.authorize(from)` returns
   */
  readonly fromAuth?: FollowRedirectsOptions['fromAuth'] | undefined;
  /** Told the URL that gave the answer: after redirects, the last hop's. */
  readonly onAnswer?: ((url: URL) => void) | undefined;
  /**
   * What the caller asked for when the library made its `Request` with `redirect: 'manual'` for this
   * wrapper (e.g. axios' fetch adapter given `fetchOptions: { redirect: 'manual' }`): `'follow'` has such a
   * `Request` followed hop by hop as it is, without the copy the wrapper otherwise makes of each `Request`
   * that follows redirects.
   * @default the `Request`'s own `redirect`
   */
  readonly redirect?: RedirectMode | undefined;
}

/**
 * Wraps the fetch an HTTP library calls with a `Request` (ky, axios' fetch adapter) so that redirects are
 * followed one hop at a time by {@link followRedirects}: a hop to another origin carries no credential and
 * none of {@link crossOriginDropped}. A request that does not ask for redirects to be followed, any other
 * input, and every request in a browser ({@link shouldFollowRedirects}) go to `fetch` as they are.
 *
 * `init`, the second argument, carries what a `Request` cannot (e.g. Node's `dispatcher`); its `redirect`
 * is ignored (the `Request`'s own, or the `redirect` option, says what the caller asked for). A `Request`
 * that follows redirects is sent as a copy with `redirect: 'manual'` (the fetch it wraps may not read
 * `init`); one that is `'manual'` already (see the `redirect` option) is sent as it is.
 *
 * @param fetch - the fetch to wrap, e.g. `globalThis.fetch` or the library's `fetch` option.
 * @returns a fetch function that follows redirects safely.
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { redirectSafeFetch } from '@auth/core/adapter';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('my-key') });
 * const safeFetch = redirectSafeFetch(fetch, { adapter: 'my-adapter', auth });
 * const request = new Request('http://127.0.0.1:8080/v1/meta', { headers: await auth.authorize('/v1/meta') });
 * await safeFetch(request); // a redirect elsewhere arrives without the key
 * ```
 */
export function redirectSafeFetch(fetch: FetchFunction, options: RedirectSafeFetchOptions): FetchFunction {
  const { adapter, auth, onAnswer } = options;
  return async (input, init) => {
    if (!(input instanceof Request) || !shouldFollowRedirects(options.redirect ?? input.redirect)) {
      const response = await fetch(input, init);
      if (onAnswer)
        answered(onAnswer, response.url || (input instanceof Request ? input.url : String(input)));
      return response;
    }
    const { redirect: _asked, ...extra } = init ?? {};
    const { signal } = input;
    const spare = input.body ? input.clone() : undefined;
    const manual = input.redirect === 'manual' ? input : new Request(input, { redirect: 'manual' });
    const response = await fetch(manual, extra);
    const first = { response, url: new URL(input.url), method: input.method, headers: input.headers };
    const last = isRedirect(response)
      ? await followRedirects(first, {
          adapter,
          auth,
          signal,
          body: spare ? () => spare.clone().body : undefined,
          fromAuth:
            options.fromAuth ??
            (async (from, method) => Object.keys(await auth.authorize(from, { method, signal }))),
          send: (href, hop) => fetch(new Request(href, hop), extra),
        })
      : first;
    onAnswer?.(last.url);
    return last.response;
  };
}

function answered(onAnswer: (url: URL) => void, href: string): void {
  try {
    onAnswer(new URL(href));
  } catch {
    // A response made up by a test double may have no URL: nothing to report.
  }
}
