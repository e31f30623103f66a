import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { startRedisServer } from './redis-server.js';

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.end();
    });
    socket.on('error', () => resolve(false));
  });

/** One inline command; what the server answered first. */
const command = (port: number, line: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (data) => {
      resolve(data.toString());
      socket.end();
    });
    socket.on('error', reject);
  });

afterEach(() => {
  vi.unstubAllEnvs();
});

it('starts a redis-server on a free loopback port, stops it, and starts it again on the same port', async () => {
  const redis = await startRedisServer();
  try {
    expect(redis.port).not.toBe(6379);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await answers(redis.port)).toBe(true);
    await redis.stop();
    expect(await answers(redis.port)).toBe(false);
    await redis.start();
    expect(await answers(redis.port)).toBe(true);
  } finally {
    await redis.stop();
  }
});

it('says how to install redis-server when the binary is missing', async () => {
  vi.stubEnv('REDIS_SERVER', '/nonexistent/redis-server');
  await expect(startRedisServer()).rejects.toThrow(/apt-get install redis-server/);
});

it('writes nothing to the working directory: a SAVE and a replica’s copy go to a directory of its own', async () => {
  const [primary, replica] = await Promise.all([startRedisServer(), startRedisServer()]);
  const dump = join(process.cwd(), 'dump.rdb');
  try {
    expect(await command(primary.port, 'SAVE')).toBe('+OK\r\n');
    expect(await command(replica.port, `REPLICAOF 127.0.0.1 ${primary.port}`)).toBe('+OK\r\n');
    for (
      let i = 0;
      !(await command(replica.port, 'INFO replication')).includes('master_link_status:up');
      i++
    ) {
      if (i > 200) throw new Error('the replica did not sync within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(existsSync(dump)).toBe(false);
  } finally {
    await rm(dump, { force: true });
    await Promise.all([primary.stop(), replica.stop()]);
  }
});
