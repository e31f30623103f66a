import type { AuthLike } from './auth-like.js';
import { discardBody } from './discard.js';
import type { BodyInput, RedirectMode } from './web-types.js';

/** The statuses that redirect, as in the Fetch standard. */
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** The Fetch standard's limit. */
const maxRedirects = 20;
/** What describes a body: dropped with the body when a hop turns the request into a GET. */
const bodyHeaders = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];
/**
 * What a hop to another origin loses, whoever set it (lower case), besides every header that came from `auth`:
 * what the Fetch standard drops there (`Authorization`; `Cookie` and `Proxy-Authorization` are forbidden
 * request headers in browsers, which add their own per hop) as Node's fetch applies it: `Authorization`,
 * `Cookie`, `Proxy-Authorization` and `Host`. An adapter that follows redirects itself is never less safe
 * than the fetch it wraps.
 */
export const crossOriginDropped: readonly string[] = Object.freeze([
  'authorization',
  'cookie',
  'proxy-authorization',
  'host',
]);

// Browsers hide the target of a `redirect: 'manual'` response, so there the browser follows redirects itself.
const inBrowser =
  typeof document !== 'undefined' ||
  typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';

/**
 * Whether an adapter follows a request's redirects itself, with {@link followRedirects}: when the request
 * asks for redirects to be followed (`redirect: 'follow'`, fetch's default) and this is not a browser.
 * Browsers hide the target of a redirect from scripts; they follow redirects themselves and drop
 * `Authorization` on a hop to another origin.
 *
 * @param redirect - the request's `redirect` option (`undefined`: fetch's default, `'follow'`).
 */
export function shouldFollowRedirects(redirect: RedirectMode | undefined): boolean {
  return (redirect ?? 'follow') === 'follow' && !inBrowser;
}

/**
 * Whether {@link followRedirects} would follow this answer: a 301, 302, 303, 307 or 308 with a `Location`.
 * Check it before calling the follower: most answers are not redirects, and skipping the call keeps the
 * common path free of it.
 */
export function isRedirect(response: Response): boolean {
  return redirectStatuses.has(response.status) && response.headers.has('location');
}

/** One request as it was sent, and its answer: the first request or a hop of a redirect chain. */
export interface SentRequest {
  readonly response: Response;
  /** Where it went: the URL whose origin `auth` checked. */
  readonly url: URL;
  /** Upper case, e.g. `'POST'`. */
  readonly method: string;
  /** The headers it carried. */
  readonly headers: Headers;
}

/** How {@link followRedirects} sends each hop, and what it needs to know about the request. */
export interface FollowRedirectsOptions {
  /** The adapter's package name, for the error on too many redirects, e.g. `'@auth/fetch'`. */
  readonly adapter: string;
  /** Gives each hop the headers for its URL (nothing for another origin). */
  readonly auth: AuthLike;
  /** The caller's signal: given to each hop and to `auth.authorize()`. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The caller's body, for a hop that keeps it (307 and 308; 301 and 302 except after a POST): returns
   * what to send, a fresh copy on every call. Omit it for a request without a body.
   */
  readonly body?: (() => BodyInput | null) | undefined;
  /**
   * True when the body can be read only once ({@link isOneShotBody}): a redirect that would send it again
   * is not followed but handed back, as the response.
   */
  readonly oneShot?: boolean | undefined;
  /**
   * The names of the headers from `auth` on the request that leaves `from` (a hop to another origin drops
   * them). The follower adds the names it set on later hops itself.
   */
  readonly fromAuth: (from: URL, method: string) => Iterable<string> | Promise<Iterable<string>>;
  /**
   * Sends one hop: `url` (a string, the very URL that was checked) with `init`, which holds the method,
   * headers, body, `redirect: 'manual'` and the signal.
   */
  readonly send: (url: string, init: RequestInit) => Promise<Response>;
}

