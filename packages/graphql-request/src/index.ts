import { type AuthLike, applyAuthHeaders, checkAdapterArguments } from '@auth/core/adapter';
import { withAuth as withAuthFetch } from '@auth/fetch';
import type { GraphQLClient, RequestMiddleware } from 'graphql-request';

/** The two methods of an `auth` object (from `createAuth()` in `@auth/core`) that the adapter calls. */
export type { AuthLike };

/**
 * The options a `GraphQLClient` takes (its constructor's second argument).
 *
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { type GraphQLClientOptions, withAuth } from '@auth/graphql-request';
 * import { GraphQLClient } from 'graphql-request';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('my-key') });
 * const options: GraphQLClientOptions = withAuth({ headers: { 'X-Request-Id': 'abc' } }, auth);
 * const client = new GraphQLClient('http://127.0.0.1:8080/v1/graphql', options);
 * ```
 */
export type GraphQLClientOptions = NonNullable<ConstructorParameters<typeof GraphQLClient>[1]>;

/**
 * Returns `GraphQLClient` options with `auth` applied: an async `requestMiddleware` that sets the credential
 * headers, and a `fetch` from `@auth/fetch` that retries a 401 once with a fresh credential (graphql-request's
 * `responseMiddleware` cannot retry).
 *
 * - Your `requestMiddleware` runs first; then each header from `auth.authorize()` is added unless the
 *   request already has it: **a header you set yourself** (client `headers`, per-request headers, your
 *   middleware) **wins**.
 * - Your `fetch` option, if any, is the one that is wrapped.
 * - A request to another origin gets no credential (also across redirects); after a 401 the request is sent
 *   again only when `auth.handleUnauthorized()` returns `true`, and at most once.
 * - A `signal` passed to `request()` also aborts a token request it waits on.
 *
 * @param options - your `GraphQLClient` options (optional).
 * @param auth - the object returned by `createAuth()` from `@auth/core`.
 * @returns a new options object; `options` itself is unchanged.
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { withAuth } from '@auth/graphql-request';
 * import { GraphQLClient, gql } from 'graphql-request';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey(process.env.WEAVIATE_API_KEY!) });
 * const client = new GraphQLClient('http://127.0.0.1:8080/v1/graphql', withAuth({}, auth));
 * const data = await client.request(gql`{ Aggregate { Article { meta { count } } } }`);
 * ```
 */
export function withAuth<O extends GraphQLClientOptions>(options: O | undefined, auth: AuthLike): O {
  checkAdapterArguments({ adapter: '@auth/graphql-request', call: 'withAuth(options, auth)', auth });
  const user = options?.requestMiddleware;
  const requestMiddleware: RequestMiddleware = async (request) => {
    const resolved = user ? await user(request) : request;
    const headers = new Headers(resolved.headers);
    const init = resolved.signal ? { signal: resolved.signal } : {};
    const credential = await auth.authorize(resolved.url, { method: resolved.method ?? 'POST', ...init });
    applyAuthHeaders(headers, credential, new Set());
    return { ...resolved, headers };
  };
  const fetch = withAuthFetch(
    options?.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)),
    auth,
  );
  return { ...options, requestMiddleware, fetch } as O;
}
