import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findings } from './findings.js';
import { renderReport } from './report.js';
import { type BenchReport, runBench } from './run.js';
import type { Table } from './util/table.js';

// Runs every section of the benchmark with tiny counts, in-process, so the bench cannot rot.
// No timing is asserted: only that each table is produced with sane values, and the behaviour the storm
// counts (one token request per storm for our adapters, no failed request) holds.

let report: BenchReport | undefined;

async function smokeReport(): Promise<BenchReport> {
  report ??= await runBench({ smoke: true, storm: { serverIn: 'inline' } });
  return report;
}

function table(result: BenchReport, id: string): Table {
  const found = result.tables.find((entry) => entry.id === id);
  if (!found)
    throw new Error(`table ${id} missing; got ${result.tables.map((entry) => entry.id).join(', ')}`);
  return found;
}

function values(entry: Table, suffix: string): [string, number][] {
  return Object.entries(entry.data).filter(([key]) => key.endsWith(suffix));
}

describe('bench --smoke', () => {
  it('produces every table with sane numbers', { timeout: 180_000 }, async () => {
    const result = await smokeReport();
    expect(result.mode).toBe('smoke');
    expect(result.tables.map((entry) => entry.id)).toEqual([
      'size',
      'hot-path',
      'throughput',
      'overhead-canned',
      'storm-expired',
      'storm-401',
      'fleet-storm',
      'memory',
    ]);
    for (const entry of result.tables) {
      expect(entry.rows.length, entry.id).toBeGreaterThan(0);
      for (const row of entry.rows) expect(row).toHaveLength(entry.columns.length);
    }

    const size = table(result, 'size');
    expect(size.rows.filter((row) => row.some((cell) => cell.startsWith('failed')))).toEqual([]);
    for (const [name, gzip] of Object.entries(size.data)) {
      if (!name.endsWith(' lazy')) expect(gzip, name).toBeGreaterThan(100);
    }
    for (const bundler of ['rolldown', 'esbuild']) {
      // The API-key-only bundle loads neither the token manager nor the OIDC code.
      const apiKeyOnly = size.data[`@auth/core: \`createAuth\` + \`apiKey\` only [${bundler}]`];
      const everything = size.data[`@auth/core: every credential kind (OIDC included) [${bundler}]`];
      expect(apiKeyOnly, bundler).toBeLessThan(everything ?? 0);
      expect(
        size.data[`@auth/core: every credential kind (OIDC included) [${bundler}] lazy`],
        bundler,
      ).toBeGreaterThan(10_000);
    }

    const hot = table(result, 'hot-path');
    const nanoseconds = values(hot, ' ns');
    expect(nanoseconds).toHaveLength(8);
    for (const [name, ns] of nanoseconds) {
      expect(Number.isFinite(ns), name).toBe(true);
      expect(ns, name).toBeGreaterThan(0);
    }

    const throughput = table(result, 'throughput');
    const rates = values(throughput, ' req/s');
    expect(rates).toHaveLength(11);
    for (const [name, rate] of rates) expect(rate, name).toBeGreaterThan(0);
    const canned = table(result, 'overhead-canned');
    const micros = values(canned, ' us').filter(([key]) => !key.includes(' added '));
    expect(micros).toHaveLength(11);
    for (const [name, us] of micros) expect(us, name).toBeGreaterThan(0);
    // Each adapter and peer: the added cost of its mean and of its median request, both measured.
    const added = values(canned, ' us').filter(([key]) => key.includes(' added '));
    expect(added).toHaveLength(12);
    for (const [name, us] of added) expect(Number.isFinite(us), name).toBe(true);

    for (const id of ['storm-expired', 'storm-401']) {
      const storm = table(result, id);
      const ours = values(storm, ' token calls').filter(([key]) => key.startsWith('@auth/'));
      expect(ours.map(([key]) => key)).toHaveLength(5);
      for (const [key, calls] of ours) {
        const name = key.slice(0, -' token calls'.length);
        expect(calls, `${id} ${name}: token requests the provider counted`).toBe(1);
        expect(storm.data[`${name} failed`], `${id} ${name}: failed requests`).toBe(0);
      }
      // The client thread's work during each storm was measured (the table explains latency with it).
      for (const [key, ms] of values(storm, ' busy')) expect(ms, `${id} ${key}`).toBeGreaterThan(0);
      if (id === 'storm-401') {
        // Each 401-storm client ran in a process of its own, which measured its CPU time in both waves, and
        // each of ours ran beside @badgateway.
        const names = values(storm, ' token calls').map(([key]) => key.slice(0, -' token calls'.length));
        expect(names, id).toHaveLength(12); // 6 of ours, 3 peers, @badgateway under ky 1, ky 2, graphql-request
        for (const name of names) {
          for (const what of ['cpu', 'base cpu', 'cpu per request', 'base cpu per request']) {
            expect(storm.data[`${name} ${what}`], `${id} ${name} ${what}`).toBeGreaterThan(0);
          }
        }
        expect(values(storm, ' beside badgateway cpu per request'), id).toHaveLength(6);
      }
      // The peers ran too, and the provider counted what they did.
      for (const peer of ['axios-auth-refresh', '@badgateway', 'weaviate-client']) {
        const calls = values(storm, ' token calls').find(([key]) => key.includes(peer));
        expect(calls, `${id} ${peer}`).toBeDefined();
        expect(Number.isFinite(calls?.[1]), `${id} ${peer}`).toBe(true);
      }
    }

    // The fleet storm: with the Redis store, one token request for the whole fleet and no failed request.
    const fleet = table(result, 'fleet-storm');
    expect(fleet.data['redis requests'], 'fleet-storm: 2 processes x 20 requests').toBe(40);
    expect(fleet.data['redis token requests'], 'fleet-storm with the store: token requests at expiry').toBe(
      1,
    );
    expect(fleet.data['redis failed'], 'fleet-storm with the store: failed requests').toBe(0);
    expect(fleet.data['redis after ok'], 'fleet-storm with the store: the grant survives').toBe(10);
    // Without it each process refreshed on its own (the provider counted them).
    expect(fleet.data['memory token requests'], 'fleet-storm without the store').toBe(2);

    const memory = table(result, 'memory');
    const growth = values(memory, ' growth');
    expect(growth).toHaveLength(5);
    for (const [name, bytes] of growth) expect(Number.isFinite(bytes), name).toBe(true);
    // The refresh cycles really refreshed: the token source ran once per cycle.
    expect(memory.notes.some((note) => /the token source ran 55 times for 55 cycles/.test(note))).toBe(true);

    // Every goal has its row, computed from this run's tables.
    const { goals } = findings(new Map(result.tables.map((entry) => [entry.id, entry])));
    expect(goals.map((goal) => goal.what)).toHaveLength(6);
    for (const goal of goals) {
      expect(goal.reached, goal.what).toBeTypeOf('boolean');
      expect(goal.ours, goal.what).not.toMatch(/n\/a/);
    }

    const handWritten = readFileSync(new URL('../redis-fleet.md', import.meta.url), 'utf8');
    const markdown = renderReport(result, handWritten);
    for (const entry of result.tables) expect(markdown).toContain(entry.title);
    expect(markdown).toContain('npx --yes pnpm@12.4.2 bench');
    expect(markdown).toContain('## Goals: where this run stands');
    expect(markdown).toContain('## Where we lose, and why');
    // The hand-written section about the Redis topologies is carried over as it is.
    expect(markdown).toContain(handWritten.trim());
  });
});
