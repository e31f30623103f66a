import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createAuth, tokenSource } from '@auth/core';
import { OAuth2Client as BadgatewayClient, OAuth2Fetch } from '@badgateway/oauth2-client';
import { OAuth2Client as GoogleClient } from 'google-auth-library';
import { cachedTokenAuth } from '../util/auth-setup.js';
import { fmtInt, median, range } from '../util/stats.js';
import { newTable, type Table } from '../util/table.js';

export interface MemoryOptions {
  authorizeCalls: number;
  refreshCycles: number;
  rounds: number;
  log: (line: string) => void;
}

const baseUrl = 'https://api.example.com';
const url = `${baseUrl}/v1/meta`;

function getGc(): { gc: () => void; exposed: boolean } {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return { gc: existing, exposed: true };
  // Not started with --expose-gc (e.g. inside vitest): turn the flag on now and fetch gc from a new context.
  v8.setFlagsFromString('--expose-gc');
  return { gc: runInNewContext('gc') as () => void, exposed: false };
}

async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Heap growth (bytes, after full GCs) across `work()`, after a warm-up pass that is not counted. */
async function growth(gc: () => void, warm: () => Promise<void>, work: () => Promise<void>): Promise<number> {
  await warm();
  const before = await settledHeap(gc);
  await work();
  const after = await settledHeap(gc);
  return after - before;
}

interface Case {
  name: string;
  /** How much work the row reports, e.g. 1,000,000 calls. */
  count: number;
  unit: string;
  run: (gc: () => void, count: number) => Promise<{ growth: number; check?: string }>;
}

/**
 * The token manager spaces refreshes at least MIN_REFRESH_INTERVAL_MS (500 ms) apart so a 401 loop cannot
 * hammer the provider; 10,000 real cycles would take 80 minutes. The auth object is therefore created, and
 * first used (which makes its token manager), while `Date.now` is a virtual clock (the manager keeps the
 * function it saw at construction), and each cycle
 * moves that clock forward (1 s, or a minute to expire the 30 s token). Nothing else is stubbed: the token source, store, manager and
 * `authorize()` / `handleUnauthorized()` run as in production.
 */
async function refreshCycles(
  gc: () => void,
  cycles: number,
  trigger: 'unauthorized' | 'expiry',
): Promise<{ growth: number; check: string }> {
  let virtualNow = Date.now();
  const realNow = Date.now;
  let issued = 0;
  Date.now = () => virtualNow;
  let auth: ReturnType<typeof createAuth>;
  try {
    auth = createAuth({
      baseUrl,
      credentials: tokenSource(async () => {
        issued++;
        // A JWT-sized token, unique per refresh, so a retained token would show in the heap.
        return { accessToken: `token-${issued}-${'x'.repeat(800)}`, expiresIn: 30 };
      }),
    });
    // The token manager is made at the first authorize(): it must see the virtual clock too.
    await auth.authorize(url);
  } finally {
    Date.now = realNow;
  }
  const cycle = async () => {
    // 'unauthorized': 1 s (past the 500 ms spacing, the token stays fresh); 'expiry': past the 30 s lifetime.
    virtualNow += trigger === 'unauthorized' ? 1_000 : 60_000;
    const headers = await auth.authorize(url);
    if (trigger === 'unauthorized') {
      const retry = await auth.handleUnauthorized(url, headers);
      if (!retry) throw new Error('handleUnauthorized() returned false for a token source');
    }
  };
  const warmCycles = Math.ceil(cycles / 10);
  const before = issued;
  const result = await growth(gc, loop(warmCycles, cycle), loop(cycles, cycle));
  const refreshes = issued - before;
  await auth.close();
  if (refreshes !== warmCycles + cycles) {
    throw new Error(
      `refresh cycles (${trigger}): the token source ran ${refreshes} times for ${warmCycles + cycles} cycles; every cycle must refresh once, or this measures nothing`,
    );
  }
  return {
    growth: result,
    check: `the token source ran ${fmtInt(refreshes)} times for ${fmtInt(warmCycles + cycles)} cycles (warm-up included)`,
  };
}

function loop(count: number, call: () => Promise<unknown>) {
  return async () => {
    for (let i = 0; i < count; i++) await call();
  };
}

