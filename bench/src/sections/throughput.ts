import { withAuth as withAxiosAuth } from '@auth/axios';
import { withAuth as withFetchAuth } from '@auth/fetch';
import { withAuth as withGraphQLAuth } from '@auth/graphql-request';
import { withAuth as withKyAuth } from '@auth/ky';
import axios from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import { GraphQLClient } from 'graphql-request';
import ky from 'ky';
import ky2 from 'ky2';
import { benchToken, cachedTokenAuth } from '../util/auth-setup.js';
import { startEchoServer } from '../util/echo-server.js';
import { fmtInt, fmtRatio, median, range } from '../util/stats.js';
import { newTable, type Table } from '../util/table.js';

export interface ThroughputOptions {
  /** Timed samples per contender (the median is reported). */
  rounds: number;
  /** Requests sent one after another in each sample. */
  sequential: number;
  /** Requests sent with `concurrency` in flight in each sample. */
  concurrent: number;
  concurrency: number;
  log: (line: string) => void;
}

type Send = () => Promise<unknown>;

interface Contender {
  name: string;
  /** The bare client this row is compared with (its own name for a bare row). */
  baseline: string;
  create(url: string): Promise<{ send: Send; close?: () => Promise<void> }>;
}

const staticHeaders = { Authorization: `Bearer ${benchToken}` };
const query = '{ __typename }';

const contenders: Contender[] = [
  {
    name: 'fetch (bare, static header)',
    baseline: 'fetch (bare, static header)',
    create: async (url) => ({
      send: async () => (await fetch(`${url}/v1/meta`, { headers: staticHeaders })).json(),
    }),
  },
  {
    name: '@auth/fetch',
    baseline: 'fetch (bare, static header)',
    create: async (url) => {
      const auth = cachedTokenAuth(url);
      const authed = withFetchAuth(fetch, auth);
      return { send: async () => (await authed(`${url}/v1/meta`)).json(), close: () => auth.close() };
    },
  },
  {
    name: 'axios (bare, static header)',
    baseline: 'axios (bare, static header)',
    create: async (url) => {
      const api = axios.create({ baseURL: url, headers: staticHeaders });
      return { send: () => api.get('/v1/meta') };
    },
  },
  {
    name: '@auth/axios',
    baseline: 'axios (bare, static header)',
    create: async (url) => {
      const auth = cachedTokenAuth(url);
      const api = withAxiosAuth(axios.create({ baseURL: url }), auth);
      return { send: () => api.get('/v1/meta'), close: () => auth.close() };
    },
  },
  {
    name: 'axios + axios-auth-refresh + header interceptor',
    baseline: 'axios (bare, static header)',
    create: async (url) => {
      let token = benchToken;
      const api = axios.create({ baseURL: url });
      // Wired the way axios-auth-refresh's README shows: a request interceptor reads the current token,
      // createAuthRefresh() handles 401s with a refresh call.
      api.interceptors.request.use((request) => {
        request.headers.Authorization = `Bearer ${token}`;
        return request;
      });
      createAuthRefresh(
        api,
        async (failedRequest: { response: { config: { headers: Record<string, string> } } }) => {
          token = benchToken;
          failedRequest.response.config.headers.Authorization = `Bearer ${token}`;
        },
      );
      return { send: () => api.get('/v1/meta') };
    },
  },
  {
    name: 'ky 1 (bare, static header)',
    baseline: 'ky 1 (bare, static header)',
    create: async (url) => {
      const api = ky.create({ prefixUrl: url, headers: staticHeaders });
      return { send: () => api.get('v1/meta').json() };
    },
  },
  {
    name: '@auth/ky on ky 1',
    baseline: 'ky 1 (bare, static header)',
    create: async (url) => {
      const auth = cachedTokenAuth(url);
      const api = withKyAuth(ky.create({ prefixUrl: url }), auth);
      return { send: () => api.get('v1/meta').json(), close: () => auth.close() };
    },
  },
  {
    name: 'ky 2 (bare, static header)',
    baseline: 'ky 2 (bare, static header)',
    create: async (url) => {
      const api = ky2.create({ prefix: url, headers: staticHeaders });
      return { send: () => api.get('v1/meta').json() };
    },
  },
  {
    name: '@auth/ky on ky 2',
    baseline: 'ky 2 (bare, static header)',
    create: async (url) => {
      const auth = cachedTokenAuth(url);
      const api = withKyAuth(ky2.create({ prefix: url }), auth);
      return { send: () => api.get('v1/meta').json(), close: () => auth.close() };
    },
  },
  {
    name: 'graphql-request (bare, static header)',
    baseline: 'graphql-request (bare, static header)',
    create: async (url) => {
      const client = new GraphQLClient(`${url}/v1/graphql`, { headers: staticHeaders });
      return { send: () => client.request(query) };
    },
  },
  {
    name: '@auth/graphql-request',
    baseline: 'graphql-request (bare, static header)',
    create: async (url) => {
      const auth = cachedTokenAuth(url);
      const client = new GraphQLClient(`${url}/v1/graphql`, withGraphQLAuth({}, auth));
      return { send: () => client.request(query), close: () => auth.close() };
    },
  },
];

