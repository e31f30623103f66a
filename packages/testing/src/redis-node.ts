import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePort, PortTakenError, saysPortTaken } from './ports.js';

/** Where a Redis server (or sentinel) listens. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** One redis-server process: a `startRedisServer()`, or a node of a cluster or Sentinel setup. */
export interface RedisNodeProcess extends RedisAddress {
  /** Ends it at once (SIGKILL): a machine lost, nothing flushed. */
  kill(): Promise<void>;
  /** Ends it as an operator would (SIGTERM, also when paused; nothing persisted) and waits until it exited. */
  stop(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  readonly running: boolean;
}

const HOST = '127.0.0.1';

/** The binaries: `REDIS_SERVER` and `REDIS_CLI` name others (Valkey's `valkey-server`, `valkey-cli`). */
export function redisBinaries(): { server: string; cli: string } {
  return { server: process.env.REDIS_SERVER ?? 'redis-server', cli: process.env.REDIS_CLI ?? 'redis-cli' };
}

/**
 * The last 2,000 characters `child` wrote to stdout and stderr: Redis logs to stdout, errors at startup
 * included, so its last lines say why it exited.
 */
function lastOutput(child: ChildProcess): () => string {
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
function exitedError(binary: string, output: string): Error {
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
  const end = async (signal: NodeJS.Signals) => {
    if (!running()) return;
    if (signal === 'SIGTERM') child.kill('SIGCONT');
    child.kill(signal);
    await exited;
  };
  const kill = () => end('SIGKILL');
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
    stop: () => end('SIGTERM'),
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
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
