import { type Adapter, type AdapterName, axiosAdapter, type Client } from '@auth/test-utils/clients';
import type { AxiosAdapter, AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import { facades, ourRowName } from '../util/adapters.js';
import { benchToken, cachedTokenAuth } from '../util/auth-setup.js';
import { startEchoServer } from '../util/echo-server.js';
import { fmtInt, fmtNum, fmtRatio, median, medianInterval, range } from '../util/stats.js';
import { newTable, type Table } from '../util/table.js';

export interface ThroughputOptions {
  /** Timed samples per contender (the median is reported). */
  rounds: number;
  /** Requests sent one after another in each sample. */
  sequential: number;
  /** Requests sent with `concurrency` in flight in each sample. */
  concurrent: number;
  concurrency: number;
  /**
   * With the canned transport, each sample sends this many times the requests (a request then takes
   * microseconds, and a sample of a few milliseconds is mostly timer and GC noise).
   */
  cannedScale: number;
  log: (line: string) => void;
}

type Send = () => Promise<unknown>;

interface Contender {
  name: string;
  /** The bare client this row is compared with (its own name for a bare row). */
  baseline: string;
  create(url: string, transport: Transport): Promise<{ send: Send; close?: () => Promise<void> }>;
}

type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** What carries the requests: the real network (loopback), or a canned answer with no I/O at all. */
interface Transport {
  fetch: FetchFunction;
  /** axios `adapter` option; undefined = axios' own http adapter. */
  axiosAdapter: AxiosAdapter | undefined;
}

const answer = '{"data":{"ok":true}}';

const networkTransport: Transport = {
  fetch: (input, init) => globalThis.fetch(input, init),
  axiosAdapter: undefined,
};

const cannedTransport: Transport = {
  fetch: async () => new Response(answer, { status: 200, headers: { 'content-type': 'application/json' } }),
  axiosAdapter: async (config) => ({
    data: JSON.parse(answer) as unknown,
    status: 200,
    statusText: 'OK',
    headers: { 'content-type': 'application/json' },
    config,
    request: {},
  }),
};

const staticHeaders = { Authorization: `Bearer ${benchToken}` };
const query = '{ __typename }';

const bareRowName: Record<AdapterName, string> = {
  fetch: 'fetch (bare, static header)',
  axios: 'axios (bare, static header)',
  'ky 1': 'ky 1 (bare, static header)',
  'ky 2': 'ky 2 (bare, static header)',
  'graphql-request': 'graphql-request (bare, static header)',
};

/** The facade options that put a client on `t`. */
const transportOptions = (t: Transport) => ({
  fetch: t.fetch,
  ...(t.axiosAdapter ? { axios: { adapter: t.axiosAdapter } } : {}),
});

/** One request through a facade client: the same call for every row of a client. */
function sender(adapter: Adapter, client: Client): Send {
  const target = adapter.graphql ? '/v1/graphql' : '/v1/meta';
  return async () => {
    const { status, body } = await client.send(target, { query });
    if (status !== 200) throw new Error(`HTTP ${status}`);
    return body;
  };
}

/**
 * The bare client (a static `Authorization` header on the instance) and the same client with our adapter, both
 * through the same facade, so that the difference between the rows is the auth layer alone.
 */
function pair(adapter: Adapter): Contender[] {
  const bare = bareRowName[adapter.name];
  const ours = ourRowName[adapter.name];
  return [
    {
      name: bare,
      baseline: bare,
      create: async (url, t) => ({
        send: sender(
          adapter,
          adapter.create(undefined, url, { ...transportOptions(t), headers: staticHeaders }),
        ),
      }),
    },
    {
      name: ours,
      baseline: bare,
      create: async (url, t) => {
        const auth = cachedTokenAuth(url);
        return {
          send: sender(adapter, adapter.create(auth, url, transportOptions(t))),
          close: () => auth.close(),
        };
      },
    },
  ];
}

/**
 * axios-auth-refresh wired the way its README shows: a request interceptor reads the current token,
 * `createAuthRefresh()` handles 401s with a refresh call. It runs through the same facade as bare axios and
 * @auth/axios (the facade's `withAuth` slot installs this wiring instead of ours), so that the three rows differ
 * by the auth wiring alone, not by how the request is made.
 */
const axiosAuthRefresh: Contender = {
  name: 'axios + axios-auth-refresh + header interceptor',
  baseline: 'axios (bare, static header)',
  create: async (url, t) => {
    let token = benchToken;
    const wire = (api: AxiosInstance): AxiosInstance => {
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
      return api;
    };
    const adapter = axiosAdapter(wire);
    // The facade installs its `withAuth` only for a client given an `auth`; this wiring never reads it.
    const auth = cachedTokenAuth(url);
    return {
      send: sender(adapter, adapter.create(auth, url, transportOptions(t))),
      close: () => auth.close(),
    };
  },
};

const contenders: Contender[] = facades.flatMap((adapter) =>
  adapter.name === 'axios' ? [...pair(adapter), axiosAuthRefresh] : pair(adapter),
);

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

/**
 * One round of a group (a bare client and its adapters), request by request: each request of each member in
 * turn, the order turning every time, so that whatever else the process does (GC, JIT, a busy neighbour on
 * the machine) lands on every member alike. Returns each member's requests per second of its own time, and
 * the time of its median request in µs (which a rare pause of milliseconds does not move).
 */
async function interleavedRound(
  group: Live[],
  count: number,
): Promise<{ perSecond: number; medianMicros: number }[]> {
  const times = group.map(() => new Float64Array(count));
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < group.length; j++) {
      const k = (i + j) % group.length;
      const start = performance.now();
      await group[k]!.send();
      times[k]![i] = performance.now() - start;
    }
  }
  return times.map((ms) => ({
    perSecond: count / (ms.reduce((sum, value) => sum + value, 0) / 1000),
    medianMicros: median([...ms]) * 1000,
  }));
}

