// One Redis client of either library for any topology, as an application would create it: for the fleet's
// processes, the seed and the tests' own look at the data.
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';

/** `host` and `port` of a Redis node or sentinel. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Where the Redis is: one server, a Redis Cluster (any of its nodes), or the sentinels of a primary. */
export type RedisTarget =
  | { url: string; cluster?: undefined; sentinel?: undefined }
  | { url?: undefined; cluster: RedisNode[]; sentinel?: undefined }
  | { url?: undefined; cluster?: undefined; sentinel: { name: string; sentinels: RedisNode[] } };

/** The Redis client library a process uses. @default 'node-redis' */
export type RedisClientKind = 'node-redis' | 'ioredis';

/** A connected client (to hand to `redisStore`), a way to send a raw command, and a way to let go. */
export interface ConnectedRedis {
  readonly client: unknown;
  /** Sends one command; `key` routes it on a cluster. */
  command(args: string[], key?: string): Promise<unknown>;
  close(): void;
}

/** What the target is, for labels: `single`, `cluster` or `sentinel`. */
export function topologyOf(target: RedisTarget): 'single' | 'cluster' | 'sentinel' {
  return target.cluster ? 'cluster' : target.sentinel ? 'sentinel' : 'single';
}

const RECONNECT_MS = 50;

/**
 * Connects a client of `kind` to `target`. With `reconnect`, it tries again every 50 ms after losing the
 * connection, as a long-running service would (the store reports the outage meanwhile).
 */
export async function connectRedisClient(
  target: RedisTarget,
  kind: RedisClientKind = 'node-redis',
  reconnect = false,
): Promise<ConnectedRedis> {
  return kind === 'ioredis' ? connectIoredis(target, reconnect) : connectNodeRedis(target, reconnect);
}

async function connectNodeRedis(target: RedisTarget, reconnect: boolean): Promise<ConnectedRedis> {
  const socket = reconnect ? { socket: { reconnectStrategy: () => RECONNECT_MS } } : {};
  if (target.cluster) {
    const cluster = createCluster({
      rootNodes: target.cluster.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
      defaults: socket,
    });
    cluster.on('error', () => {});
    await cluster.connect();
    return {
      client: cluster,
      command: (args, key) => cluster.sendCommand(key, false, args),
      close: () => void cluster.destroy(),
    };
  }
  if (target.sentinel) {
    const sentinel = createSentinel({
      name: target.sentinel.name,
      sentinelRootNodes: target.sentinel.sentinels,
      nodeClientOptions: socket,
      sentinelClientOptions: socket,
    });
    sentinel.on('error', () => {});
    await sentinel.connect();
    return {
      client: sentinel,
      command: (args) => sentinel.sendCommand(false, args),
      close: () => void sentinel.destroy(),
    };
  }
  const client = createClient({ url: target.url, ...socket });
  client.on('error', () => {});
  await client.connect();
  return { client, command: (args) => client.sendCommand(args), close: () => client.destroy() };
}

/** The two classes of an ioredis release (6 by default; the tests also run 5 through an npm alias). */
export interface IoredisLibrary {
  Redis: typeof Redis;
  Cluster: typeof Cluster;
}

/** An ioredis client of `library` on `target`, connected; as `connectRedisClient(target, 'ioredis')`. */
export async function connectIoredis(
  target: RedisTarget,
  reconnect = false,
  library: IoredisLibrary = { Redis, Cluster },
): Promise<ConnectedRedis> {
  const retry = reconnect ? () => RECONNECT_MS : () => null;
  const common = { lazyConnect: true, retryStrategy: retry, maxRetriesPerRequest: reconnect ? null : 1 };
  const client = target.cluster
    ? new library.Cluster(target.cluster, {
        lazyConnect: true,
        clusterRetryStrategy: retry,
        redisOptions: common,
      })
    : target.sentinel
      ? new library.Redis({
          ...common,
          name: target.sentinel.name,
          sentinels: target.sentinel.sentinels,
          sentinelRetryStrategy: retry,
          // Follow a failover when the sentinel announces it, not when the old primary drops the connection
          // (up to 10 s later, after taking writes that are then lost): what the store's README asks for.
          failoverDetector: true,
        })
      : new library.Redis(target.url, common);
  client.on('error', () => {});
  await client.connect();
  return {
    client,
    command: ([command, ...args]) => client.call(command!, ...args),
    close: () => client.disconnect(),
  };
}