/** One sample: `sequential` requests one by one, then `concurrent` requests `concurrency` at a time. */
async function sample(send: Send, options: ThroughputOptions): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < options.sequential; i++) await send();
  let next = 0;
  const lane = async () => {
    while (next < options.concurrent) {
      next++;
      await send();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  const seconds = (performance.now() - start) / 1000;
  return (options.sequential + options.concurrent) / seconds;
}

export async function runThroughput(options: ThroughputOptions): Promise<Table> {
  const server = await startEchoServer();
  const table = newTable(
    'throughput',
    'Per-request overhead (requests/s against a local keep-alive server)',
    `Each sample sends ${options.sequential} requests one after another and then ${options.concurrent} ` +
      `requests with ${options.concurrency} in flight, to a keep-alive \`node:http\` server on 127.0.0.1 that ` +
      'checks nothing and answers 200 JSON (it runs in a worker thread, so client and server each have a ' +
      `core). ${options.rounds} timed samples per row, taken round-robin after one untimed warm-up sample; ` +
      'the table shows the median and the spread. Bare clients send a static `Authorization` header; ours ' +
      'get it from `auth.authorize()` with a fresh cached token. The ratio is adapter ÷ bare from the same ' +
      'round, median over rounds (1.00x = no measurable cost; lower = slower).',
    ['Client', 'req/s (median)', 'min – max', 'vs bare client'],
  );
  try {
    const live: { contender: Contender; send: Send; close?: () => Promise<void>; samples: number[] }[] = [];
    for (const contender of contenders) {
      try {
        const { send, close } = await contender.create(server.url);
        await send(); // fails fast if the client cannot talk to the server
        live.push({ contender, send, ...(close ? { close } : {}), samples: [] });
      } catch (error) {
        table.notes.push(
          `${contender.name}: could not run (${error instanceof Error ? error.message : String(error)}).`,
        );
      }
    }
    for (const entry of live) await sample(entry.send, options); // warm-up, not recorded
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order so that no contender always runs right after the same neighbour.
      for (let i = 0; i < live.length; i++) {
        const entry = live[(i + round) % live.length]!;
        entry.samples.push(await sample(entry.send, options));
      }
      options.log(`throughput: round ${round + 1}/${options.rounds} done`);
    }
    const byName = new Map(live.map((entry) => [entry.contender.name, entry]));
    for (const entry of live) {
      const base = byName.get(entry.contender.baseline);
      const ratios =
        base && base !== entry
          ? entry.samples.map((value, i) => value / (base.samples[i] ?? Number.NaN))
          : [];
      const { min, max } = range(entry.samples);
      const ratio = ratios.length > 0 ? median(ratios) : Number.NaN;
      table.rows.push([
        entry.contender.name,
        fmtInt(median(entry.samples)),
        `${fmtInt(min)} – ${fmtInt(max)}`,
        base === entry ? '(baseline)' : fmtRatio(ratio),
      ]);
      table.data[`${entry.contender.name} req/s`] = median(entry.samples);
      if (base !== entry) table.data[`${entry.contender.name} ratio`] = ratio;
    }
    for (const entry of live) await entry.close?.();
  } finally {
    await server.close();
  }
  return table;
}
