export type {
  IoRedisLike,
  NodeRedisClusterLike,
  NodeRedisSentinelLike,
  RedisClient,
  RedisClientLike,
} from './client.js';
export { RedisStoreError, type RedisStoreErrorCode } from './errors.js';
export { type RedisStore, type RedisStoreOptions, redisStore } from './redis-store.js';
