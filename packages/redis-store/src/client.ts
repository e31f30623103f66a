import { ConfigurationError } from '@auth/core';

/**
 * A client from `createClient()` of the `redis` package (node-redis), or anything else with its
 * `sendCommand(args)` and `isReady`.
 */
export interface RedisClientLike {
  /** Sends one command, e.g. `['SET', key, value, 'NX', 'PX', '10000']`. */
  sendCommand(args: string[]): Promise<unknown>;
  /** True while the connection is up (false while connecting or reconnecting). */
  readonly isReady: boolean;
}

/** A Redis Cluster client from `createCluster()` of the `redis` package (node-redis). */
export interface NodeRedisClusterLike {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
  ): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
  /**
   * The client of the primary that serves `key` (node-redis 6.3 has it): how the store sends `WAIT`, which
   * names no key. Through `sendCommand`, node-redis 6.3 sends it to every primary (its policy for `WAIT`).
   */
  getNodeClientForKey?(key: string): RedisClientLike | Promise<RedisClientLike>;
  readonly isReady: boolean;
}

/** A Sentinel-managed client from `createSentinel()` of the `redis` package (node-redis). */
export interface NodeRedisSentinelLike {
  /** Sends one command to the current primary. */
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  /** What tells a Sentinel client from the others (the store does not call it). */
  getMasterNode(): unknown;
  /** True while connected to the primary. */
  readonly isReady: boolean;
}

/** An ioredis client: `new Redis(...)` (a single node, or Sentinel with `sentinels`) or `new Cluster(...)`. */
export interface IoRedisLike {
  /** Sends one command (routed by its keys on a `Cluster`). */
  call(command: string, ...args: string[]): Promise<unknown>;
  /**
   * Commands sent together on one connection (on a `Cluster`, to the node of their keys): how the store sends
   * `WAIT`, which names no key, to the node that took its write.
   */
  pipeline(commands: string[][]): { exec(): Promise<[Error | null, unknown][] | null> };
  /** `'ready'` while connected. */
  readonly status: string;
}

/**
 * The Redis clients `redisStore()` accepts: node-redis's `createClient()`, `createCluster()` and
 * `createSentinel()`, and ioredis's `Redis` (single node or Sentinel) and `Cluster`, connected.
 */
export type RedisClient = RedisClientLike | NodeRedisClusterLike | NodeRedisSentinelLike | IoRedisLike;

/**
 * The one thing the store asks of a client, whatever its kind: send a command to the node that serves `key`
 * (every key of one credential is in one hash slot), and say whether it is connected. `WAIT` goes to that node
 * too, on the connection that took the write before it.
 */
export interface RedisConnection {
  /** What the client is, for messages ("a node-redis cluster"). */
  readonly kind: string;
  readonly ready: boolean;
  send(key: string, args: string[]): Promise<unknown>;
}

/** How long and how often a command is tried again after `TRYAGAIN` (a slot migration in progress). */
const TRYAGAIN_FOR_MS = 1_500;
const TRYAGAIN_PAUSE_MS = 25;

const SUPPORTED =
  "a node-redis client (`createClient()`, `createCluster()` or `createSentinel()` from 'redis') or an ioredis client (`new Redis()` or `new Cluster()` from 'ioredis'), connected";

/** Wraps a client of any supported kind; a ConfigurationError naming the supported kinds for anything else. */
export function connectionOf(client: unknown): RedisConnection {
  const c = client as Record<string, unknown> | null | undefined;
  if (typeof c === 'object' && c !== null) {
    if (typeof c.call === 'function' && typeof c.status === 'string') {
      const io = c as unknown as IoRedisLike & { isCluster?: boolean };
      const connection: RedisConnection = {
        kind: io.isCluster === true ? 'an ioredis Cluster' : 'an ioredis client',
        get ready() {
          return io.status === 'ready';
        },
        // ioredis follows MOVED and ASK by itself, and tries TRYAGAIN again for a while (16 x 100 ms).
        send: (key, [command, ...args]) =>
          io.isCluster === true && command === 'WAIT'
            ? waitOnNodeOf(io, key, args)
            : io.call(command!, ...args),
      };
      return io.isCluster === true ? retryingTryAgain(connection) : connection;
    }
    if (typeof c.sendCommand === 'function' && typeof c.getSlotMaster === 'function') {
      const cluster = c as unknown as NodeRedisClusterLike;
      return retryingTryAgain({
        kind: 'a node-redis cluster',
        get ready() {
          return cluster.isReady;
        },
        send: async (key, args) =>
          args[0] === 'WAIT' && cluster.getNodeClientForKey
            ? (await cluster.getNodeClientForKey(key)).sendCommand(args)
            : cluster.sendCommand(key, false, args),
      });
    }
    if (typeof c.sendCommand === 'function' && typeof c.getMasterNode === 'function') {
      const sentinel = c as unknown as NodeRedisSentinelLike;
      return {
        kind: 'a node-redis Sentinel client',
        get ready() {
          return sentinel.isReady;
        },
        send: (_key, args) => sentinel.sendCommand(false, args),
      };
    }
    if (typeof c.sendCommand === 'function' && typeof c.isReady === 'boolean') {
      const single = c as unknown as RedisClientLike;
      return {
        kind: 'a node-redis client',
        get ready() {
          return single.isReady;
        },
        send: (_key, args) => single.sendCommand(args),
      };
    }
  }
  throw new ConfigurationError(
    `redisStore(): \`client\` must be ${SUPPORTED}; got ${describe(client)}. Anything else can be wrapped as a RedisClientLike (\`{ sendCommand(args), isReady }\`).`,
  );
}

/**
 * An ioredis `Cluster` sends a command that names no key (`WAIT`) to any node: behind a no-op script on `key`
 * in one pipeline, it goes to the node that serves `key` (a script, not a read: never to a replica).
 */
async function waitOnNodeOf(io: IoRedisLike, key: string, args: string[]): Promise<unknown> {
  const replies = await io
    .pipeline([
      ['eval', 'return 0', '1', key],
      ['wait', ...args],
    ])
    .exec();
  const [error, reply] = replies?.[1] ?? [new Error('the pipeline with WAIT got no reply')];
  if (error) throw error;
  return reply;
}

/**
 * Cluster clients follow MOVED and ASK, but `TRYAGAIN` (a script over a token and its lock while their slot
 * migrates and one of them is not there) is an error for node-redis and, after 1.6 s, for ioredis: tried
 * again every 25 ms for up to 1.5 s, then it is an error like any other.
 */
function retryingTryAgain(connection: RedisConnection): RedisConnection {
  return {
    kind: connection.kind,
    get ready() {
      return connection.ready;
    },
    async send(key, args) {
      const started = Date.now();
      for (;;) {
        try {
          return await connection.send(key, args);
        } catch (error) {
          if (
            Date.now() - started > TRYAGAIN_FOR_MS ||
            !/\bTRYAGAIN\b/.test(String((error as Error)?.message))
          ) {
            throw error;
          }
          await new Promise((resolve) => setTimeout(resolve, TRYAGAIN_PAUSE_MS));
        }
      }
    },
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object of another kind';
}
