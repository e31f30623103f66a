import { type BenchConfig, fullConfig, smokeConfig } from './config.js';
import { runHotPath } from './sections/hot-path.js';
import { runMemory } from './sections/memory.js';
import { runSize } from './sections/size.js';
import { type PreparedStorm, prepareStorm, type StormOptions } from './sections/storm.js';
import { runThroughput } from './sections/throughput.js';
import { describeMachine, type Machine } from './util/machine.js';
import type { Table } from './util/table.js';

export const sectionNames = ['size', 'hot-path', 'throughput', 'storm', 'memory'] as const;
export type SectionName = (typeof sectionNames)[number];

export interface RunOptions {
  smoke: boolean;
  sections?: readonly SectionName[];
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Overrides for the storm (e.g. run its server inline). */
  storm?: Partial<StormOptions>;
}

export interface BenchReport {
  mode: 'full' | 'smoke';
  machine: Machine;
  tables: Table[];
  /** Seconds the whole run took. */
  seconds: number;
}

/** Runs the selected sections and returns their tables. Used by the CLI and the smoke test. */
export async function runBench(options: RunOptions): Promise<BenchReport> {
  const started = performance.now();
  const config: BenchConfig = options.smoke ? smokeConfig : fullConfig;
  const log = options.log ?? (() => undefined);
  const wanted = new Set(options.sections ?? sectionNames);
  const tables: Table[] = [];

  // The storm's stale tokens need one token lifetime to expire: issue them first and let them age
  // while the other sections run.
  let storm: PreparedStorm | undefined;
  if (wanted.has('storm')) storm = await prepareStorm({ ...config.storm, ...options.storm, log });
  try {
    if (wanted.has('size')) {
      log('size: bundling');
      tables.push(await runSize());
    }
    if (wanted.has('hot-path')) tables.push(await runHotPath({ ...config.hotPath, log }));
    if (wanted.has('throughput')) tables.push(await runThroughput({ ...config.throughput, log }));
    if (storm) tables.push(...(await storm.run()));
  } finally {
    await storm?.close();
  }
  if (wanted.has('memory')) tables.push(await runMemory({ ...config.memory, log }));

  return {
    mode: options.smoke ? 'smoke' : 'full',
    machine: describeMachine(),
    tables,
    seconds: (performance.now() - started) / 1000,
  };
}
