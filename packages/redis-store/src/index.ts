export { RedisStoreError, type RedisStoreErrorCode } from './errors.js';
export {
  type RedisClientLike,
  type RedisStore,
  type RedisStoreOptions,
  redisStore,
} from './redis-store.js';