export async function runMemory(options: MemoryOptions): Promise<Table> {
  const { gc, exposed } = getGc();
  const n = options.authorizeCalls;
  const cases: Case[] = [
    {
      name: '@auth/core `authorize()`, cached token',
      count: n,
      unit: 'calls',
      run: async (gcFn, n) => {
        const auth = cachedTokenAuth(baseUrl);
        const call = () => auth.authorize(url);
        const result = await growth(gcFn, loop(Math.ceil(n / 10), call), loop(n, call));
        await auth.close();
        return { growth: result };
      },
    },
    {
      name: '@auth/core refresh cycles: 401 → `handleUnauthorized()` → new token',
      count: options.refreshCycles,
      unit: 'refreshes',
      run: (gcFn, cycles) => refreshCycles(gcFn, cycles, 'unauthorized'),
    },
    {
      name: '@auth/core refresh cycles: token expired → `authorize()` waits for a new one',
      count: options.refreshCycles,
      unit: 'refreshes',
      run: (gcFn, cycles) => refreshCycles(gcFn, cycles, 'expiry'),
    },
    {
      name: 'google-auth-library `getRequestHeaders()`, fresh credential',
      count: n,
      unit: 'calls',
      run: async (gcFn, n) => {
        const google = new GoogleClient();
        google.setCredentials({
          access_token: 'bench',
          token_type: 'Bearer',
          expiry_date: Date.now() + 3_600_000,
        });
        const call = () => google.getRequestHeaders(url);
        return { growth: await growth(gcFn, loop(Math.ceil(n / 10), call), loop(n, call)) };
      },
    },
    {
      name: '@badgateway/oauth2-client `getAccessToken()`, stored token',
      count: n,
      unit: 'calls',
      run: async (gcFn, n) => {
        const wrapper = new OAuth2Fetch({
          client: new BadgatewayClient({ clientId: 'bench', tokenEndpoint: `${baseUrl}/token` }),
          getNewToken: () => null,
          getStoredToken: () => ({
            accessToken: 'bench',
            refreshToken: null,
            expiresAt: Date.now() + 3_600_000,
          }),
          scheduleRefresh: false,
        });
        const call = () => wrapper.getAccessToken();
        return { growth: await growth(gcFn, loop(Math.ceil(n / 10), call), loop(n, call)) };
      },
    },
  ];

  const table = newTable(
    'memory',
    'Memory: heap growth after many calls (bytes, after full GC)',
    `\`process.memoryUsage().heapUsed\` after three forced full collections, before and after the work; ` +
      'a warm-up pass of a tenth of the work runs first and is not counted. ' +
      `${options.rounds} rounds per row on fresh objects, median shown with the spread. To tell a leak from ` +
      'growth that levels off, each row also runs once with four times the work: "per unit" is the slope ' +
      '(growth at 4× − growth at 1×) ÷ (3 × the work). The heap after a forced GC moves by a few hundred ' +
      'kilobytes from run to run, so a slope within about ±10 B per unit is noise; a leak shows as a steady ' +
      'positive slope.',
    ['Case', 'work', 'heap growth (median)', 'min – max', 'at 4× work', 'per unit (slope)'],
  );
  for (const entry of cases) {
    const values: number[] = [];
    let check: string | undefined;
    for (let round = 0; round < options.rounds; round++) {
      const result = await entry.run(gc, entry.count);
      values.push(result.growth);
      check = result.check;
    }
    // Growth that stops at some size (V8's own structures, caches) is not a leak: compare with 4x the work.
    const large = (await entry.run(gc, entry.count * 4)).growth;
    const full = median(values);
    const slope = (large - full) / (entry.count * 3);
    const { min, max } = range(values);
    table.rows.push([
      entry.name,
      `${fmtInt(entry.count)} ${entry.unit}`,
      `${fmtInt(full)} B`,
      `${fmtInt(min)} – ${fmtInt(max)} B`,
      `${fmtInt(large)} B`,
      `${slope.toFixed(1)} B`,
    ]);
    table.data[`${entry.name} growth`] = full;
    table.data[`${entry.name} slope`] = slope;
    if (check) table.notes.push(`${entry.name}: ${check}.`);
    options.log(`memory: ${entry.name} done`);
  }
  if (!exposed) {
    table.notes.push(
      'Run without `--expose-gc`; gc() was enabled at run time through `v8.setFlagsFromString`.',
    );
  }
  return table;
}
