import os from 'node:os';
import { type BenchConfig, fullConfig, smokeConfig } from './config.js';
import { runFleetStorm } from './sections/fleet-storm.js';
import { runHotPath } from './sections/hot-path.js';
import { runMemory } from './sections/memory.js';
import { runSize } from './sections/size.js';
import { type PreparedStorm, prepareStorm, type StormOptions } from './sections/storm.js';
import { runThroughput } from './sections/throughput.js';
import { describeMachine, type Machine } from './util/machine.js';
import type { Table } from './util/table.js';

export const sectionNames = ['size', 'hot-path', 'throughput', 'storm', 'fleet-storm', 'memory'] as const;
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
  /** Seconds per section, in the order they ran. */
  timings: [string, number][];
  /** 1-minute load average at the start and at the end (other work on the machine shows here). */
  load: { start: number; end: number };
}

/** Runs the selected sections and returns their tables. Used by the CLI and the smoke test. */
export async function runBench(options: RunOptions): Promise<BenchReport> {
  const started = performance.now();
  const loadStart = os.loadavg()[0] ?? Number.NaN;
  const timings: [string, number][] = [];
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings.push([name, (performance.now() - start) / 1000]);
    }
  };
  const config: BenchConfig = options.smoke ? smokeConfig : fullConfig;
  const log = options.log ?? (() => undefined);
  const wanted = new Set(options.sections ?? sectionNames);
  const tables: Table[] = [];

  // The storm's stale tokens need one token lifetime to expire: issue them first and let them age
  // while the other sections run.
  let storm: PreparedStorm | undefined;
  if (wanted.has('storm')) {
    storm = await timed('storm (setup)', () => prepareStorm({ ...config.storm, ...options.storm, log }));
  }
  try {
    if (wanted.has('size')) {
      log('size: bundling');
      tables.push(await timed('size', runSize));
    }
    if (wanted.has('hot-path'))
      tables.push(await timed('hot path', () => runHotPath({ ...config.hotPath, log })));
    if (wanted.has('throughput')) {
      tables.push(...(await timed('throughput', () => runThroughput({ ...config.throughput, log }))));
    }
    if (storm) {
      const prepared = storm;
      tables.push(...(await timed('storm', () => prepared.run())));
    }
  } finally {
    await storm?.close();
  }
  if (wanted.has('fleet-storm')) {
    tables.push(await timed('fleet storm', () => runFleetStorm({ ...config.fleetStorm, log })));
  }
  if (wanted.has('memory')) tables.push(await timed('memory', () => runMemory({ ...config.memory, log })));

  return {
    mode: options.smoke ? 'smoke' : 'full',
    machine: describeMachine(),
    tables,
    seconds: (performance.now() - started) / 1000,
    timings,
    load: { start: loadStart, end: os.loadavg()[0] ?? Number.NaN },
  };
}
