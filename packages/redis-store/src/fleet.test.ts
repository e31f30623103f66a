import { sleep, test } from '@auth/test-utils';
import {
  bundleWorker,
  closeAll,
  flushRedis,
  seedStore,
  startFleet,
  startHoldingProxy,
  total,
  untilOnASecond,
  type Worker,
  type WorkerCredentials,
} from '@auth/test-utils/fleet';
import { type RedisServer, startRedisServer, type WeaviateServer } from '@auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { nextExpiry, storm } from './__test__/storm.js';
import { redisStore } from './redis-store.js';

// Real processes (child_process.fork), a real redis-server of our own, the real provider of @auth/testing.

let redis: RedisServer;
let bundle: Awaited<ReturnType<typeof bundleWorker>>;
let fleet: Worker[] = [];

beforeAll(async () => {
  [redis, bundle] = await Promise.all([
    startRedisServer(),
    bundleWorker(new URL('./__test__/fleet-worker.ts', import.meta.url)),
  ]);
}, 60_000);

afterAll(async () => {
  await closeAll();
  await redis?.stop();
  await bundle?.dispose();
});

async function closeFleet(): Promise<void> {
  await closeAll();
  fleet = [];
}

afterEach(closeFleet);

/** Three processes sharing `credentials` through a Redis emptied first. */
async function startSharingFleet(
  server: WeaviateServer,
  credentials: WorkerCredentials,
  options: { lockTtl?: number } = {},
): Promise<Worker[]> {
  await flushRedis(redis.url);
  fleet = await startFleet(bundle.file, 3, {
    baseUrl: server.url,
    redis: { url: redis.url, ...options },
    credentials,
  });
  return fleet;
}

