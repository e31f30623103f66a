import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { onFreePort, PortTakenError, saysPortTaken } from './ports.js';

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
 * The last 2,000 characters `child` wrote to stdout and stderr: Redis logs to stdout, errors at startup
 * included, so its last lines say why it exited.
 */
export function lastOutput(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk).slice(-2_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/**
 * The error for a redis-server (or sentinel) that exited while starting, with the end of its `output`: a
 * {@link PortTakenError} when it says a port it was given is taken, so that it can start on another.
 */
export function exitedError(binary: string, output: string): Error {
  const why = `${binary} exited: ${output.slice(-500)}`;
  return saysPortTaken(output) ? new PortTakenError(why) : new Error(why);
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
  let port = 0;
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
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = lastOutput(proc);
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
        if (proc.exitCode !== null) throw exitedError(binary, output());
        if (await Promise.race([ping(port, proc.pid), spawnError])) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('redis-server did not answer PING within 5 s');
    } catch (error) {
      await stop();
      throw error;
    }
  };

  // Another process may take the port before the server binds it: then it starts on another one.
  await onFreePort((free) => {
    port = free;
    return start();
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
}
