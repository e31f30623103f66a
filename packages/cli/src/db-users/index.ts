/**
 * `@auth/cli/db-users`: a small typed client for Weaviate's database users (`/v1/users/db`, Weaviate 1.30+)
 * and their roles: the API behind `weaviate-auth keys`. It holds no credential and no token logic: give it a
 * fetch that adds one, such as `withAuth(fetch, auth)` from `@auth/fetch`.
 *
 * @packageDocumentation
 */
export {
  type CallOptions,
  createDbUsersClient,
  type DbUser,
  type DbUsersClient,
  type DbUsersClientOptions,
  type FetchLike,
} from './client.js';
export { DbUsersError, type DbUsersErrorCode, isDbUsersError } from './error.js';