async function waitFor(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  for (const started = Date.now(); !check(); await sleep(20)) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('a fleet storm at token expiry (8 processes x 200 concurrent requests, one rotating refresh token)', () => {
  const started = (workers: Worker[]) => {
    fleet = workers;
  };

  test('with the Redis store: exactly one token request fleet-wide, no failed request, the grant survives', async ({
    startServer,
  }) => {
    const server = await startServer({ accessTokenTtl: 2 });
    const result = await storm({ server, file: bundle.file, redis: { url: redis.url }, started });
    const { authorized, atExpiry, refreshers, sent, afterSending } = result;

    expect(authorized).toEqual({ ok: 1600, failed: 0, errors: [] });
    expect(atExpiry).toMatchObject({ total: 1, refresh_token: 1 });
    expect(refreshers).toBe(1);
    expect(sent).toEqual({ ok: 1600, failed: 0, errors: [] });
    // Only refreshes with the rotated refresh token, never an invalid_grant: the grant was not revoked.
    expect(afterSending.password).toBe(0);
    expect(fleet.flatMap((worker) => worker.events).some((e) => e.event === 'refresh-failed')).toBe(false);

    // And it still works at the next expiry, fleet-wide again.
    const before = server.stats.tokenRequests.refresh_token;
    expect(await nextExpiry(fleet, 20)).toEqual({ ok: 160, failed: 0, errors: [] });
    expect(server.stats.tokenRequests.refresh_token).toBeGreaterThan(before);
    expect(server.stats.tokenRequests.password).toBe(0);
    expect(fleet.flatMap((worker) => worker.events).some((e) => e.event === 'refresh-failed')).toBe(false);
    await closeFleet();
  });

  test('without it (control): every process refreshes with the same refresh token, and the grant is lost', async ({
    startServer,
  }) => {
    const server = await startServer({ accessTokenTtl: 2 });
    const { authorized, atExpiry } = await storm({ server, file: bundle.file, started });

    expect(atExpiry.refresh_token).toBe(8);
    // The provider rotates refresh tokens: the first process wins, the others present a used one.
    expect(authorized.ok).toBeLessThan(1600);
    expect(authorized.errors.join('\n')).toContain('ReauthenticationRequiredError');
    await closeFleet();
  });
});

describe('the races that revoked a fleet’s grant', () => {
  const ok = (count: number) => ({ ok: count, failed: 0, errors: [] });

  /** An empty Redis and one grant issued now, handed to the fleet as a bearer token. */
  async function freshGrant(server: WeaviateServer) {
    await flushRedis(redis.url);
    const tokens = await server.issueTokens();
    return { tokens, credentials: { kind: 'bearer', ...tokens } as const };
  }

  test('a process that stalls after finding nothing never writes its start-up token over the fleet’s newer one', async ({
    startServer,
  }) => {
    const server = await startServer({ accessTokenTtl: 2 });
    const { tokens, credentials } = await freshGrant(server);
    const proxy = await startHoldingProxy(redis.url);
    try {
      const config = { baseUrl: server.url, credentials };
      // The stalled process reaches Redis through a proxy that can hold its answers back.
      const [stalled] = await startFleet(bundle.file, 1, {
        ...config,
        redis: { url: proxy.url, commandTimeout: 30_000 },
      });
      const [other] = await startFleet(bundle.file, 1, { ...config, redis: { url: redis.url } });
      fleet = [stalled!, other!];
      proxy.hold();
      // Its first GET finds nothing; the answer reaches it only much later.
      const first = stalled!.burst(1);
      await proxy.holding();
      // Meanwhile the other process seeds the token, and at its expiry refreshes it: the refresh token rotates.
      expect(await other!.burst(5)).toEqual(ok(5));
      // Past the expiry of the token it holds now: the seeded one, or (a slow start on a busy machine reached
      // the seeded token's refresh-ahead window) the one a refresh in that burst brought. Both predate now.
      await untilOnASecond(Date.now() + tokens.expiresIn * 1000);
      server.stats.reset();
      expect(await other!.burst(5)).toEqual(ok(5));
      expect(server.stats.tokenRequests).toMatchObject({ total: 1, refresh_token: 1 });

      proxy.release();
      expect(await first).toEqual(ok(1));
      expect(server.stats.tokenRequests).toMatchObject({ total: 1, refresh_token: 1 });
      // And at the next expiry the grant still works for both.
      await sleep(2_100);
      expect(total(await Promise.all(fleet.map((worker) => worker.burst(5))))).toEqual(ok(10));
      expect(server.stats.tokenRequests.password).toBe(0);
      expect(fleet.flatMap((worker) => worker.events).some((e) => e.event === 'refresh-failed')).toBe(false);
    } finally {
      proxy.release();
      await closeFleet();
      await proxy.close();
    }
  });

  test('after invalid_grant, nobody presents the refused refresh token again: 8 processes, 1 refused request', async ({
    startServer,
  }) => {
    const server = await startServer({ accessTokenTtl: 2 });
    const { tokens, credentials } = await freshGrant(server);
    await seedStore(server.url, tokens, { url: redis.url }, redisStore);
    const config = { baseUrl: server.url, redis: { url: redis.url }, credentials };
    fleet = await startFleet(bundle.file, 8, config);
    // Every process holds the token (and its refresh token) in memory.
    expect(total(await Promise.all(fleet.map((worker) => worker.burst(5))))).toEqual(ok(40));
    // Past the expiry of whatever token the fleet holds: the seeded one, or one a refresh in that burst brought
    // (8 processes starting on a busy machine took 4.4 s, past the 2 s token's life): both predate now.
    await untilOnASecond(Date.now() + tokens.expiresIn * 1000);
    server.stats.reset();
    server.faults.invalidGrant(8);

    const refused = 'refused the refresh token (invalid_grant)';
    const storm = total(await Promise.all(fleet.map((worker) => worker.authorize(50))));
    expect(storm.ok).toBe(0);
    expect(storm.errors).toEqual([expect.stringContaining(refused)]);
    expect(server.stats.tokenRequests).toMatchObject({ total: 1, refresh_token: 1 });

    // Later calls, and a process that starts now with the same bearer token, fail the same way at once.
    const [late] = await startFleet(bundle.file, 1, config);
    fleet.push(late!);
    const after = total(await Promise.all(fleet.map((worker) => worker.authorize(5))));
    expect(after.ok).toBe(0);
    expect(after.errors).toEqual([expect.stringContaining(refused)]);
    expect(server.stats.tokenRequests.total).toBe(1);
    await closeFleet();
  });
});

describe('the refresh lock holder dies in the middle of a refresh', () => {
  test('another process takes the expired lock over and completes the refresh; no request fails', async ({
    startServer,
  }) => {
    const server = await startServer({ accessTokenTtl: 2 });
    const { username, password } = server.users.admin;
    await startSharingFleet(server, { kind: 'password', username, password }, { lockTtl: 2_000 });
    const [holder, ...others] = fleet as [Worker, Worker, Worker];
    expect(await holder.burst(5)).toEqual({ ok: 5, failed: 0, errors: [] });
    expect(server.stats.tokenRequests).toMatchObject({ total: 1, password: 1 });
    await sleep(2_100);

    // The holder's refresh hangs at the provider; it is killed while the request is in flight.
    server.stats.reset();
    server.faults.hangTokenRequests(5_000);
    void holder.burst(50).catch(() => {});
    await waitFor(() => server.stats.tokenRequests.total === 1, "the holder's token request");
    await holder.kill();

    const after = total(await Promise.all(others.map((worker) => worker.burst(50))));

    if (process.env.FLEET_STORM_REPORT) {
      console.log(
        'takeover',
        JSON.stringify({
          after,
          tokenRequests: server.stats.tokenRequests,
          events: others.map((w) => w.events.filter((e) => e.event.startsWith('refresh'))),
        }),
      );
    }
    expect(after).toEqual({ ok: 100, failed: 0, errors: [] });
    const takers = others.filter((worker) => worker.events.some((e) => e.event === 'refresh-started'));
    expect(takers).toHaveLength(1);
    // The dead holder's request, plus one by the process that took over (a refresh or, should the provider
    // have consumed the refresh token for the dead request first, the password grant after invalid_grant).
    expect(server.stats.tokenRequests.total).toBeGreaterThanOrEqual(2);
    expect(server.stats.tokenRequests.total).toBeLessThanOrEqual(3);
    await closeFleet();
  });
});

describe('Redis stops during traffic, then comes back', () => {
  afterAll(async () => {
    await redis.start(); // should the test have failed during the outage
  });

  test('no request fails during the outage, every process reports it, and sharing resumes afterwards', async ({
    startServer,
  }) => {
    const server = await startServer({ accessTokenTtl: 2 });
    const { clientId, clientSecret } = server.clients.service;
    await startSharingFleet(server, { kind: 'client', clientId, clientSecret });
    for (const worker of fleet) worker.startTraffic(4);
    await sleep(1_000);
    await redis.stop();
    await sleep(3_000); // beyond the token's lifetime: each process refreshes on its own meanwhile
    await redis.start();
    await waitFor(
      () => fleet.every((worker) => worker.events.some((e) => e.event === 'store-available')),
      'every process to see Redis again',
    );
    await sleep(2_500); // traffic across another expiry, shared again
    const traffic = total(await Promise.all(fleet.map((worker) => worker.stopTraffic())));

    expect(traffic.failed).toBe(0);
    expect(traffic.errors).toEqual([]);
    expect(traffic.ok).toBeGreaterThan(0);
    for (const worker of fleet) {
      const types = worker.events.map((e) => e.event);
      expect(types.indexOf('store-unavailable')).toBeGreaterThanOrEqual(0);
      expect(types.indexOf('store-available')).toBeGreaterThan(types.indexOf('store-unavailable'));
    }

    // Sharing resumed: at the next expiry, one token request for the whole fleet.
    await sleep(2_100);
    server.stats.reset();
    for (const worker of fleet) worker.events.length = 0;
    const storm = total(await Promise.all(fleet.map((worker) => worker.burst(50))));
    expect(storm).toEqual({ ok: 150, failed: 0, errors: [] });
    expect(server.stats.tokenRequests).toMatchObject({ total: 1, client_credentials: 1 });
    await closeFleet();
  });
});
