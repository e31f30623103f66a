import { afterEach, expect, it, vi } from 'vitest';
import { startRedisCluster } from './redis-cluster.js';
import { startRedisSentinel } from './redis-sentinel.js';

it('starts a three-primary Redis Cluster on loopback ports, moves a slot and stops', async () => {
  await using cluster = await startRedisCluster();
  expect(cluster.nodes).toHaveLength(3);
  const key = '{probe}:a';
  const from = await cluster.primaryOf(key);
  await cluster.command(from, 'SET', key, 'v');
  const to = await cluster.moveSlot(key);
  expect(to.port).not.toBe(from.port);
  expect((await cluster.primaryOf(key)).port).toBe(to.port);
  expect(await cluster.command(to, 'GET', key)).toBe('v');
  expect(await cluster.command(from, 'GET', key)).toMatch(/^MOVED \d+ 127\.0\.0\.1:\d+$/);
});

it('loses a primary: its replica takes over with the data', async () => {
  await using cluster = await startRedisCluster({ replicas: 1 });
  expect(cluster.nodes).toHaveLength(6);
  const key = '{probe}:b';
  const before = await cluster.primaryOf(key);
  await cluster.command(before, 'SET', key, 'kept');
  expect(await cluster.command(before, 'WAIT', '1', '5000')).toBe('1');
  const after = await cluster.losePrimary(key);
  expect(after.port).not.toBe(before.port);
  expect(await cluster.command(after, 'GET', key)).toBe('kept');
  // The lost node was replaced: the new primary has a replica again, and can lose it in turn.
  expect(await cluster.command(after, 'INFO', 'replication')).toContain(`port=${before.port}`);
  const third = await cluster.losePrimary(key);
  expect(third.port).toBe(before.port);
  expect(await cluster.command(third, 'GET', key)).toBe('kept');
});

it('starts a primary, a replica and a sentinel; a forced failover swaps them', async () => {
  await using setup = await startRedisSentinel();
  const before = await setup.primary();
  await setup.command(before, 'SET', 'probe', 'kept');
  expect(await setup.command(before, 'WAIT', '1', '5000')).toBe('1');
  const after = await setup.failover();
  expect(after.port).not.toBe(before.port);
  expect(await setup.command(after, 'GET', 'probe')).toBe('kept');
  expect(setup.nodes.map((node) => node.port).sort()).toEqual([before.port, after.port].sort());
});

afterEach(() => {
  vi.unstubAllEnvs();
});

it('says what to install when redis-server or redis-cli is missing', async () => {
  vi.stubEnv('REDIS_CLI', '/nonexistent/redis-cli');
  await expect(startRedisCluster()).rejects.toThrow(/apt-get install redis-server redis-tools/);
  vi.stubEnv('REDIS_SERVER', '/nonexistent/redis-server');
  await expect(startRedisSentinel()).rejects.toThrow(/apt-get install redis-server redis-tools/);
});