interface Live {
  contender: Contender;
  send: Send;
  close?: () => Promise<void>;
  /** Requests per second, one value per round. */
  samples: number[];
  /** Interleaved rounds only: the median request's time in µs, one value per round. */
  medians: number[];
}

/**
 * Creates every contender on `transport`, takes a warm-up sample of each, then `rounds` timed rounds. A
 * round takes each bare client and its adapters one right after the other (the ratio compares neighbours,
 * not samples taken seconds apart), in the opposite order every other round (so that neither always runs
 * first). No GC is forced between samples: after a full GC (`--expose-gc`'s `gc()`) a canned fetch took
 * twice as long for the next few thousand requests (V8 shrinks the young generation), which measured the GC,
 * not the client.
 */
async function measureAll(
  url: string,
  transport: Transport,
  options: ThroughputOptions,
  notes: string[],
  label: string,
  interleave = false,
): Promise<Live[]> {
  const live: Live[] = [];
  for (const contender of contenders) {
    try {
      const { send, close } = await contender.create(url, transport);
      await send(); // fails fast if the client cannot talk to the server
      live.push({ contender, send, ...(close ? { close } : {}), samples: [], medians: [] });
    } catch (error) {
      notes.push(
        `${contender.name}: could not run (${error instanceof Error ? error.message : String(error)}).`,
      );
    }
  }
  const groups = [...new Set(live.map((entry) => entry.contender.baseline))].map((baseline) =>
    live.filter((entry) => entry.contender.baseline === baseline),
  );
  const timed = (entry: Live) => sample(entry.send, options);
  try {
    for (const entry of live) await timed(entry); // warm-up, not recorded
    for (let round = 0; round < options.rounds; round++) {
      for (const group of groups) {
        if (interleave) {
          const results = await interleavedRound(group, options.sequential + options.concurrent);
          for (const [i, entry] of group.entries()) {
            entry.samples.push(results[i]!.perSecond);
            entry.medians.push(results[i]!.medianMicros);
          }
          continue;
        }
        for (const entry of round % 2 === 0 ? group : [...group].reverse()) {
          entry.samples.push(await timed(entry));
        }
      }
      options.log(`${label}: round ${round + 1}/${options.rounds} done`);
    }
  } finally {
    for (const entry of live) await entry.close?.();
  }
  return live;
}

function baselineOf(live: Live[], entry: Live): Live | undefined {
  return live.find((other) => other.contender.name === entry.contender.baseline);
}

