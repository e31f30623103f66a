// One member of the fleet storm (src/sections/fleet-storm.ts): one process, one auth object, optionally one
// node-redis client and `redisStore()`. Driven by the bench over IPC; bundled with esbuild, then forked.
import { type Auth, bearerToken, createAuth, memoryStore } from '@auth/core';
import { redisStore } from '@auth/redis-store';
import { createClient } from 'redis';

export interface FleetWorkerConfig {
  baseUrl: string;
  /** With a URL the process uses `redisStore({ client, encryptionKey })`; without, its own memory store. */
  redis?: { url: string; encryptionKey: string };
  /** One bearer token shared by the whole fleet (one grant, one rotating refresh token). */
  token: { accessToken: string; refreshToken: string; expiresIn: number };
}

export interface Outcome {
  ok: number;
  failed: number;
  /** A few distinct failure descriptions (HTTP status, or error name and message; never a token). */
  errors: string[];
}

export type ToFleetWorker =
  | { type: 'warmup'; count: number }
  | { type: 'authorize'; count: number }
  | { type: 'send'; pool: number }
  | { type: 'burst'; count: number }
  | { type: 'close' };

export type FromFleetWorker =
  | { type: 'ready' }
  | { type: 'done'; result: Outcome; refreshes: number; refreshFailures: number }
  | { type: 'closed' };

const post = (message: FromFleetWorker) => process.send?.(message);

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** One request the way every adapter sends it: credential headers, one retry after a 401 if auth says so. */
async function send(auth: Auth, url: URL, prepared?: Record<string, string>): Promise<number> {
  const headers = prepared ?? (await auth.authorize(url));
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  if (response.status !== 401) return response.status;
  if (!(await auth.handleUnauthorized(url, headers))) return 401;
  const retry = await fetch(url, { headers: await auth.authorize(url) });
  await retry.arrayBuffer();
  return retry.status;
}

async function settle(work: Promise<number>[]): Promise<Outcome> {
  const errors = new Set<string>();
  let ok = 0;
  for (const result of await Promise.allSettled(work)) {
    if (result.status === 'fulfilled' && result.value === 200) ok++;
    else errors.add(result.status === 'fulfilled' ? `HTTP ${result.value}` : describe(result.reason));
  }
  return { ok, failed: work.length - ok, errors: [...errors].slice(0, 5) };
}

async function main(config: FleetWorkerConfig): Promise<void> {
  const client = config.redis
    ? createClient({ url: config.redis.url, socket: { reconnectStrategy: () => 50 } })
    : undefined;
  client?.on('error', () => {});
  await client?.connect();
  let refreshes = 0;
  let refreshFailures = 0;
  const auth = createAuth({
    baseUrl: config.baseUrl,
    credentials: bearerToken(config.token),
    store:
      client && config.redis
        ? redisStore({ client, encryptionKey: config.redis.encryptionKey })
        : memoryStore(),
    onEvent: (event) => {
      if (event.type === 'refresh-started') refreshes++;
      if (event.type === 'refresh-failed') refreshFailures++;
    },
  });
  const url = new URL('/v1/meta', config.baseUrl);
  const done = (result: Outcome) => post({ type: 'done', result, refreshes, refreshFailures });
  let prepared: Record<string, string>[] = [];

  process.on('message', async (message: ToFleetWorker) => {
    if (message.type === 'warmup') {
      // Opens sockets and warms the JIT with requests that need no credential.
      const live = new URL('/v1/.well-known/live', config.baseUrl);
      const work = Array.from({ length: message.count }, async () => {
        const response = await fetch(live);
        await response.arrayBuffer();
        return response.status;
      });
      done(await settle(work));
    } else if (message.type === 'authorize') {
      // The storm: every request of this process asks for its credential at once.
      const results = await Promise.allSettled(
        Array.from({ length: message.count }, () => auth.authorize(url)),
      );
      prepared = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const errors = results.flatMap((result) =>
        result.status === 'rejected' ? [describe(result.reason)] : [],
      );
      done({ ok: prepared.length, failed: errors.length, errors: [...new Set(errors)].slice(0, 5) });
    } else if (message.type === 'send') {
      // Then the requests go out with those credentials through a pool of `pool` connections.
      const queue = prepared;
      prepared = [];
      const statuses: Promise<number>[] = [];
      let next = 0;
      const lane = async () => {
        while (next < queue.length) {
          const status = send(auth, url, queue[next++]);
          statuses.push(status);
          await status.catch(() => {});
        }
      };
      await Promise.all(Array.from({ length: message.pool }, lane));
      done(await settle(statuses));
    } else if (message.type === 'burst') {
      done(await settle(Array.from({ length: message.count }, () => send(auth, url))));
    } else if (message.type === 'close') {
      await auth.close();
      client?.destroy();
      post({ type: 'closed' });
      process.disconnect?.();
    }
  });
  post({ type: 'ready' });
}

// The parent went away (finished, failed, killed): so does this worker.
process.once('disconnect', () => process.exit(0));

process.once('message', (config: FleetWorkerConfig) => {
  main(config).catch((error) => {
    console.error(describe(error));
    process.exit(1);
  });
});
