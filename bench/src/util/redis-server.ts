import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** A redis-server of the bench's own on a free loopback port (never the system's 6379), nothing persisted. */
export interface BenchRedis {
  readonly url: string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
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

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      answer += data.toString();
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
    socket.on('error', () => {});
  });
}

/**
 * Starts `redis-server` (`REDIS_SERVER` overrides the binary). Fails with a clear message when it is not
 * installed: the fleet storm needs it, and a skipped section would hide that.
 */
export async function startRedis(): Promise<BenchRedis> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `fleet-storm: cannot start ${binary} (${error.message}). The fleet storm needs a local redis-server: ` +
            'install it (Debian/Ubuntu: `apt-get install redis-server`) or point REDIS_SERVER at the binary.',
        ),
      ),
    );
  });
  const stop = async () => {
    // No pid: it never started (not installed).
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  try {
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null)
        throw new Error(`fleet-storm: redis-server exited: ${stderr.slice(0, 500)}`);
      if (await Promise.race([ping(port), spawnError])) return { url: `redis://127.0.0.1:${port}`, stop };
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('fleet-storm: redis-server did not answer PING within 5 s');
  } catch (error) {
    await stop();
    throw error;
  }
}