export async function runThroughput(options: ThroughputOptions): Promise<Table[]> {
  const server = await startEchoServer();
  const network = newTable(
    'throughput',
    'Per-request overhead (requests/s against a local keep-alive server)',
    `Each sample sends ${options.sequential} requests one after another and then ${options.concurrent} ` +
      `requests with ${options.concurrency} in flight, to a keep-alive \`node:http\` server on 127.0.0.1 that ` +
      'checks nothing and answers 200 JSON (it runs in a worker thread, so client and server each have a ' +
      `core). ${options.rounds} timed samples per row after one untimed warm-up sample; in each round a ` +
      'bare client and its adapters run one right after the other, in the opposite order every other round; ' +
      'the table shows the median and the spread. Every row of one client library makes its requests through ' +
      'the same call (the client facade of @auth/test-utils), the axios-auth-refresh row included, so that ' +
      'rows differ by their auth wiring alone. Bare clients send a static `Authorization` header; ours ' +
      'get it from `auth.authorize()` with a fresh cached token. The ratio is adapter ÷ bare from the same ' +
      'round, median over rounds (1.00x = no measurable cost; lower = slower).',
    ['Client', 'req/s (median)', 'min – max', 'vs bare client'],
  );
  try {
    const live = await measureAll(server.url, networkTransport, options, network.notes, 'throughput');
    for (const entry of live) {
      const base = baselineOf(live, entry);
      const ratios =
        base && base !== entry
          ? entry.samples.map((value, i) => value / (base.samples[i] ?? Number.NaN))
          : [];
      const { min, max } = range(entry.samples);
      const ratio = ratios.length > 0 ? median(ratios) : Number.NaN;
      network.rows.push([
        entry.contender.name,
        fmtInt(median(entry.samples)),
        `${fmtInt(min)} – ${fmtInt(max)}`,
        base === entry ? '(baseline)' : fmtRatio(ratio),
      ]);
      network.data[`${entry.contender.name} req/s`] = median(entry.samples);
      if (base !== entry) {
        const interval = medianInterval(ratios);
        network.data[`${entry.contender.name} ratio`] = ratio;
        network.data[`${entry.contender.name} ratio low`] = interval.low;
        network.data[`${entry.contender.name} ratio high`] = interval.high;
        network.data['ratio confidence'] = interval.confidence;
      }
    }
  } finally {
    await server.close();
  }

  const canned = newTable(
    'overhead-canned',
    'Per-request overhead with no network (µs per request, canned transport)',
    'The same clients, but the transport answers at once with a canned 200 JSON (a fetch function ' +
      'returning a `Response`; for axios, an `adapter` returning a response object), so the time is all ' +
      'client-side: the HTTP library, its hooks or interceptors, and the auth layer. A microsecond or two is ' +
      'smaller than what a busy machine moves between samples, so here the requests are interleaved: in each ' +
      `of ${options.rounds} rounds a bare client and its adapters send ` +
      `${options.cannedScale * (options.sequential + options.concurrent)} requests each, one request of each ` +
      'in turn (the order turning every time), each request timed on its own, so that GC and a busy ' +
      'neighbour land on all of them alike. "Added" is adapter minus bare client within each round, median ' +
      'over rounds: of the mean request (all time spent, GC included; a pause of milliseconds, a collection ' +
      'or the machine running another process, moves a mean of a few thousand requests by microseconds, on ' +
      "whichever client it lands) and of the median request (the one in the middle of each client's requests " +
      'in the round, which such a pause does not move).',
    ['Client', 'µs per request (median)', 'min – max', 'added vs bare client', 'added, median request'],
  );
  const scaled = {
    ...options,
    sequential: options.sequential * options.cannedScale,
    concurrent: options.concurrent * options.cannedScale,
  };
  const live = await measureAll('http://127.0.0.1:9', cannedTransport, scaled, canned.notes, 'canned', true);
  for (const entry of live) {
    const base = baselineOf(live, entry);
    const micros = entry.samples.map((perSecond) => 1e6 / perSecond);
    const baseMicros = base ? base.samples.map((perSecond) => 1e6 / perSecond) : [];
    const differences =
      base && base !== entry ? micros.map((value, i) => value - (baseMicros[i] ?? Number.NaN)) : [];
    const added = differences.length > 0 ? median(differences) : Number.NaN;
    const addedMedian =
      base && base !== entry
        ? median(entry.medians.map((value, i) => value - (base.medians[i] ?? Number.NaN)))
        : Number.NaN;
    const signed = (value: number) => `${value >= 0 ? '+' : ''}${fmtNum(value)} µs`;
    const { min, max } = range(micros);
    canned.rows.push([
      entry.contender.name,
      fmtNum(median(micros)),
      `${fmtNum(min)} – ${fmtNum(max)}`,
      base === entry ? '(baseline)' : signed(added),
      base === entry ? '(baseline)' : signed(addedMedian),
    ]);
    canned.data[`${entry.contender.name} us`] = median(micros);
    if (base !== entry) {
      const interval = medianInterval(differences);
      canned.data[`${entry.contender.name} added us`] = added;
      canned.data[`${entry.contender.name} added us low`] = interval.low;
      canned.data[`${entry.contender.name} added us high`] = interval.high;
      canned.data['added confidence'] = interval.confidence;
      canned.data[`${entry.contender.name} added median request us`] = addedMedian;
    }
  }
  return [network, canned];
}
