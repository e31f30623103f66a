// The fleet storm of the tests: N processes given one bearer token (one grant, one rotating refresh token)
// meet its expiry with M concurrent requests each, on any Redis topology and client.
import {
  type Burst,
  flushRedis,
  type RedisStoreConfig,
  seedStore,
  startFleet,
  topologyOf,
  total,
  untilOnASecond,
  type Worker,
} from '@auth/test-utils/fleet';
import type { WeaviateServer } from '@auth/testing';
import { redisStore } from '../redis-store.js';

export interface StormOptions {
  server: WeaviateServer;
  /** The bundled worker. */
  file: string;
  /** Without it every process has its own memory store (the control). */
  redis?: RedisStoreConfig | undefined;
  processes?: number;
  concurrency?: number;
  /** Runs while the requests ask for their credential (a failover mid-storm); awaited before sending. */
  during?: () => Promise<unknown>;
  /** The fleet, as soon as it runs (for the caller's afterEach). */
  started?: (fleet: Worker[]) => void;
}

export interface StormResult {
  fleet: Worker[];
  /** Every `authorize()` of the storm. */
  authorized: Burst;
  /** The provider's count once every process had an answer. */
  atExpiry: WeaviateServer['stats']['tokenRequests'];
  /** Processes that started a refresh. */
  refreshers: number;
  /** The requests sent with those credentials (a 401 gets one refresh and one retry). */
  sent: Burst;
  afterSending: WeaviateServer['stats']['tokenRequests'];
  /** `store-unavailable` events, fleet-wide. */
  outages: number;
}

/**
 * Every process gets the same bearer token. At expiry all requests ask for their credential at once (the
 * storm); the provider's counter is read when all have it. Then they go out (on a busy machine they can take
 * longer than a 2 s token lives: a token that really expires meanwhile gets 401s, one more refresh and
 * retries, as it would in production).
 */
export async function storm(options: StormOptions): Promise<StormResult> {
  const { server, file, redis, processes = 8, concurrency = 200 } = options;
  if (redis) await flushRedis(redis);
  const tokens = await server.issueTokens();
  if (redis) await seedStore(server.url, tokens, redis, redisStore);
  const fleet = await startFleet(file, processes, {
    baseUrl: server.url,
    ...(redis ? { redis } : {}),
    credentials: { kind: 'bearer', ...tokens },
  });
  options.started?.(fleet);
  await Promise.all(fleet.map((worker) => worker.warmup(concurrency)));
  // Without the store each process counts the token's lifetime from when it got it, at its own start (a
  // slow start on a busy machine makes that later than the grant): wait until the last of them has expired.
  await untilOnASecond(Date.now() + tokens.expiresIn * 1000);
  server.stats.reset();
  const during = options.during?.();
  const authorized = total(await Promise.all(fleet.map((worker) => worker.authorize(concurrency))));
  const atExpiry = { ...server.stats.tokenRequests };
  await during;
  const refreshers = fleet.filter((worker) => worker.count('refresh-started') > 0).length;
  const sent = total(await Promise.all(fleet.map((worker) => worker.send())));
  const result: StormResult = {
    fleet,
    authorized,
    atExpiry,
    refreshers,
    sent,
    afterSending: { ...server.stats.tokenRequests },
    outages: fleet.reduce((sum, worker) => sum + worker.count('store-unavailable'), 0),
  };
  if (process.env.FLEET_STORM_REPORT) {
    const { fleet: _, ...shown } = result;
    const where = redis ? `${redis.client ?? 'node-redis'} ${topologyOf(redis)}` : 'no store';
    console.log(`fleet storm (${where})`, JSON.stringify(shown));
  }
  return result;
}

/** `count` requests per process, after the next expiry: does the grant still work, fleet-wide? */
export async function nextExpiry(fleet: Worker[], count: number): Promise<Burst> {
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  return total(await Promise.all(fleet.map((worker) => worker.burst(count))));
}
