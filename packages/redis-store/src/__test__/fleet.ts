import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FromWorker, ToWorker, WorkerConfig } from './fleet-worker.js';
import type { Burst } from './requests.js';

/** The worker script bundled (workspace sources through the `@auth/source` condition) into a temp dir. */
export async function bundleWorker(): Promise<{ file: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-redis-fleet-'));
  const file = join(dir, 'worker.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./fleet-worker.ts', import.meta.url))],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@auth/source'],
    logLevel: 'error',
    // CommonJS dependencies (node-redis) call require() for Node built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return { file, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Every worker forked and not yet closed, so that a failing test still ends them all. */
const running = new Set<Worker>();

/** Closes every worker still running (for afterAll/afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all([...running].map((worker) => worker.close()));
}

/** One forked fleet member. */
export class Worker {
  readonly events: { event: string; detail?: string | undefined }[] = [];
  readonly #child: ChildProcess;
  readonly #waiters: { type: FromWorker['type']; resolve: (message: FromWorker) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(file: string, config: WorkerConfig) {
    this.#child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    running.add(this);
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code) => {
        running.delete(this);
        resolve(code);
      }),
    );
    this.#child.on('message', (message: FromWorker) => {
      if (message.type === 'event') {
        this.events.push({ event: message.event, detail: message.detail });
        return;
      }
      const index = this.#waiters.findIndex((waiter) => waiter.type === message.type);
      if (index >= 0) this.#waiters.splice(index, 1)[0]?.resolve(message);
    });
    this.#child.send(config);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ type, resolve: resolve as (message: FromWorker) => void });
      this.exited.then((code) => reject(new Error(`worker exited (${code}) while waiting for ${type}`)));
    });
  }

  ready(): Promise<unknown> {
    return this.#next('ready');
  }

  #send(message: ToWorker): void {
    this.#child.send(message);
  }

  async burst(count: number): Promise<Burst> {
    const done = this.#next('burst-done');
    this.#send({ type: 'burst', count });
    return (await done).result;
  }

  /** `count` concurrent `authorize()` calls; the headers are kept for {@link send}. */
  async authorize(count: number): Promise<Burst> {
    const done = this.#next('authorized');
    this.#send({ type: 'authorize', count });
    return (await done).result;
  }

  /** Sends the requests prepared by {@link authorize}. */
  async send(): Promise<Burst> {
    const done = this.#next('burst-done');
    this.#send({ type: 'send' });
    return (await done).result;
  }

  async warmup(count: number): Promise<void> {
    const done = this.#next('burst-done');
    this.#send({ type: 'warmup', count });
    await done;
  }

  startTraffic(concurrency: number): void {
    this.#send({ type: 'traffic', concurrency });
  }

  async stopTraffic(): Promise<Burst> {
    const done = this.#next('traffic-done');
    this.#send({ type: 'stop-traffic' });
    return (await done).result;
  }

  kill(): Promise<number | null> {
    this.#child.kill('SIGKILL');
    return this.exited;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const closed = this.#next('closed').catch(() => {});
    this.#send({ type: 'close' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise((resolve) => {
      timer = setTimeout(resolve, 3_000);
    });
    await Promise.race([closed.then(() => this.exited), grace]);
    clearTimeout(timer);
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Forks `count` workers with the same config (names differ) and waits until all are ready. */
export async function startFleet(
  file: string,
  count: number,
  config: Omit<WorkerConfig, 'name'>,
): Promise<Worker[]> {
  const workers = Array.from({ length: count }, (_, i) => new Worker(file, { ...config, name: `w${i}` }));
  await Promise.all(workers.map((worker) => worker.ready()));
  return workers;
}

/** Sums bursts. */
export function total(results: Burst[]): Burst {
  return {
    ok: results.reduce((sum, r) => sum + r.ok, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
  };
}
