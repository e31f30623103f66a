import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

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

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/**
 * Whether a Redis server answers on 127.0.0.1:`port`, and, given `pid`, whether it is that process (another
 * test's server may have taken a port that ours left free while stopped).
 */
export function ping(port: number, pid?: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (data) => {
      answer += data.toString();
      if (/process_id:\d+\r\n/.test(answer)) socket.end();
    });
    socket.on('close', () => {
      const id = /process_id:(\d+)/.exec(answer)?.[1];
      resolve(id !== undefined && (pid === undefined || Number(id) === pid));
    });
    socket.on('error', () => {});
  });
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
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const running = () => child?.pid !== undefined && child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    if (!running()) return;
    child?.kill('SIGCONT');
    child?.kill('SIGTERM');
    await exited;
    child = undefined;
  };

  const start = async () => {
    if (running()) return;
    const proc = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const spawnError = new Promise<never>((_, reject) => {
      proc.once('error', (error) =>
        reject(
          new Error(
            `Cannot start ${binary} (${error.message}): install redis-server (Debian/Ubuntu: ` +
              '`apt-get install redis-server`) or point REDIS_SERVER at the binary.',
          ),
        ),
      );
    });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    child = proc;
    try {
      for (let i = 0; i < 200; i++) {
        if (proc.exitCode !== null) throw new Error(`redis-server exited: ${stderr.slice(0, 500)}`);
        if (await Promise.race([ping(port, proc.pid), spawnError])) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('redis-server did not answer PING within 5 s');
    } catch (error) {
      await stop();
      throw error;
    }
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
}
