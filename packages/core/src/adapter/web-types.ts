// The fetch types the adapters name, spelled so that they mean the same with the DOM's types (browsers,
// `lib: ["dom"]`) and with Node's alone (`@types/node`, which has no global `RequestInfo`, `HeadersInit`,
// `BodyInit` or `RequestRedirect`): a Node project that checks libraries' types (`skipLibCheck: false`)
// compiles against ours.

/** What fetch takes as its first argument: a URL string, a `URL` or a `Request`. */
export type FetchInput = string | URL | Request;

/**
 * A fetch function, as the adapters take and return it.
 *
 * @example
 * ```ts
 * import type { FetchFunction } from '@auth/core/adapter';
 *
 * const logged: FetchFunction = (input, init) => {
 *   console.log(init?.method ?? 'GET', input instanceof Request ? input.url : String(input));
 *   return fetch(input, init);
 * };
 * ```
 */
export type FetchFunction = (input: FetchInput, init?: RequestInit) => Promise<Response>;

/** What a request's `headers` may be: a `Headers`, a record or a list of pairs. */
export type HeadersInput = NonNullable<RequestInit['headers']>;

/** A request's `redirect` mode: `'follow'`, `'manual'` or `'error'`. */
export type RedirectMode = NonNullable<RequestInit['redirect']>;

/** What a request's body may be: a string, bytes, a `Blob`, a form, a stream... */
export type BodyInput = NonNullable<RequestInit['body']>;
