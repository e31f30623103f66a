/**
 * Why a database-user request failed, from the HTTP status and Weaviate's answer:
 *
 * - `unauthorized` (401): the credential was refused;
 * - `forbidden` (403): the credential is valid but may not manage users (a read-only or viewer key);
 * - `not_found` (404): no such user;
 * - `conflict` (409): the name is taken, or the user is already (in)active;
 * - `not_enabled` (422 `db user management is not enabled`): the server runs without database users;
 * - `unsupported` (404 on the collection itself): the server has no `/v1/users/db` (Weaviate before 1.30);
 * - `invalid` (400, 422): a bad user name, or what Weaviate refuses for this user (a static or root user);
 * - `unexpected`: anything else (5xx, an answer that is not Weaviate's).
 *
 * @example
 * ```ts
 * import { DbUsersError, type DbUsersErrorCode } from '@auth/cli/db-users';
 *
 * function isMissing(error: unknown): boolean {
 *   const code: DbUsersErrorCode | undefined = error instanceof DbUsersError ? error.code : undefined;
 *   return code === 'not_found';
 * }
 * ```
 */
export type DbUsersErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'not_enabled'
  | 'unsupported'
  | 'invalid'
  | 'unexpected';

/**
 * A request of the database-user API that Weaviate answered with an error. `message` says which request,
 * the status and Weaviate's own message; `serverMessage` is that message alone. Never holds a key.
 *
 * @example
 * ```ts
 * import { createDbUsersClient, DbUsersError } from '@auth/cli/db-users';
 *
 * const users = createDbUsersClient({ baseUrl: 'http://localhost:8080', fetch });
 * try {
 *   await users.delete('etl-job');
 * } catch (error) {
 *   if (error instanceof DbUsersError && error.code === 'forbidden') console.error('use an admin key');
 *   else throw error;
 * }
 * ```
 */
export class DbUsersError extends Error {
  override readonly name = 'DbUsersError';
  readonly code: DbUsersErrorCode;
  /** The HTTP status Weaviate answered. */
  readonly status: number;
  /** Weaviate's message (`error[0].message` or `message`), when it sent one. */
  readonly serverMessage: string | undefined;
  /** The request, e.g. `POST /v1/users/db/etl-job`. */
  readonly request: string;

  constructor(
    code: DbUsersErrorCode,
    init: { status: number; serverMessage: string | undefined; request: string; hint?: string },
  ) {
    const said = init.serverMessage === undefined ? '' : `: ${init.serverMessage}`;
    super(`${init.request} answered ${init.status}${said}${init.hint === undefined ? '' : `. ${init.hint}`}`);
    this.code = code;
    this.status = init.status;
    this.serverMessage = init.serverMessage;
    this.request = init.request;
  }
}

/** True for a {@link DbUsersError}, also one from another copy of this package (compares `name`). */
export function isDbUsersError(error: unknown): error is DbUsersError {
  return (
    error instanceof DbUsersError ||
    (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'DbUsersError')
  );
}
