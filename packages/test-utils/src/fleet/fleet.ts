import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bearerToken, createAuth } from '@auth/core';
import { build } from 'esbuild';
import {
  type FromWorker,
  type RedisStoreConfig,
  type RedisStoreFactory,
  storeOn,
  type ToWorker,
  type WorkerConfig,
} from './fleet-worker.js';
import { connectRedisClient, type RedisTarget } from './redis-clients.js';
import type { Burst } from './requests.js';

export type { RedisStoreConfig, RedisStoreFactory, WorkerConfig, WorkerCredentials } from './fleet-worker.js';
export { type HoldingProxy, startHoldingProxy } from './proxy.js';
export {
  type ConnectedRedis,
  connectIoredis,
  connectRedisClient,
  type IoredisLibrary,
  type RedisClientKind,
  type RedisNode,
  type RedisTarget,
  topologyOf,
} from './redis-clients.js';
export { type Burst, burst, send, settle, total } from './requests.js';

/**
 * Bundles a worker entry file (one that calls `serveFleetWorker`; workspace sources through the
 * `@auth/source` condition) into a temp dir, ready to fork.
 */
export async function bundleWorker(entry: URL): Promise<{ file: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-fleet-'));
  const file = join(dir, 'worker.mjs');
  try {
    await build({
      entryPoints: [fileURLToPath(entry)],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@auth/source'],
      logLevel: 'error',
      // CommonJS dependencies (node-redis) call require() for Node built-ins.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { file, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Every worker forked and not yet closed, so that a failing test still ends them all. */
const running = new Set<Worker>();

/** Closes every worker still running (for afterAll/afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all([...running].map((worker) => worker.close()));
}

/** One forked fleet member; {@link Worker.close} always ends it (SIGKILL after a grace period). */
export class Worker {
  /** Every auth event of the process (`refresh-started` carries `grant:reason`). */
  readonly events: { event: string; detail?: string | undefined }[] = [];
  readonly #child: ChildProcess;
  readonly #waiters: { type: FromWorker['type']; resolve: (message: FromWorker) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(file: string, config: WorkerConfig) {
    this.#child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    running.add(this);
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code) => {
        running.delete(this);
        resolve(code);
      }),
    );
    this.#child.on('message', (message: FromWorker) => {
      if (message.type === 'event') {
        this.events.push({ event: message.event, detail: message.detail });
        return;
      }
      const index = this.#waiters.findIndex((waiter) => waiter.type === message.type);
      if (index >= 0) this.#waiters.splice(index, 1)[0]?.resolve(message);
    });
    this.#child.send(config);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How many events of this type the process has seen. */
  count(event: string): number {
    return this.events.filter((entry) => entry.event === event).length;
  }

  #next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ type, resolve: resolve as (message: FromWorker) => void });
      this.exited.then((code) => reject(new Error(`worker exited (${code}) while waiting for ${type}`)));
    });
  }

  async #step(message: ToWorker, answer: 'burst-done' | 'authorized' | 'traffic-done'): Promise<Burst> {
    const done = this.#next(answer);
    this.#child.send(message);
    return (await done).result;
  }

  ready(): Promise<unknown> {
    return this.#next('ready');
  }

  /** `count` concurrent requests. */
  burst(count: number): Promise<Burst> {
    return this.#step({ type: 'burst', count }, 'burst-done');
  }

  /** `count` concurrent `authorize()` calls; the headers are kept for {@link Worker.send}. */
  authorize(count: number): Promise<Burst> {
    return this.#step({ type: 'authorize', count }, 'authorized');
  }

  /** Sends the requests prepared by {@link Worker.authorize}, `pool` at a time. */
  send(pool = 25): Promise<Burst> {
    return this.#step({ type: 'send', pool }, 'burst-done');
  }

  /** `count` requests that need no credential: opens sockets, warms the JIT. */
  async warmup(count: number): Promise<void> {
    await this.#step({ type: 'warmup', count }, 'burst-done');
  }

  startTraffic(concurrency: number): void {
    this.#child.send({ type: 'traffic', concurrency } satisfies ToWorker);
  }

  stopTraffic(): Promise<Burst> {
    return this.#step({ type: 'stop-traffic' }, 'traffic-done');
  }

  kill(): Promise<number | null> {
    this.#child.kill('SIGKILL');
    return this.exited;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const closed = this.#next('closed').catch(() => {});
    if (this.#child.connected) this.#child.send({ type: 'close' } satisfies ToWorker);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise((resolve) => {
      timer = setTimeout(resolve, 3_000);
    });
    await Promise.race([closed.then(() => this.exited), grace]);
    clearTimeout(timer);
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Forks `count` workers with the same config (names differ) and waits until all are ready. */
export async function startFleet(
  file: string,
  count: number,
  config: Omit<WorkerConfig, 'name'>,
): Promise<Worker[]> {
  const workers = Array.from({ length: count }, (_, i) => new Worker(file, { ...config, name: `w${i}` }));
  try {
    await Promise.all(workers.map((worker) => worker.ready()));
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.close()));
    throw error;
  }
  return workers;
}

/**
 * Empties the Redis at `target` (between fleet runs that must not see each other's token): a URL, or a
 * cluster's nodes (each primary is emptied).
 */
export async function flushRedis(target: string | RedisTarget): Promise<void> {
  const where: RedisTarget = typeof target === 'string' ? { url: target } : target;
  const nodes: RedisTarget[] = where.cluster
    ? where.cluster.map(({ host, port }) => ({ url: `redis://${host}:${port}` }))
    : [where];
  for (const node of nodes) {
    const redis = await connectRedisClient(node);
    try {
      const [role] = (await redis.command(['ROLE'])) as unknown[];
      // A replica refuses writes: it is emptied through its primary.
      if (String(role) === 'master') await redis.command(['FLUSHALL']);
    } finally {
      redis.close();
    }
  }
}

/**
 * Seeds the shared store with `tokens` from this process, before the fleet starts, so that their expiry
 * counts from when they were issued. `redisStore` is `@auth/redis-store`'s.
 */
export async function seedStore<Client>(
  baseUrl: string,
  tokens: { accessToken: string; refreshToken: string; expiresIn: number },
  redis: RedisStoreConfig,
  redisStore: RedisStoreFactory<Client>,
): Promise<void> {
  const connected = await connectRedisClient(redis, redis.client);
  try {
    const auth = createAuth({
      baseUrl,
      credentials: bearerToken(tokens),
      store: storeOn(redisStore, connected, redis),
    });
    await auth.authorize('/v1/meta');
    await auth.close();
  } finally {
    connected.close();
  }
}

/**
 * Sleeps past `at` (ms since the epoch), to just after a whole second: the provider's JWTs carry `exp` in
 * whole seconds (`iat` rounded down), so a token issued right after a second boundary really lives its full
 * lifetime, long enough for a whole storm to use it.
 */
export async function untilOnASecond(at: number): Promise<void> {
  const target = Math.ceil((Math.max(Date.now(), at) + 100) / 1000) * 1000 + 20;
  await new Promise((resolve) => setTimeout(resolve, target - Date.now()));
}