/**
 * Follows redirects one hop at a time, as fetch would (`redirect: 'follow'`), so that a hop to another
 * origin carries no credential: it drops {@link crossOriginDropped} (`Authorization`, `Cookie`,
 * `Proxy-Authorization`, `Host`) and every header that came from `auth`, and asks
 * `auth.authorize()` for each new URL (so a hop back to an allowed origin gets the credential again). Call it
 * with the answer to a request sent with `redirect: 'manual'`; outside browsers only
 * ({@link shouldFollowRedirects}).
 *
 * The rules are fetch's: 301, 302, 303, 307 and 308 with a `Location` are followed; a 303 (except after a
 * HEAD), and a 301 or 302 after a POST, become a GET without a body (and without `Content-Type` and the
 * other body headers); the others keep the method and re-send the body. More than 20 redirects throw a
 * `TypeError`. A one-shot body that would be re-sent ends the chain: that redirect is handed back.
 *
 * @param first - the request as sent (with `redirect: 'manual'`) and its answer.
 * @returns the last request sent and its answer (`first` itself when it is not a redirect: see
 *   {@link isRedirect}). After at least one hop the answer's `redirected` is `true`, as with fetch's own
 *   `redirect: 'follow'` (its `url` is already the last hop's).
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { applyAuthHeaders, followRedirects, isRedirect } from '@auth/core/adapter';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('my-key') });
 * const url = new URL('http://127.0.0.1:8080/v1/meta');
 * const headers = new Headers();
 * const fromAuth = new Set<string>();
 * applyAuthHeaders(headers, await auth.authorize(url), fromAuth);
 * const sent = { response: await fetch(url.href, { headers, redirect: 'manual' }), url, method: 'GET', headers };
 * const last = isRedirect(sent.response)
 *   ? await followRedirects(sent, {
 *       adapter: 'my-adapter',
 *       auth,
 *       fromAuth: () => fromAuth,
 *       send: (href, init) => fetch(href, init),
 *     })
 *   : sent;
 * console.log(last.url.href, last.response.status);
 * ```
 */
export async function followRedirects(
  first: SentRequest,
  options: FollowRedirectsOptions,
): Promise<SentRequest> {
  const { auth, signal } = options;
  const withSignal = signal ? { signal } : {};
  const setHere = new Set<string>();
  // Whether a hop that keeps the method re-sends the caller's body: not after a hop that became a GET.
  let keepsBody = options.body !== undefined;
  let hop = first;
  for (let count = 0; isRedirect(hop.response); count++) {
    if (count === maxRedirects) {
      throw new TypeError(
        `${options.adapter}: more than ${maxRedirects} redirects for ${first.method} ${first.url.origin}${first.url.pathname}.`,
      );
    }
    const next = new URL(hop.response.headers.get('location') ?? '', hop.url);
    const status = hop.response.status;
    const toGet = status === 303 ? hop.method !== 'HEAD' : status <= 302 && hop.method === 'POST';
    if (!toGet && keepsBody && options.oneShot) break; // cannot send a stream twice: hand back the redirect
    const method = toGet ? 'GET' : hop.method;
    const headers = new Headers(hop.headers);
    if (toGet) {
      keepsBody = false;
      for (const name of bodyHeaders) headers.delete(name);
    }
    if (next.origin !== hop.url.origin) {
      for (const name of crossOriginDropped) headers.delete(name);
      for (const name of setHere) headers.delete(name);
      for (const name of await options.fromAuth(hop.url, hop.method)) headers.delete(name);
    }
    for (const [name, value] of Object.entries(await auth.authorize(next, { method, ...withSignal }))) {
      if (!headers.has(name)) {
        headers.set(name, value);
        setHere.add(name.toLowerCase());
      }
    }
    discardBody(hop.response, 'a redirect is followed');
    const body = keepsBody ? (options.body?.() ?? null) : null;
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers,
      body,
      redirect: 'manual',
      ...withSignal,
    };
    if (body instanceof ReadableStream) init.duplex = 'half';
    hop = { response: await options.send(next.href, init), url: next, method, headers };
  }
  // Each hop is a fetch of its own, whose answer says `redirected: false`; fetch's own following says `true`.
  if (hop !== first) Object.defineProperty(hop.response, 'redirected', { value: true });
  return hop;
}
