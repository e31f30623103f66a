import { withAuth as withFetchAuth } from '@auth/fetch';
import { OAuth2Client as BadgatewayClient, OAuth2Fetch } from '@badgateway/oauth2-client';
import { OAuth2Client as GoogleClient } from 'google-auth-library';
import { Bench } from 'tinybench';
import { apiKeyAuth, benchToken, cachedTokenAuth } from '../util/auth-setup.js';
import { fmtNum, fmtRatio, median, range } from '../util/stats.js';
import { newTable, type Table } from '../util/table.js';

export interface HotPathOptions {
  rounds: number;
  /** tinybench time budget per task and round, ms. */
  time: number;
  warmupTime: number;
  /** Calls per timed iteration (amortises the timer and the loop). */
  batch: number;
  log: (line: string) => void;
}

const baseUrl = 'https://api.example.com';
const url = `${baseUrl}/v1/meta`;

interface Job {
  name: string;
  group: 'token' | 'wrapper' | 'context';
  /** One call of the operation under test. */
  call: () => Promise<unknown>;
}

async function createJobs(): Promise<{ jobs: Job[]; close: () => Promise<void> }> {
  const tokenAuth = cachedTokenAuth(baseUrl);
  const keyAuth = apiKeyAuth(baseUrl);
  await tokenAuth.authorize(url); // fill the cache: the token source runs once, here

  const google = new GoogleClient();
  google.setCredentials({
    access_token: benchToken,
    token_type: 'Bearer',
    expiry_date: Date.now() + 3_600_000,
  });

  const storedToken = { accessToken: benchToken, refreshToken: null, expiresAt: Date.now() + 3_600_000 };
  const badgateway = new OAuth2Fetch({
    client: new BadgatewayClient({ clientId: 'bench', tokenEndpoint: `${baseUrl}/token` }),
    getNewToken: () => null,
    getStoredToken: () => storedToken,
    scheduleRefresh: false,
  });
  await badgateway.getAccessToken();

  // "fetch mocked out": a function returning a canned Response (no body, so it can be returned every time).
  const canned = new Response(null, { status: 200 });
  const cannedFetch = async (_input: RequestInfo | URL, _init?: RequestInit) => canned;
  const ourFetch = withFetchAuth(cannedFetch, tokenAuth);

  const jobs: Job[] = [
    {
      name: '@auth/core `authorize(url)`, cached OIDC token',
      group: 'token',
      call: () => tokenAuth.authorize(url),
    },
    { name: '@auth/core `authorize(url)`, API key', group: 'token', call: () => keyAuth.authorize(url) },
    {
      name: 'google-auth-library `OAuth2Client.getRequestHeaders(url)`',
      group: 'token',
      call: () => google.getRequestHeaders(url),
    },
    {
      name: '@badgateway/oauth2-client `OAuth2Fetch.getAccessToken()`',
      group: 'token',
      call: () => badgateway.getAccessToken(),
    },
    {
      name: '@auth/fetch `withAuth(cannedFetch, auth)(url)`',
      group: 'wrapper',
      call: () => ourFetch(url),
    },
    {
      name: '@badgateway/oauth2-client `OAuth2Fetch.fetch(url)`, global fetch canned',
      group: 'wrapper',
      call: async () => {
        const real = globalThis.fetch;
        globalThis.fetch = cannedFetch;
        try {
          return await badgateway.fetch(url);
        } finally {
          globalThis.fetch = real;
        }
      },
    },
    {
      name: 'for scale: `new URL(url, base)` (what an origin check parses)',
      group: 'context',
      call: async () => new URL(url, baseUrl),
    },
    {
      name: 'for scale: `new Headers({ authorization })`',
      group: 'context',
      call: async () => new Headers({ authorization: `Bearer ${benchToken}` }),
    },
  ];
  return {
    jobs,
    close: async () => {
      await tokenAuth.close();
      await keyAuth.close();
    },
  };
}

