import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from './soak.js';

describe('soak (10 s; `pnpm soak` runs 60 s)', () => {
  it('mixed traffic through every adapter with 1 s tokens and random token endpoint faults: no request fails', async () => {
    const report = await runSoak({ seconds: 10 });
    console.log(formatReport(report));
    expect(report.failureSamples).toEqual([]);
    expect(report.failures).toBe(0);
    // It did run: traffic through every adapter, renewals, faults.
    for (const counts of Object.values(report.byAdapter)) expect(counts.requests).toBeGreaterThan(50);
    expect(report.tokenRequests.refresh_token + report.tokenRequests.client_credentials).toBeGreaterThan(50);
    expect(Object.values(report.faults).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(3);
    // Heap (client and embedded server in one process): no runaway growth.
    expect(report.heap.growthMb).toBeLessThan(100);
  }, 60_000);

  it('reports failed requests (self-check: the API key is deleted halfway through a 3 s run)', async () => {
    const report = await runSoak({ seconds: 3, sabotage: true });
    expect(report.failures).toBeGreaterThan(0);
    expect(
      report.failureSamples.every((sample) => sample.includes('apiKey') && sample.includes('HTTP 401')),
    ).toBe(true);
  }, 30_000);
});
