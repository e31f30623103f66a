import type { FleetStormOptions } from './sections/fleet-storm.js';
import type { HotPathOptions } from './sections/hot-path.js';
import type { MemoryOptions } from './sections/memory.js';
import type { StormOptions } from './sections/storm.js';
import type { ThroughputOptions } from './sections/throughput.js';

type WithoutLog<T> = Omit<T, 'log'>;

export interface BenchConfig {
  hotPath: WithoutLog<HotPathOptions>;
  throughput: WithoutLog<ThroughputOptions>;
  storm: WithoutLog<StormOptions>;
  fleetStorm: WithoutLog<FleetStormOptions>;
  memory: WithoutLog<MemoryOptions>;
}

/** The published run: `pnpm bench`. About 6 minutes on 2 cores (BENCHMARKS.md's Run row times each section). */
export const fullConfig: BenchConfig = {
  hotPath: { rounds: 5, time: 300, warmupTime: 150, batch: 500 },
  throughput: { rounds: 9, sequential: 200, concurrent: 400, concurrency: 8, cannedScale: 5 },
  storm: {
    expiredConcurrency: 10_000,
    weaviateClientConcurrency: 1_000,
    unauthorizedConcurrency: 1_000,
    expiredRounds: 1,
    unauthorizedRounds: 4,
    tokenTtl: 30,
    pool: 256,
    processPerClient: true,
  },
  fleetStorm: { processes: 8, concurrency: 200, afterRequests: 20, pool: 25, tokenTtl: 6 },
  memory: { authorizeCalls: 1_000_000, refreshCycles: 10_000, rounds: 3 },
};

/** `--smoke`: tiny counts so CI notices when a section breaks; the numbers mean nothing. */
export const smokeConfig: BenchConfig = {
  hotPath: { rounds: 2, time: 20, warmupTime: 10, batch: 20 },
  throughput: { rounds: 2, sequential: 10, concurrent: 20, concurrency: 4, cannedScale: 1 },
  storm: {
    expiredConcurrency: 50,
    weaviateClientConcurrency: 20,
    unauthorizedConcurrency: 20,
    expiredRounds: 1,
    unauthorizedRounds: 1,
    tokenTtl: 6,
    pool: 16,
    processPerClient: false,
  },
  fleetStorm: { processes: 2, concurrency: 20, afterRequests: 5, pool: 10, tokenTtl: 4 },
  memory: { authorizeCalls: 2_000, refreshCycles: 50, rounds: 1 },
};
