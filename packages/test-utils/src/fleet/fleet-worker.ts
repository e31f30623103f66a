// A fleet member: one process, one auth object, optionally one node-redis client and a Redis store. Driven by
// its parent over IPC (see fleet.ts). The entry file that calls serveFleetWorker() is bundled, then forked.
import {
  type Auth,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  memoryStore,
  oidcPassword,
  type TokenStore,
} from '@auth/core';
import {
  type ConnectedRedis,
  connectRedisClient,
  type RedisClientKind,
  type RedisTarget,
} from './redis-clients.js';
import { type Burst, burst, describeError, send, settle } from './requests.js';

/** The credential every member of the fleet is given. */
export type WorkerCredentials =
  | { kind: 'bearer'; accessToken: string; refreshToken: string; expiresIn: number }
  | { kind: 'password'; username: string; password: string }
  | { kind: 'client'; clientId: string; clientSecret: string };

export interface WorkerConfig {
  name: string;
  baseUrl: string;
  /** With it the process shares its token through the Redis store; without, it has its own memory store. */
  redis?: RedisStoreConfig;
  credentials: WorkerCredentials;
}

export type ToWorker =
  | { type: 'burst'; count: number }
  | { type: 'warmup'; count: number }
  | { type: 'authorize'; count: number }
  | { type: 'send'; pool: number }
  | { type: 'traffic'; concurrency: number }
  | { type: 'stop-traffic' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'burst-done'; result: Burst }
  | { type: 'authorized'; result: Burst }
  | { type: 'traffic-done'; result: Burst }
  | { type: 'event'; event: string; detail?: string }
  | { type: 'closed' };

/** Where a process's Redis is, which client it uses, and the store's options. */
export type RedisStoreConfig = RedisTarget & {
  client?: RedisClientKind;
  encryptionKey?: string;
  lockTtl?: number;
  commandTimeout?: number;
};

/**
 * `redisStore` from `@auth/redis-store`, handed in by the entry file (this package cannot depend on it). Its
 * client type is the store's own (node-redis' client types differ by options); it is given a plain client.
 */
export type RedisStoreFactory<Client> = (options: {
  client: Client;
  encryptionKey?: string;
  lockTtl?: number;
  commandTimeout?: number;
}) => TokenStore;

/** The store of a process (or of the seeding parent) on `redis`, with the options it names. */
export function storeOn<Client>(
  redisStore: RedisStoreFactory<Client>,
  connected: ConnectedRedis,
  redis: RedisStoreConfig,
): TokenStore {
  return redisStore({
    client: connected.client as Client,
    ...(redis.encryptionKey === undefined ? {} : { encryptionKey: redis.encryptionKey }),
    ...(redis.lockTtl === undefined ? {} : { lockTtl: redis.lockTtl }),
    ...(redis.commandTimeout === undefined ? {} : { commandTimeout: redis.commandTimeout }),
  });
}

const post = (message: FromWorker) => process.send?.(message);

function credentialsOf(config: WorkerCredentials): Credentials {
  if (config.kind === 'bearer') {
    const { accessToken, refreshToken, expiresIn } = config;
    return bearerToken({ accessToken, refreshToken, expiresIn });
  }
  if (config.kind === 'client') {
    return clientCredentials({ clientId: config.clientId, clientSecret: config.clientSecret });
  }
  return oidcPassword({ username: config.username, password: config.password });
}

function trouble(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return `${error.message}${cause instanceof Error ? ` (cause: ${cause.message})` : ''}`;
}

