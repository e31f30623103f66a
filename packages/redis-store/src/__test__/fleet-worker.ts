// A fleet member for the multi-process tests: one process, one node-redis client, one auth object.
// Driven by its parent over IPC (see fleet.ts). Bundled with esbuild before it is forked.
import {
  type Auth,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  memoryStore,
  oidcPassword,
} from '@auth/core';
import { createClient } from 'redis';
import { redisStore } from '../redis-store.js';
import { type Burst, burst, send, settle } from './requests.js';

export type WorkerCredentials =
  | { kind: 'bearer'; accessToken: string; refreshToken: string; expiresIn: number }
  | { kind: 'password'; username: string; password: string }
  | { kind: 'client'; clientId: string; clientSecret: string };

export interface WorkerConfig {
  name: string;
  baseUrl: string;
  redisUrl: string;
  useStore: boolean;
  credentials: WorkerCredentials;
  lockTtl?: number;
}

export type ToWorker =
  | { type: 'burst'; count: number }
  | { type: 'warmup'; count: number }
  | { type: 'authorize'; count: number }
  | { type: 'send' }
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

const post = (message: FromWorker) => process.send?.(message);

/** Requests on the wire at once per process in the storm's sending half. */
const SEND_POOL = 25;

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

async function main(config: WorkerConfig): Promise<void> {
  const client = createClient({ url: config.redisUrl, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => {});
  await client.connect();
  const auth: Auth = createAuth({
    baseUrl: config.baseUrl,
    credentials: credentialsOf(config.credentials),
    // One bearer token given to the whole fleet is shared: core's key is a fingerprint of its refresh token.
    store: config.useStore
      ? redisStore({
          client,
          ...(config.lockTtl === undefined ? {} : { lockTtl: config.lockTtl }),
        })
      : memoryStore(),
    onEvent: (event) =>
      post({
        type: 'event',
        event: event.type,
        ...(event.type === 'refresh-started' ? { detail: `${event.grant}:${event.reason}` } : {}),
      }),
  });

  let prepared: Record<string, string>[] = [];
  let traffic: { running: boolean; total: Burst; done: Promise<void> } | undefined;

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
        result.status === 'rejected'
          ? [`${(result.reason as Error)?.name}: ${(result.reason as Error)?.message}`]
          : [],
      );
      post({
        type: 'authorized',
        result: { ok: prepared.length, failed: failures.length, errors: [...new Set(failures)].slice(0, 5) },
      });
    } else if (message.type === 'send') {
      // The second half: the requests go out with those credentials (a 401 is handled as adapters do),
      // through a pool of SEND_POOL connections as an HTTP agent would, so each one goes out right away.
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
      await Promise.all(Array.from({ length: SEND_POOL }, lane));
      post({ type: 'burst-done', result: await settle(statuses) });
    } else if (message.type === 'burst') {
      post({ type: 'burst-done', result: await burst(auth, message.count) });
    } else if (message.type === 'traffic') {
      const total: Burst = { ok: 0, failed: 0, errors: [] };
      const state = { running: true, total, done: Promise.resolve() };
      const loop = async () => {
        while (state.running) {
          try {
            const status = await send(auth);
            if (status === 200) total.ok++;
            else {
              total.failed++;
              if (total.errors.length < 5) total.errors.push(`HTTP ${status}`);
            }
          } catch (error) {
            total.failed++;
            if (total.errors.length < 5)
              total.errors.push(`${(error as Error).name}: ${(error as Error).message}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      state.done = Promise.all(Array.from({ length: message.concurrency }, loop)).then(() => {});
      traffic = state;
    } else if (message.type === 'stop-traffic') {
      if (traffic) {
        traffic.running = false;
        await traffic.done;
        post({ type: 'traffic-done', result: traffic.total });
        traffic = undefined;
      }
    } else if (message.type === 'close') {
      await auth.close();
      client.destroy();
      post({ type: 'closed' });
      process.disconnect?.();
    }
  });
  post({ type: 'ready' });
}

// The parent went away (finished, failed, killed): so does this worker, whatever it was doing.
process.once('disconnect', () => process.exit(0));

process.once('message', (config: WorkerConfig) => {
  main(config).catch((error) => {
    console.error(error);
    process.exit(1);
  });
});
