import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisNodeProcess, spawnRedisNode } from './redis-node.js';

/** What {@link startRedisServer} returns: a redis-server of the caller's own, stoppable mid-test. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** Stops the server (SIGTERM, nothing persisted) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty). */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered; data is kept. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
}

/**
 * Starts a `redis-server` on a free 127.0.0.1 port (never the system's 6379), persisting nothing, and waits
 * until it answers PING. `REDIS_SERVER` names another binary. Fails with a message saying how to install it
 * when it is missing (Debian: `apt-get install redis-server`).
 *
 * @example
 * ```ts
 * import { startRedisServer } from '@auth/testing';
 * import { createClient } from 'redis';
 *
 * const redis = await startRedisServer();
 * const client = await createClient({ url: redis.url }).connect();
 * await redis.stop(); // an outage...
 * await redis.start(); // ...and back, empty
 * await client.quit();
 * await redis.stop();
 * ```
 */
export async function startRedisServer(): Promise<RedisServer> {
  // Its files (a replica's copy of a primary, a SAVE a test asks for) go to a directory of its own, not the
  // caller's working directory.
  const dir = await mkdtemp(join(tmpdir(), 'auth-redis-server-'));
  const args = async () => {
    await mkdir(dir, { recursive: true }); // stop() removed it
    return ['--dir', dir];
  };
  let node: RedisNodeProcess | undefined;
  try {
    node = await spawnRedisNode(args);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { port } = node;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await node?.stop();
      await rm(dir, { recursive: true, force: true });
    },
    async start() {
      if (node?.running) return;
      node = await spawnRedisNode(args, port);
    },
    pause: () => node?.pause(),
    resume: () => node?.resume(),
  };
}
