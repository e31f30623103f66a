import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FleetWorkerConfig, FromFleetWorker, Outcome, ToFleetWorker } from './fleet-worker.js';

/** fleet-worker.ts bundled (our packages from their sources, `@auth/source`) into a temp dir. */
export async function bundleFleetWorker(): Promise<{ file: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-bench-fleet-'));
  const file = join(dir, 'worker.mjs');
  try {
    await build({
      entryPoints: [fileURLToPath(new URL('./fleet-worker.ts', import.meta.url))],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@auth/source'],
      logLevel: 'error',
      // node-redis is CommonJS and require()s Node built-ins.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { file, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export interface StepResult {
  result: Outcome;
  /** `refresh-started` / `refresh-failed` events this process has seen so far. */
  refreshes: number;
  refreshFailures: number;
}

/** One forked fleet member; {@link close} always ends it (SIGKILL after a grace period). */
export class FleetWorker {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #waiting: { resolve: (message: FromFleetWorker) => void; reject: (error: Error) => void } | undefined;

  constructor(file: string, config: FleetWorkerConfig) {
    this.#child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        this.#waiting?.reject(new Error(`fleet worker exited (${code ?? signal}) during a step`));
        this.#waiting = undefined;
        resolve();
      }),
    );
    this.#child.on('message', (message: FromFleetWorker) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.resolve(message);
    });
    this.#child.send(config);
  }

  #next(): Promise<FromFleetWorker> {
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  async ready(): Promise<void> {
    const message = await this.#next();
    if (message.type !== 'ready') throw new Error(`fleet worker: expected ready, got ${message.type}`);
  }

  /** Sends one step and waits for its result (one step at a time per worker). */
  async step(message: Exclude<ToFleetWorker, { type: 'close' }>): Promise<StepResult> {
    const answer = this.#next();
    this.#child.send(message);
    const reply = await answer;
    if (reply.type !== 'done') throw new Error(`fleet worker: expected done, got ${reply.type}`);
    return { result: reply.result, refreshes: reply.refreshes, refreshFailures: reply.refreshFailures };
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 3_000);
    });
    if (this.#child.connected) {
      this.#waiting?.reject(new Error('fleet worker closed'));
      this.#waiting = undefined;
      this.#child.send({ type: 'close' } satisfies ToFleetWorker);
    }
    await Promise.race([this.#exited, grace]);
    clearTimeout(timer);
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
  }
}

/** Forks `count` workers and waits until all are ready; on failure every one of them is ended. */
export async function startFleet(
  file: string,
  count: number,
  config: FleetWorkerConfig,
): Promise<FleetWorker[]> {
  const workers = Array.from({ length: count }, () => new FleetWorker(file, config));
  try {
    await Promise.all(workers.map((worker) => worker.ready()));
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.close()));
    throw error;
  }
  return workers;
}

/** Sums the outcomes of a step across the fleet. */
export function total(results: StepResult[]): Outcome & { refreshes: number; refreshFailures: number } {
  return {
    ok: results.reduce((sum, r) => sum + r.result.ok, 0),
    failed: results.reduce((sum, r) => sum + r.result.failed, 0),
    errors: [...new Set(results.flatMap((r) => r.result.errors))].slice(0, 5),
    refreshes: results.reduce((sum, r) => sum + r.refreshes, 0),
    refreshFailures: results.reduce((sum, r) => sum + r.refreshFailures, 0),
  };
}
