import { createConnection } from 'node:net';
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
