import { AuthError, type AuthErrorOptions } from '@auth/core';

/**
 * The stable codes of {@link RedisStoreError}:
 *
 * - `AUTH_REDIS_UNAVAILABLE`: a Redis command failed or timed out, or the client is not connected. The
 *   store carries on in this process alone; it is reported (a `store-unavailable` event through each auth
 *   object's `onEvent`), never thrown at a request.
 * - `AUTH_REDIS_DECRYPT_FAILED`: a stored token cannot be decrypted with this process's `encryptionKey`
 *   (another key, or a tampered value). Reported as a `store-error` event; the process gets a fresh token.
 * - `AUTH_REDIS_LOCK_TIMEOUT`: another process held the refresh lock longer than `lockWait`. Thrown.
 * - `AUTH_REDIS_LOCK_LOST`: the reason of the signal a lock holder's task gets when its lease runs out (a
 *   stalled event loop, Redis unreachable for `lockTtl`); core then abandons its token request and waits for
 *   the new holder's token. Not thrown at a request unless the lock is lost three times in a row.
 *
 * @example
 * ```ts
 * import type { RedisStoreErrorCode } from '@auth/redis-store';
 * const code: RedisStoreErrorCode = 'AUTH_REDIS_UNAVAILABLE';
 * ```
 */
export type RedisStoreErrorCode =
  | 'AUTH_REDIS_UNAVAILABLE'
  | 'AUTH_REDIS_DECRYPT_FAILED'
  | 'AUTH_REDIS_LOCK_TIMEOUT'
  | 'AUTH_REDIS_LOCK_LOST';

/**
 * What went wrong between the store and Redis. An `AuthError` (so `isAuthError()` recognises it, also across
 * copies of `@auth/core`, and the redacted `cause` applies); the message says what happened and what to do,
 * and never holds a token or a key.
 *
 * @example
 * ```ts
 * import { createAuth, apiKey } from '@auth/core';
 * import { redisStore, RedisStoreError } from '@auth/redis-store';
 * import { createClient } from 'redis';
 * const client = createClient({ url: 'redis://127.0.0.1:6379' });
 * client.on('error', () => {});
 * await client.connect();
 * const auth = createAuth({
 *   baseUrl: 'http://localhost:8080',
 *   credentials: apiKey(() => process.env.API_KEY!),
 *   store: redisStore({ client }),
 *   onEvent: (event) => {
 *     if (event.type === 'store-unavailable' && event.error instanceof RedisStoreError) console.warn(event.error.code, event.error.message);
 *   },
 * });
 * ```
 */
export class RedisStoreError extends AuthError {
  override name = 'RedisStoreError';
  declare readonly code: RedisStoreErrorCode;

  constructor(message: string, code: RedisStoreErrorCode, options?: AuthErrorOptions) {
    super(message, code, options);
  }
}