export async function runHotPath(options: HotPathOptions): Promise<Table> {
  const { jobs, close } = await createJobs();
  const samples = new Map<string, number[]>(jobs.map((job) => [job.name, []]));
  try {
    for (let round = 0; round < options.rounds; round++) {
      const bench = new Bench({
        time: options.time,
        warmupTime: options.warmupTime,
        warmupIterations: 8,
        iterations: 16,
        throws: true,
      });
      // Rotate the order each round so no job always runs first (JIT state, GC debt).
      const order = jobs.map((_, i) => jobs[(i + round) % jobs.length]!);
      for (const job of order) {
        bench.add(job.name, async () => {
          for (let i = 0; i < options.batch; i++) await job.call();
        });
      }
      await bench.run();
      for (const task of bench.tasks) {
        const result = task.result;
        if (result.state !== 'completed')
          throw new Error(`hot path: ${task.name} ended in state ${result.state}`);
        // latency is ms per iteration; an iteration is `batch` calls.
        samples.get(task.name)?.push((result.latency.p50 * 1e6) / options.batch);
      }
      options.log(`hot path: round ${round + 1}/${options.rounds} done`);
    }
  } finally {
    await close();
  }

  const table = newTable(
    'hot-path',
    'Hot path: headers for one request with a fresh cached token (ns/op)',
    `tinybench 6; each timed iteration awaits the call ${options.batch} times in a loop, so the figure is ` +
      `wall time per awaited call including one promise resolution. ${options.rounds} rounds (order rotated), ` +
      `each with ${options.warmupTime} ms warm-up (excluded) and ${options.time} ms of samples; the table shows ` +
      'the median over rounds of each round\'s median iteration. "vs ours" divides by @auth/core ' +
      '`authorize()` with a cached OIDC token (token rows) or by @auth/fetch over the same canned fetch ' +
      '(wrapper rows), ratio taken within each round: above 1.00x the peer is slower, below it is faster.',
    ['Operation', 'ns/op (median)', 'min – max', 'vs ours'],
  );
  const ours = { token: jobs[0]!.name, wrapper: jobs[4]!.name, context: '' };
  for (const job of jobs) {
    const values = samples.get(job.name) ?? [];
    const reference = samples.get(ours[job.group]) ?? [];
    const ratio = median(values.map((value, i) => value / (reference[i] ?? Number.NaN)));
    const { min, max } = range(values);
    table.rows.push([
      job.name,
      fmtNum(median(values)),
      `${fmtNum(min)} – ${fmtNum(max)}`,
      job.group === 'context' ? '–' : job.name === ours[job.group] ? '(reference)' : fmtRatio(ratio),
    ]);
    table.data[`${job.name} ns`] = median(values);
    if (job.group !== 'context') table.data[`${job.name} ratio`] = ratio;
  }
  table.notes.push(
    'Setups: ours, `createAuth({ baseUrl, credentials: tokenSource(...) })` after one `authorize()` filled the ' +
      'cache (token valid for an hour), or `apiKey(...)`; google-auth-library, `new OAuth2Client()` with ' +
      "`setCredentials({ access_token, token_type: 'Bearer', expiry_date: now + 1 h })`; @badgateway, " +
      '`new OAuth2Fetch({ client, getStoredToken, getNewToken, scheduleRefresh: false })` with a stored token ' +
      'valid for an hour. No call in these loops touches the network.',
    'google-auth-library builds a new `Headers` object per call; @badgateway returns the bare token string ' +
      '(the caller still has to build the header); @auth/core returns a plain header record.',
    "@badgateway's `fetch()` always builds a `Request` and clones it before sending (so it can retry); " +
      'the cost of `new Request()` is in its wrapper row.',
    'The two "for scale" rows time single building blocks in the same loop (an awaited async arrow), to ' +
      'explain the rows above; they are not contenders.',
  );
  return table;
}