/** Requests for `count` concurrent loops until stopped, counted. */
function startTraffic(auth: Auth, concurrency: number) {
  const total: Burst = { ok: 0, failed: 0, errors: [] };
  const state = { running: true, total, done: Promise.resolve() };
  const count = (failure: string | undefined) => {
    if (failure === undefined) total.ok++;
    else {
      total.failed++;
      if (total.errors.length < 5) total.errors.push(failure);
    }
  };
  const loop = async () => {
    while (state.running) {
      try {
        const status = await send(auth);
        count(status === 200 ? undefined : `HTTP ${status}`);
      } catch (error) {
        count(describeError(error));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  state.done = Promise.all(Array.from({ length: concurrency }, loop)).then(() => {});
  return state;
}

async function main<Client>(config: WorkerConfig, redisStore: RedisStoreFactory<Client>): Promise<void> {
  const { redis } = config;
  const connected = redis ? await connectRedisClient(redis, redis.client, true) : undefined;
  const auth: Auth = createAuth({
    baseUrl: config.baseUrl,
    credentials: credentialsOf(config.credentials),
    // One bearer token given to the whole fleet is shared: core's key is a fingerprint of its refresh token.
    store: connected && redis ? storeOn(redisStore, connected, redis) : memoryStore(),
    onEvent: (event) =>
      post({
        type: 'event',
        event: event.type,
        ...(event.type === 'refresh-started' ? { detail: `${event.grant}:${event.reason}` } : {}),
        // What went wrong (messages and causes never hold a token or a key).
        ...('error' in event ? { detail: trouble(event.error) } : {}),
      }),
  });

  let prepared: Record<string, string>[] = [];
  let traffic: ReturnType<typeof startTraffic> | undefined;

  process.on('message', async (message: ToWorker) => {
    if (message.type === 'warmup') {
      // Opens the socket pool and warms the JIT with requests that need no credential.
      const url = new URL('/v1/.well-known/live', config.baseUrl);
      await Promise.all(
        Array.from({ length: message.count }, () => fetch(url).then((response) => response.arrayBuffer())),
      );
      post({ type: 'burst-done', result: { ok: message.count, failed: 0, errors: [] } });
    } else if (message.type === 'authorize') {
      // The storm's first half: every request asks for its credential at once.
      const results = await Promise.allSettled(
        Array.from({ length: message.count }, () => auth.authorize('/v1/meta')),
      );
      prepared = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failures = results.flatMap((result) =>
        result.status === 'rejected' ? [describeError(result.reason)] : [],
      );
      post({
        type: 'authorized',
        result: { ok: prepared.length, failed: failures.length, errors: [...new Set(failures)].slice(0, 5) },
      });
    } else if (message.type === 'send') {
      // The second half: the requests go out with those credentials (a 401 is handled as adapters do),
      // through a pool of `pool` connections as an HTTP agent would, so each one goes out right away.
      const queue = prepared;
      prepared = [];
      const statuses: Promise<number>[] = [];
      let next = 0;
      const lane = async () => {
        while (next < queue.length) {
          const status = send(auth, '/v1/meta', queue[next++]);
          statuses.push(status);
          await status.catch(() => {});
        }
      };
      await Promise.all(Array.from({ length: message.pool }, lane));
      post({ type: 'burst-done', result: await settle(statuses) });
    } else if (message.type === 'burst') {
      post({ type: 'burst-done', result: await burst(auth, message.count) });
    } else if (message.type === 'traffic') {
      traffic = startTraffic(auth, message.concurrency);
    } else if (message.type === 'stop-traffic') {
      if (traffic) {
        traffic.running = false;
        await traffic.done;
        post({ type: 'traffic-done', result: traffic.total });
        traffic = undefined;
      }
    } else if (message.type === 'close') {
      await auth.close();
      connected?.close();
      post({ type: 'closed' });
      process.disconnect?.();
    }
  });
  post({ type: 'ready' });
}

/**
 * Makes this process a fleet member: it waits for its {@link WorkerConfig}, then for the parent's steps.
 * Call it from the entry file that {@link bundleWorker} bundles, with `redisStore` from `@auth/redis-store`.
 */
export function serveFleetWorker<Client>(redisStore: RedisStoreFactory<Client>): void {
  // The parent went away (finished, failed, killed): so does this worker, whatever it was doing.
  process.once('disconnect', () => process.exit(0));
  process.once('message', (config: WorkerConfig) => {
    main(config, redisStore).catch((error) => {
      console.error(describeError(error));
      process.exit(1);
    });
  });
}
