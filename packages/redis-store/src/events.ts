import type { RedisStoreError } from './errors.js';

/**
 * What a {@link redisStore} reports through its `onEvent` option. No event carries a token or a key.
 *
 * - `redis-unavailable`: Redis stopped answering (or the client is not connected). From now on this process
 *   keeps its token in memory and refreshes on its own (one request at a time). Once per outage.
 * - `redis-available`: Redis answers again; the fleet shares tokens and refreshes again.
 * - `decrypt-failed`: the stored token cannot be read with this process's `encryptionKey`; the process
 *   ignores it and gets a fresh token (which then replaces it). Once per stored value.
 *
 * @example
 * ```ts
 * import { redisStore, type RedisStoreEvent } from '@auth/redis-store';
 * import { createClient } from 'redis';
 * const client = createClient({ url: 'redis://127.0.0.1:6379' });
 * client.on('error', () => {});
 * await client.connect();
 * const onEvent = (event: RedisStoreEvent) => {
 *   if (event.type === 'redis-unavailable') console.warn('token sharing paused:', event.error.message);
 *   if (event.type === 'redis-available') console.info('token sharing resumed');
 * };
 * const store = redisStore({ client, onEvent });
 * ```
 */
export type RedisStoreEvent =
  | { readonly type: 'redis-unavailable'; readonly error: RedisStoreError }
  | { readonly type: 'redis-available' }
  | { readonly type: 'decrypt-failed'; readonly error: RedisStoreError };

/**
 * Receives {@link RedisStoreEvent}s. A listener that throws is ignored.
 *
 * @example
 * ```ts
 * import type { RedisStoreEventListener } from '@auth/redis-store';
 * const log: RedisStoreEventListener = (event) => console.log(event.type);
 * ```
 */
export type RedisStoreEventListener = (event: RedisStoreEvent) => void;
