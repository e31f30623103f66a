import { checkAdapterArguments, type FetchInput } from '@auth/core/adapter';
import { type AuthLike, withAuth as withAuthFetch } from '@auth/fetch';
import type { GraphQLClient } from 'graphql-request';

/**
 * The methods of an `auth` object (from `createAuth()` in `@auth/core`) that the adapter calls. Imported from
 * `@auth/fetch`, which also types fetch's `init.skipAuth` and `init.authRetry`.
 */
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
 * Returns `GraphQLClient` options with `auth` applied: a `fetch` from `@auth/fetch` around yours (or the
 * global one), which sets the credential headers on every request and retries an auth failure (a 401) once
 * with a fresh credential (graphql-request's `responseMiddleware` cannot retry). One `auth.authorize()` per
 * request.
 *
 * - The headers of each request (client `headers`, per-request headers, your `requestMiddleware`) are read
 *   at the fetch; each header from `auth.authorize()` is added unless the request already has it: **a header
 *   you set yourself wins**.
 * - A request your `requestMiddleware` returns with `skipAuth: true` goes out as it is: no credential, no
 *   renewal (a login mutation, a public query).
 * - Your `fetch` option, if any, is the one that is wrapped; it sees `init.authRetry: true` on the retry.
 * - A request to another origin gets no credential (also across redirects); after an auth failure the request
 *   is sent again only when `auth.handleUnauthorized()` returns `true`, and at most once.
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
  const fetch = withAuthFetch(
    options?.fetch ?? ((input: FetchInput, init?: RequestInit) => globalThis.fetch(input, init)),
    auth,
  );
  return { ...options, fetch } as O;
}
