import { ConfigurationError, oidcPassword, type StoredToken } from '@auth/core';
import { test } from '@auth/test-utils';
import {
  type ConnectedRedis,
  connectIoredis,
  connectRedisClient,
  type IoredisLibrary,
  type RedisTarget,
  send,
} from '@auth/test-utils/fleet';
import {
  type RedisCluster,
  type RedisSentinelSetup,
  type RedisServer,
  startRedisCluster,
  startRedisSentinel,
  startRedisServer,
} from '@auth/testing';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { redisKeys } from './codec.js';
import { type RedisStoreOptions, redisStore } from './redis-store.js';

// Every kind of client the store accepts, against real servers: one node, a three-primary Redis Cluster with a
// replica each and a Sentinel setup, through node-redis and ioredis (6 and 5).

let single: RedisServer;
let cluster: RedisCluster;
let sentinel: RedisSentinelSetup;
const opened: ConnectedRedis[] = [];

beforeAll(async () => {
  [single, cluster, sentinel] = await Promise.all([
    startRedisServer(),
    startRedisCluster({ replicas: 1 }),
    startRedisSentinel(),
  ]);
}, 60_000);

afterAll(async () => {
  for (const redis of opened.splice(0)) redis.close();
  await Promise.all([single?.stop(), cluster?.stop(), sentinel?.stop()]);
});

type Target = 'one node' | 'cluster' | 'sentinel';
const targetOf = (where: Target): RedisTarget =>
  where === 'cluster'
    ? { cluster: [...cluster.nodes] }
    : where === 'sentinel'
      ? { sentinel: { name: sentinel.name, sentinels: [...sentinel.sentinels] } }
      : { url: single.url };

async function client(kind: 'node-redis' | 'ioredis' | 'ioredis 5', where: Target): Promise<unknown> {
  const connected =
    kind === 'ioredis 5'
      ? await connectIoredis(targetOf(where), false, {
          Redis: Redis5,
          Cluster: Cluster5,
        } as unknown as IoredisLibrary)
      : await connectRedisClient(targetOf(where), kind);
  opened.push(connected);
  return connected.client;
}

/** `WAIT`s each node answered so far (INFO commandstats), by port. */
async function waits(where: Target): Promise<Map<number, number>> {
  const nodes =
    where === 'cluster'
      ? cluster.nodes
      : where === 'sentinel'
        ? sentinel.nodes
        : [{ host: '127.0.0.1', port: single.port }];
  const counts = new Map<number, number>();
  for (const node of nodes) {
    const stats = await (where === 'cluster' ? cluster : sentinel).command(node, 'INFO', 'commandstats');
    counts.set(node.port, Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0));
  }
  return counts;
}

const kinds = [
  ['node-redis', 'one node'],
  ['ioredis', 'one node'],
  ['ioredis 5', 'one node'],
  ['node-redis', 'cluster'],
  ['ioredis', 'cluster'],
  ['ioredis 5', 'cluster'],
  ['node-redis', 'sentinel'],
  ['ioredis', 'sentinel'],
  ['ioredis 5', 'sentinel'],
] as const;

describe.for(kinds)('%s on %s', ([kind, where]) => {
  const token = (accessToken: string, obtainedAt = Date.now()): StoredToken => ({
    accessToken,
    refreshToken: `rt-${accessToken}`,
    obtainedAt,
    expiresAt: obtainedAt + 60_000,
  });

  test('is detected: get, set, seed, lock and invalidate work, with no outage reported', async () => {
    const events: string[] = [];
    const store = redisStore({ client: (await client(kind, where)) as RedisStoreOptions['client'] });
    store.bind((event) => events.push(event.type));
    expect(store.available).toBe(true);
    const key = `${kind} ${where} ${Math.random()}`;
    const before = await waits(where);
    expect(await store.get(key)).toBeUndefined();
    await store.set(key, token('seed'), { ifAbsent: true });
    await store.lock(key, () => store.set(key, token('fresh', Date.now() + 1)), new AbortController().signal);
    await store.set(key, token('seed', Date.now() + 5_000), { ifAbsent: true });
    expect(await store.get(key)).toMatchObject({ accessToken: 'fresh', refreshToken: 'rt-fresh' });
    await store.invalidate(key, 'fresh');
    const marked = await store.get(key);
    expect(marked!.expiresAt).toBeLessThanOrEqual(marked!.obtainedAt);
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
    expect(events).toEqual([]);
    // The lock waited for a replica to have it (taken, then freed), on the node that took it: WAIT names no
    // key, and on another node it would confirm nothing. One node has no replica to wait for.
    const { lock } = await redisKeys('auth:', key);
    const taker =
      where === 'cluster'
        ? (await cluster.primaryOf(lock)).port
        : where === 'sentinel'
          ? (await sentinel.primary()).port
          : single.port;
    const added = [...(await waits(where))].map(([port, count]) => [port, count - (before.get(port) ?? 0)]);
    const elsewhere = added.filter(([port]) => port !== taker);
    expect(Object.fromEntries(elsewhere)).toEqual(Object.fromEntries(elsewhere.map(([port]) => [port, 0])));
    const there = added.find(([port]) => port === taker)?.[1];
    // Taken and freed: 2 (more when a replica answered later than 1 s on a busy machine, and a write was
    // made again).
    if (where === 'one node') expect(there).toBe(0);
    else expect(there).toBeGreaterThanOrEqual(2);
  });

  test('shares one token with a node-redis process on the same Redis', async ({ server, createAuth }) => {
    const credentials = oidcPassword(server.users.admin);
    // Keys of this test only (the same credential is stored by the other kinds' tests).
    const prefix = `${kind}-${where}:`.replace(/\s/g, '-');
    const mine = redisStore({ client: (await client(kind, where)) as RedisStoreOptions['client'], prefix });
    const other = redisStore({
      client: (await client('node-redis', where)) as RedisStoreOptions['client'],
      prefix,
    });
    const a = createAuth({ baseUrl: server.url, credentials, store: mine });
    const b = createAuth({ baseUrl: server.url, credentials, store: other });
    const headers = await a.authorize('/v1/meta');
    expect(await b.authorize('/v1/meta')).toEqual(headers);
    expect(await send(b)).toBe(200);
    expect(server.stats.tokenRequests.total).toBe(1);
  });
});

test('a client of another kind: a ConfigurationError that names the kinds supported', () => {
  for (const client of [{}, 'redis://127.0.0.1:6379', new Map(), null, { sendCommand: () => {} }]) {
    const attempt = () => redisStore({ client } as unknown as RedisStoreOptions);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/createClient\(\)`, `createCluster\(\)` or `createSentinel\(\)`.*ioredis client/);
  }
  expect(() => redisStore({ client: new Map() } as unknown as RedisStoreOptions)).toThrow(/got a Map/);
});

test('a prefix with a brace is refused: the store tags each credential’s keys itself', async () => {
  const connected = (await client('node-redis', 'one node')) as RedisStoreOptions['client'];
  expect(() => redisStore({ client: connected, prefix: 'app:{auth}:' })).toThrow(/without `\{` or `\}`/);
});
