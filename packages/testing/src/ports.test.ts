import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startGlewlwyd } from './glewlwyd.js';
import { freePort, onFreePort, PortTakenError } from './ports.js';
import { startRedisCluster } from './redis-cluster.js';
import { ping, spawnRedisNode } from './redis-node.js';
import { startRedisSentinel } from './redis-sentinel.js';
import { startRedisServer } from './redis-server.js';

// A server given a port number (redis-server, Glewlwyd) can find it taken: another process took it between
// the moment it was found free and the moment the server binds it. Here the first port each start is given
// is held by a listener of the test's own; the servers must start on another.
const held = vi.hoisted(() => ({ ports: [] as number[], given: [] as number[] }));
vi.mock('./ports.js', async (original) => {
  const real = await original<typeof import('./ports.js')>();
  return {
    ...real,
    onFreePort: <T>(start: (port: number) => Promise<T>, tries?: number) =>
      real.onFreePort(
        (port) => {
          held.given.push(port);
          return start(port);
        },
        tries,
        async () => held.ports.shift() ?? (await real.freePort()),
      ),
  };
});

let holder: Server | undefined;

/** Listens on a free port (accepting and closing every connection) and has the next start given it first. */
async function holdNextPort(): Promise<number> {
  const port = await freePort();
  holder = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => holder?.listen(port, '127.0.0.1', resolve));
  held.ports.push(port);
  return port;
}

beforeEach(() => {
  held.ports.length = 0;
  held.given.length = 0;
});

afterEach(async () => {
  await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(undefined)));
  holder = undefined;
});

describe('onFreePort', () => {
  it('starts again on another port only after a PortTakenError, up to its tries', async () => {
    const ports: number[] = [];
    const started = await onFreePort(async (port) => {
      ports.push(port);
      if (ports.length < 3) throw new PortTakenError('taken');
      return port;
    });
    expect(ports).toHaveLength(3);
    expect(started).toBe(ports[2]);

    let calls = 0;
    const failing = () =>
      onFreePort(async () => {
        calls++;
        throw new PortTakenError('always taken');
      }, 4);
    await expect(failing()).rejects.toThrow('always taken');
    expect(calls).toBe(4);

    calls = 0;
    const broken = () =>
      onFreePort(async () => {
        calls++;
        throw new Error('bad configuration');
      });
    await expect(broken()).rejects.toThrow('bad configuration');
    expect(calls).toBe(1);
  });
});

describe('a port taken before the server binds it', () => {
  it('startRedisServer starts on another port', async () => {
    const taken = await holdNextPort();
    const redis = await startRedisServer();
    try {
      expect(held.given[0]).toBe(taken);
      expect(redis.port).not.toBe(taken);
      expect(held.given.at(-1)).toBe(redis.port);
    } finally {
      await redis.stop();
    }
  });

  it('a redis-server node (cluster, Sentinel) starts on another port; on a port it was told to use, it says the port is taken', async () => {
    const taken = await holdNextPort();
    const node = await spawnRedisNode(() => []);
    try {
      expect(held.given).toEqual([taken, node.port]);
    } finally {
      await node.kill();
    }
    const refused = spawnRedisNode(() => [], taken);
    await expect(refused).rejects.toBeInstanceOf(PortTakenError);
    await expect(refused).rejects.toThrow(/Address already in use/);
  });

  it('a Redis Cluster whose node fails to start (not for its port) leaves no node running', async () => {
    // The first redis-server started exits at once; the other nodes start as usual.
    const dir = await mkdtemp(join(tmpdir(), 'auth-failing-node-'));
    const server = join(dir, 'redis-server');
    await writeFile(
      server,
      `#!/bin/sh\nif mkdir "${dir}/once" 2>/dev/null; then echo "a broken node"; exit 1; fi\nexec redis-server "$@"\n`,
    );
    await chmod(server, 0o755);
    vi.stubEnv('REDIS_SERVER', server);
    try {
      await expect(startRedisCluster()).rejects.toThrow(/a broken node/);
      expect(held.given).toHaveLength(3); // three primaries, no replicas
      const answering = await Promise.all(held.given.map((port) => ping(port)));
      expect(answering.filter(Boolean)).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Redis Cluster starts when the port of one of its nodes is taken', async () => {
    const taken = await holdNextPort();
    const cluster = await startRedisCluster();
    try {
      expect(held.given[0]).toBe(taken);
      expect(cluster.nodes.map((node) => node.port)).not.toContain(taken);
    } finally {
      await cluster.stop();
    }
  });

  it('a Redis Sentinel setup starts when the port of its primary is taken', async () => {
    const taken = await holdNextPort();
    const sentinel = await startRedisSentinel();
    try {
      expect(held.given[0]).toBe(taken);
      expect(held.given).toHaveLength(4); // the primary twice, the replica, the sentinel
      expect(sentinel.nodes.map((node) => node.port)).not.toContain(taken);
    } finally {
      await sentinel.stop();
    }
  });

  // Glewlwyd is installed before any test runs (scripts/test-prerequisites.mjs, as for redis-server).
  it('startGlewlwyd starts on another port (Glewlwyd stays up after it failed to bind)', async () => {
    const taken = await holdNextPort();
    const glewlwyd = await startGlewlwyd();
    try {
      expect(held.given[0]).toBe(taken);
      expect(new URL(glewlwyd.issuer).port).toBe(String(held.given.at(-1)));
      expect(glewlwyd.issuer).not.toContain(`:${taken}/`);
      await expect(glewlwyd.issueTokens()).resolves.toMatchObject({ accessToken: expect.any(String) });
    } finally {
      await glewlwyd.close();
    }
  }, 30_000);
});
