import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePort } from './ports.js';
import { exitedError, lastOutput, ping } from './redis-server.js';

/** Where a Redis server (or sentinel) listens. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** One redis-server process of a cluster or Sentinel setup. */
export interface RedisNodeProcess extends RedisAddress {
  /** Ends it at once (SIGKILL): a machine lost, nothing flushed. */
  kill(): Promise<void>;
  readonly running: boolean;
}

const HOST = '127.0.0.1';

/** The binaries: `REDIS_SERVER` and `REDIS_CLI` name others (Valkey's `valkey-server`, `valkey-cli`). */
export function redisBinaries(): { server: string; cli: string } {
  return { server: process.env.REDIS_SERVER ?? 'redis-server', cli: process.env.REDIS_CLI ?? 'redis-cli' };
}

function missing(binary: string, error: Error): Error {
  return new Error(
    `Cannot run ${binary} (${error.message}): install redis-server and redis-tools (Debian/Ubuntu: ` +
      '`apt-get install redis-server redis-tools`), or point REDIS_SERVER and REDIS_CLI at the binaries.',
  );
}

/**
 * Starts `redis-server` with `args` on a free loopback port, or `onPort` (`--port` and `--bind` are added),
 * persisting nothing, and waits until it answers PING. On a free port, a start that finds a port taken (its
 * own, or one that `args` gave it) is made again on another.
 */
export function spawnRedisNode(
  args: (port: number) => string[] | Promise<string[]>,
  onPort?: number,
): Promise<RedisNodeProcess> {
  return onPort === undefined ? onFreePort((port) => spawnOn(port, args)) : spawnOn(onPort, args);
}

async function spawnOn(
  port: number,
  args: (port: number) => string[] | Promise<string[]>,
): Promise<RedisNodeProcess> {
  const { server } = redisBinaries();
  const child: ChildProcess = spawn(
    server,
    [
      ...(await args(port)),
      ...['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'],
      // A replica syncs at once (Redis waits 5 s by default, for more replicas to share the transfer).
      ...['--repl-diskless-sync-delay', '0'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = lastOutput(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(missing(server, error))),
  );
  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const kill = async () => {
    if (!running()) return;
    child.kill('SIGKILL');
    await exited;
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw exitedError(server, output());
      if (await Promise.race([ping(port, child.pid), failed])) break;
      if (i > 200) throw new Error(`${server} did not answer PING within 5 s`);
      await pause(25);
    }
  } catch (error) {
    await kill();
    throw error;
  }
  return {
    host: HOST,
    port,
    kill,
    get running() {
      return running();
    },
  };
}

/** Runs `redis-cli -h 127.0.0.1 -p PORT args...` and returns what it printed (raw replies, one per line). */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  const { cli } = redisBinaries();
  return new Promise((resolve, reject) => {
    execFile(cli, ['-h', HOST, '-p', String(port), ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) {
        const cause = (error as NodeJS.ErrnoException).code === 'ENOENT' ? missing(cli, error) : error;
        reject(new Error(`${cli} ${args.slice(0, 3).join(' ')} failed: ${stderr || cause.message}`));
      } else resolve(stdout.trim());
    });
  });
}

/** Asks again every 50 ms until `check` is true, or fails after `ms` saying what it waited for. */
export async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await pause(50);
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The processes of one setup (a cluster, a Sentinel setup), a directory for their files, and a way to end all. */
export interface RedisGroup {
  readonly dir: string;
  readonly processes: RedisNodeProcess[];
  /** Runs one command on one node through `redis-cli`; returns its raw output. */
  command(node: RedisAddress, ...args: string[]): Promise<string>;
  /** Kills every process and removes the directory. */
  stop(): Promise<void>;
}

export async function redisGroup(name: string): Promise<RedisGroup> {
  const dir = await mkdtemp(join(tmpdir(), `auth-${name}-`));
  const processes: RedisNodeProcess[] = [];
  return {
    dir,
    processes,
    command: (node, ...args) => redisCli(node.port, ...args),
    async stop() {
      await Promise.all(processes.map((node) => node.kill()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
