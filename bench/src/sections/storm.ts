import type { AdapterName } from '@auth/test-utils/clients';
import { ourRowName } from '../util/adapters.js';
import { fmtInt, fmtMs, median, range, sleep } from '../util/stats.js';
import { forkStormChild, type StormChild, type WaveSummary } from '../util/storm-process.js';
import {
  canUseWorker,
  type IssuedTokens,
  type StatsSnapshot,
  type StormServer,
  startInlineServer,
  startWorkerServer,
} from '../util/storm-server.js';
import { newTable, type Table } from '../util/table.js';
import {
  badgatewayName,
  badgatewayUnder,
  clientTimeoutMs,
  contenders,
  debugEvents,
  markStormStart,
  type Scenario,
  type ServerInfo,
  type Subject,
  summarize,
  timedWave,
  variantName,
  weaviateClientSpec,
} from './storm-contenders.js';

export { badgatewayName, variantName };

export interface StormOptions {
  /** Concurrent requests meeting an expired token (the issue asks for 10,000). */
  expiredConcurrency: number;
  /** The same for the official weaviate-client, which runs its own discovery + token request per call. */
  weaviateClientConcurrency: number;
  /** Concurrent requests that all get 401 for one stale token (the issue asks for 1,000). */
  unauthorizedConcurrency: number;
  /** Rounds of the expired-token storm (medians reported). */
  expiredRounds: number;
  /**
   * Rounds of the 401 storm: each of our clients runs this many times beside @badgateway (A/B, the order
   * alternating), and the other peers this many times alone. Even, so that each side goes first as often.
   */
  unauthorizedRounds: number;
  /** Access-token lifetime on the provider, seconds: long enough to outlive one storm + baseline wave. */
  tokenTtl: number;
  /** Requests on the wire at once per client (socket pool size). */
  pool: number;
  /**
   * Each 401-storm client in a process of its own (true), or every group in the same two processes (false:
   * the smoke run, which checks that the storms work, not what they cost, and would spend most of its time
   * starting processes).
   */
  processPerClient: boolean;
  /** Run the server in a worker thread (own core) or inline. Defaults to a worker under tsx. */
  serverIn?: 'worker' | 'inline';
  log: (line: string) => void;
}

interface Measurement {
  tokenCalls: number;
  /** Token requests per grant type (refresh_token, password, client_credentials). */
  byGrant: Record<string, number>;
  discovery: number;
  failed: number;
  p50: number;
  p99: number;
  baseP50: number;
  baseP99: number;
  /** ms the client's thread ran during the storm wave (its event-loop utilisation, active time). */
  busy: number;
  /** The same during the baseline wave. */
  baseBusy: number;
  /** ms of CPU the client's process used during the storm wave (401 storm only: the client has a process). */
  cpu?: number;
  /** The same during the baseline wave. */
  baseCpu?: number;
  firstError?: string;
}

/** A baseline wave and a storm wave, with the server's counts for the storm, as one measurement. */
function toMeasurement(
  name: string,
  scenario: Scenario,
  count: number,
  stats: StatsSnapshot,
  baseline: WaveSummary,
  storm: WaveSummary,
  ownProcess: boolean,
): Measurement {
  // A storm that met no stale token measured nothing: the tokens had not expired on the server yet.
  if (stats.requests[401] === 0 && stats.tokenRequests.total === 0) {
    throw new Error(
      `storm (${scenario}): ${name} sent ${count} requests and the server refused none and counted no token request: its token was not stale, so the storm measured nothing. Check that the tokens expire (tokenTtl) before the storm starts.`,
    );
  }
  const { total: _total, ...byGrant } = stats.tokenRequests;
  const firstError =
    storm.firstError ?? (baseline.firstError ? `baseline: ${baseline.firstError}` : undefined);
  return {
    tokenCalls: stats.tokenRequests.total,
    byGrant,
    discovery: stats.discoveryRequests,
    failed: storm.failed,
    p50: storm.p50,
    p99: storm.p99,
    baseP50: baseline.p50,
    baseP99: baseline.p99,
    busy: storm.busy,
    baseBusy: baseline.busy,
    ...(ownProcess ? { cpu: storm.cpu, baseCpu: baseline.cpu } : {}),
    ...(firstError ? { firstError } : {}),
  };
}

/** The expired-token storm: the client in the bench's own process. */
async function measure(
  server: StormServer,
  entry: Pick<Planned, 'name' | 'scenario' | 'subject' | 'count' | 'bare'>,
): Promise<Measurement> {
  const { name, scenario, subject, count, bare } = entry;
  // Baseline: the same transport without the auth layer, a valid token, the same number of requests at once.
  // It also opens the socket pool, so the storm does not pay for connection setup.
  const { accessToken } = await server.issueTokens();
  const baseline = summarize(await timedWave(count, () => bare(accessToken)));
  await server.resetStats();
  markStormStart();
  const storm = summarize(await timedWave(count, subject.send));
  return toMeasurement(name, scenario, count, await server.stats(), baseline, storm, false);
}

/** The 401 storm: the client in a process of its own (a storm child), the server here (its own thread). */
async function measureInChild(
  server: StormServer,
  child: StormChild,
  name: string,
  tokens: IssuedTokens,
  count: number,
  pool: number,
  log: (line: string) => void,
): Promise<Measurement> {
  const info: ServerInfo = {
    url: server.url,
    issuer: server.issuer,
    tokenEndpoint: server.tokenEndpoint,
    clientId: server.clientId,
    user: server.user,
  };
  await child.prepare(name, info, tokens, count, pool);
  const { accessToken } = await server.issueTokens();
  const baseline = await child.baseline(accessToken);
  await server.resetStats();
  const { events, ...storm } = await child.storm();
  if (process.env.BENCH_DEBUG) log(JSON.stringify(events));
  return toMeasurement(name, 'unauthorized', count, await server.stats(), baseline, storm, true);
}

/** Why a peer's requests failed, from reading its source (kept short; shown under the table when it fails). */
const peerFailureReasons: [string, string][] = [
  [
    'axios-auth-refresh',
    'with its default `deduplicateRefresh: true`, the instance is "paused" while the refresh runs and any 401 ' +
      'that arrives meanwhile is rejected to the caller instead of queued; only requests *started* during the ' +
      "refresh wait for it. Concurrent requests already on the wire therefore fail (the README's wiring, " +
      'default options).',
  ],
  [
    'weaviate-client',
    'every REST call first GETs `/v1/.well-known/openid-configuration`, and every call that finds the token ' +
      'expired runs its own refresh (provider discovery + token request) with the same refresh token; the ' +
      'provider rotates refresh tokens, so all but the first get `invalid_grant`. It never retries a 401 ' +
      '(`WeaviateUnauthenticatedError`), so in the 401 storm every request fails.',
  ],
];

/** What `prepareStorm()` sets up ahead of time so the stale tokens can expire while other sections run. */
export interface PreparedStorm {
  server: StormServer;
  readyAt: number;
  run(): Promise<Table[]>;
  close(): Promise<void>;
}

interface Planned {
  name: string;
  ours: boolean;
  scenario: Scenario;
  round: number;
  count: number;
  subject: Subject;
  bare: (token: string) => Promise<unknown>;
}

/**
 * 401-storm clients that run in turn, each in a process of its own, for `rounds` rounds: one of ours beside
 * @badgateway (the order alternating from round to round), or a peer alone. One stale token set per client
 * per round, issued up front so that all have expired on the server when the storm section runs.
 */
interface StormGroup {
  names: string[];
  tokens: IssuedTokens[][];
}

/** One 401-storm run, with the @badgateway run of the same round when it ran beside one of ours. */
interface PairedMeasurement extends Measurement {
  peer?: Measurement;
}

export async function prepareStorm(options: StormOptions): Promise<PreparedStorm> {
  const where = options.serverIn ?? (canUseWorker() ? 'worker' : 'inline');
  const serverOptions = { accessTokenTtl: options.tokenTtl, refreshTokenTtl: 3600 };
  const server =
    where === 'worker' ? await startWorkerServer(serverOptions) : await startInlineServer(serverOptions);
  const planned: Planned[] = [];
  const groups: StormGroup[] = [];
  const { specs, fetchBare } = contenders();
  const count401 = options.unauthorizedConcurrency;
  const rounds401 = options.unauthorizedRounds;
  try {
    const count = options.expiredConcurrency;
    for (let round = 0; round < options.expiredRounds; round++) {
      // Each round starts at another client, so that no client always runs right after the same neighbour
      // (after the heaviest storm, or after the lightest).
      const offset = (round * 3) % specs.length;
      for (const spec of [...specs.slice(offset), ...specs.slice(0, offset)]) {
        if (spec.only && spec.only !== 'expired') continue;
        const tokens = await server.issueTokens();
        planned.push({
          name: spec.name,
          ours: spec.ours,
          scenario: 'expired',
          round,
          count,
          subject: spec.create(server, tokens, tokens.expiresIn, 'expired', options.pool),
          bare: spec.bare(server, options.pool),
        });
      }
      const tokens = await server.issueTokens();
      planned.push({
        name: weaviateClientSpec.name,
        ours: false,
        scenario: 'expired',
        round,
        count: Math.min(count, options.weaviateClientConcurrency),
        subject: await weaviateClientSpec.create(server, tokens, tokens.expiresIn),
        bare: fetchBare(server, options.pool),
      });
    }
    const issue = async (names: string[]) => {
      const tokens: IssuedTokens[][] = [];
      // Round 0 is each process's warm-up (not counted), then the measured rounds.
      for (let round = 0; round <= rounds401; round++) {
        const set: IssuedTokens[] = [];
        for (const _ of names) set.push(await server.issueTokens());
        tokens.push(set);
      }
      groups.push({ names, tokens });
    };
    for (const spec of specs) {
      if (spec.only && spec.only !== 'unauthorized') continue;
      if (spec.ours) await issue([spec.name, partnerOf(spec.name)]);
      else if (!spec.name.startsWith(badgatewayName)) await issue([spec.name]);
    }
    await issue([weaviateClientSpec.name]);
  } catch (error) {
    await Promise.all(planned.map((entry) => entry.subject.close().catch(() => undefined)));
    await server.close();
    throw error;
  }
  // Every stale token is dead on the server one TTL (+1 s of margin) after the last one was issued.
  const readyAt = Date.now() + options.tokenTtl * 1000 + 1000;
  options.log(
    `storm: ${planned.length} clients prepared in this process and ${groups.length} groups of 401-storm ` +
      `clients, server in ${where}; stale tokens expire in ${options.tokenTtl + 1} s`,
  );

  const close = async () => {
    await Promise.all(planned.map((entry) => entry.subject.close().catch(() => undefined)));
    await server.close();
  };

  const run = async (): Promise<Table[]> => {
    // Every 401-storm client process starts now, all at once, while the stale tokens expire and before
    // anything is measured: starting one (tsx loading the sources) costs more than a smoke run's storms.
    const processes = options.processPerClient
      ? groups.reduce((sum, group) => sum + group.names.length, 0)
      : Math.max(...groups.map((group) => group.names.length));
    const forking = Promise.allSettled(Array.from({ length: processes }, () => forkStormChild()));
    const wait = readyAt - Date.now();
    if (wait > 0) {
      options.log(`storm: waiting ${(wait / 1000).toFixed(1)} s for the stale tokens to expire`);
      await sleep(wait);
    }
    const forked = await forking;
    const all = forked.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    try {
      const refused = forked.find((result) => result.status === 'rejected');
      if (refused) throw refused.reason;
      return await measureAll(all);
    } finally {
      await Promise.all(all.map((child) => child.close()));
    }
  };

  /** The storms, each 401-storm group in the processes forked for it (`all`: in the groups' order, or shared). */
  const measureAll = async (all: StormChild[]): Promise<Table[]> => {
    const expired = new Map<string, Measurement[]>();
    for (const entry of planned) {
      const measurement = await measure(server, entry);
      await entry.subject.close();
      const key = `${entry.name}\u0000${entry.count}`;
      expired.set(key, [...(expired.get(key) ?? []), measurement]);
      if (process.env.BENCH_DEBUG) {
        options.log(JSON.stringify([...debugEvents]));
        debugEvents.clear();
      }
      options.log(
        `storm ${entry.scenario} r${entry.round + 1} ${entry.name}: ${measurement.tokenCalls} token calls, ` +
          `${measurement.failed}/${entry.count} failed, p50 ${measurement.p50.toFixed(1)} ms`,
      );
    }
    const unauthorized = new Map<string, PairedMeasurement[]>();
    let next = 0;
    for (const [index, group] of groups.entries()) {
      const first = options.processPerClient ? next : 0;
      next += group.names.length;
      const children = all.slice(first, first + group.names.length);
      try {
        for (let round = 0; round <= rounds401; round++) {
          // A/B, then B/A: each side goes first in every other round (and the groups start on alternate sides).
          const order = group.names.map((_, i) => i);
          if ((round + index) % 2 === 1) order.reverse();
          const warmUp = round === 0;
          const measured: Measurement[] = [];
          for (const i of order) {
            const name = group.names[i] as string;
            const tokens = group.tokens[round]?.[i] as IssuedTokens;
            const child = children[i] as StormChild;
            const m = await measureInChild(server, child, name, tokens, count401, options.pool, options.log);
            measured[i] = m;
            options.log(
              `storm unauthorized ${warmUp ? 'warm-up' : `r${round}`} ${name}: ${m.tokenCalls} token calls, ${m.failed}/${count401} ` +
                `failed, p99 ${m.p99.toFixed(1)} ms, CPU ${m.cpu?.toFixed(0)} ms (baseline ${m.baseCpu?.toFixed(0)} ms)`,
            );
          }
          if (warmUp) continue;
          for (const [i, name] of group.names.entries()) {
            const m = measured[i] as Measurement;
            const peer = i === 0 && group.names.length > 1 ? measured[1] : undefined;
            unauthorized.set(name, [...(unauthorized.get(name) ?? []), { ...m, ...(peer ? { peer } : {}) }]);
          }
        }
      } finally {
        if (options.processPerClient) await Promise.all(children.map((child) => child.close()));
      }
    }
    return [
      buildTable('expired', options, mapKeys(expired), server.where),
      buildTable('unauthorized', options, mapKeys(unauthorized, count401), server.where),
    ];
  };
  return { server, readyAt, run, close };
}

/**
 * Who runs beside one of our rows in the 401 storm: @badgateway under the same client library where it plugs
 * in (ky and graphql-request take its fetch), else @badgateway over the pooled fetch (fetch, axios, the variant).
 */
function partnerOf(name: string): string {
  const adapter = (Object.keys(ourRowName) as AdapterName[]).find((key) => ourRowName[key] === name);
  return adapter && adapter !== 'fetch' && adapter !== 'axios' ? badgatewayUnder(adapter) : badgatewayName;
}

/** Keys 'name\u0000count' for the table (the expired storm's are already so). */
function mapKeys<T>(results: Map<string, T[]>, count?: number): Map<string, T[]> {
  if (count === undefined) return results;
  return new Map([...results].map(([name, list]) => [`${name}\u0000${count}`, list]));
}

/** Median per grant type over the rounds, e.g. 'refresh_token 1' ('–' when no token request was made). */
function grantSummary(list: Measurement[]): string {
  const grants = [...new Set(list.flatMap((m) => Object.keys(m.byGrant)))];
  const parts = grants
    .map((grant) => [grant, median(list.map((m) => m.byGrant[grant] ?? 0))] as const)
    .filter(([, value]) => value > 0)
    .map(([grant, value]) => `${grant} ${fmtInt(value)}`);
  return parts.join(', ') || '–';
}

function buildTable(
  scenario: Scenario,
  options: StormOptions,
  results: Map<string, PairedMeasurement[]>,
  where: StormServer['where'],
): Table {
  const expired = scenario === 'expired';
  const rounds = expired ? options.expiredRounds : options.unauthorizedRounds;
  const serverWhere =
    where === 'worker' ? 'in a worker thread (its own core)' : 'in the same thread as the clients';
  const common =
    `Server: \`startWeaviateServer()\` from @auth/testing (real oidc-provider, RS256 JWTs, refresh-token ` +
    `rotation). At most ${options.pool} requests per client are on the wire at once (a pooled fetch / ` +
    '`http.Agent({ maxSockets })`), the rest queue in the client, as with any connection pool. "Token calls" is ' +
    'every POST to the provider\'s token endpoint during the storm (`stats.tokenRequests`); "discovery" is GETs ' +
    'of `/v1/.well-known/openid-configuration`. "Baseline" is a wave of the same size sent just before through ' +
    'the same client without the auth layer, carrying a valid token (our adapters: the same library, ky, axios, ' +
    'graphql-request or fetch, with the same timeout; @badgateway, the "(variant)" row and weaviate-client: the ' +
    'pooled fetch with the same `AbortSignal.timeout()`; axios-auth-refresh: bare axios); "added" is storm ' +
    'minus baseline, at p50 and p99: what the auth layer and the 401 cost, not what ky or graphql-request ' +
    'cost over plain fetch. ';
  const ourSetup =
    'Our adapters get only `baseUrl` and a `bearerToken({ accessToken, refreshToken, expiresIn })` (no ' +
    '`onEvent` listener), as an app ' +
    'that has been running: its token session started with a first `authorize()` before the storm, and ' +
    "with it core discovered the provider in the background (Weaviate's discovery and the provider's " +
    'metadata, two GETs), so the refresh in the storm is the token POST alone and "discovery" counts none ' +
    'during the storm. @badgateway and axios-auth-refresh were handed the token endpoint. ';
  const text = expired
    ? 'Each client starts with a real access token (and its refresh token) from the embedded provider, ' +
      'told its true lifetime, and waits until it has expired on the server too. Then all requests are ' +
      `started at once. The clients run in the bench's process, the server ${serverWhere}. ${common}` +
      '"Client busy" is how long the client\'s thread ran JavaScript during the storm wave and the baseline ' +
      `wave (event-loop utilisation${where === 'worker' ? '' : ', the server included here'}). ${ourSetup}` +
      `${rounds} round${rounds === 1 ? '' : 's'}${rounds > 1 ? ', each starting at another client' : ''}, ` +
      'medians shown (token calls per round in brackets).'
    : 'Each client holds a real access token that has already expired on the server, but the client is ' +
      'told it has an hour left, so every request goes out with it and gets 401; the client must refresh ' +
      'and retry. ' +
      (options.processPerClient
        ? 'Each client runs in a process of its own'
        : 'The clients run in two processes, one for each side of a pair (this smoke run)') +
      ' (`child_process.fork`, the same TypeScript ' +
      `sources through tsx); the server runs in the bench's process, ${serverWhere}, and the bench's main ` +
      'thread only waits for the client process while a wave runs. ' +
      common +
      '"Client CPU" is the CPU time of the client\'s process during the storm wave and during the baseline wave ' +
      '(`process.cpuUsage()`, user + system, every thread of that process: JavaScript, GC, the HTTP stack; ' +
      "nothing of the server or of the bench), and per request (÷ the wave's requests). Unlike wall time it " +
      'does not count time spent waiting for a core, so it is the steadier comparison on a loaded machine. ' +
      `Each of our clients runs ${rounds} time${rounds === 1 ? '' : 's'} beside @badgateway, one after the ` +
      'other (A/B, then B/A in the next round: each side goes first equally often), both processes started ' +
      'before the first round and kept for all rounds (a fresh client and stale token per round), after one ' +
      'uncounted warm-up round in each process (a baseline and a storm: the first run of a cold process pays ' +
      'for compiling the code and opening the sockets, about twice the CPU of the next ones); ' +
      '"beside @badgateway" gives the median of @badgateway\'s runs in those same rounds. @auth/ky and ' +
      "@auth/graphql-request run beside @badgateway under the same client (its `OAuth2Fetch` as ky's or " +
      'graphql-request\'s `fetch`, the "under" rows), so that both sides pay that library; @auth/fetch, ' +
      "@auth/axios and the variant beside @badgateway over the pooled fetch. @badgateway's own row is the median " +
      'of all its runs over the pooled fetch; the other peers run alone. ' +
      ourSetup +
      'Medians over the rounds (token calls per round in brackets).';
  const columns = [
    'Client',
    'requests',
    'token calls',
    'by grant',
    'discovery',
    'failed',
    'storm p50 / p99',
    'baseline p50 / p99',
    'added p50',
    'added p99',
    ...(expired
      ? ['client busy, storm / baseline']
      : [
          'client CPU, storm / baseline',
          'CPU per request, storm / baseline',
          'beside @badgateway: its added p99, its CPU per storm request',
        ]),
  ];
  const table = newTable(
    expired ? 'storm-expired' : 'storm-401',
    expired
      ? `Refresh storm: ${fmtInt(options.expiredConcurrency)} concurrent requests meet an expired token`
      : `Refresh storm: ${fmtInt(options.unauthorizedConcurrency)} concurrent requests all get 401 for one stale token`,
    text,
    columns,
  );
  const micros = (ms: number) => `${fmtInt(ms * 1000)} µs`;
  for (const [key, list] of results) {
    const [name, count] = key.split('\u0000') as [string, string];
    const requests = Number(count);
    const med = (pick: (m: Measurement) => number) => median(list.map(pick));
    const tokenCalls = med((m) => m.tokenCalls);
    const failed = med((m) => m.failed);
    const p50 = med((m) => m.p50);
    const p99 = med((m) => m.p99);
    const addedP50 = med((m) => m.p50 - m.baseP50);
    const addedP99 = med((m) => m.p99 - m.baseP99);
    const spread = list.length > 1 ? ` (${list.map((m) => m.tokenCalls).join('/')})` : '';
    const row = [
      name,
      fmtInt(requests),
      `${fmtInt(tokenCalls)}${spread}`,
      grantSummary(list),
      fmtInt(med((m) => m.discovery)),
      fmtInt(failed),
      `${fmtMs(p50)} / ${fmtMs(p99)}`,
      `${fmtMs(med((m) => m.baseP50))} / ${fmtMs(med((m) => m.baseP99))}`,
      fmtMs(addedP50, true),
      fmtMs(addedP99, true),
    ];
    table.data[`${name} busy`] = med((m) => m.busy);
    table.data[`${name} base busy`] = med((m) => m.baseBusy);
    if (expired) {
      row.push(`${fmtMs(med((m) => m.busy))} / ${fmtMs(med((m) => m.baseBusy))}`);
    } else {
      const cpu = med((m) => m.cpu ?? Number.NaN);
      const baseCpu = med((m) => m.baseCpu ?? Number.NaN);
      const cpuRange = range(list.map((m) => m.cpu ?? Number.NaN));
      const peers = list.flatMap((m) => (m.peer ? [m.peer] : []));
      const peerP99 = median(peers.map((m) => m.p99 - m.baseP99));
      const peerCpu = median(peers.map((m) => m.cpu ?? Number.NaN)) / requests;
      row.push(
        `${fmtMs(cpu)} / ${fmtMs(baseCpu)} (storm ${fmtMs(cpuRange.min)} – ${fmtMs(cpuRange.max)})`,
        `${micros(cpu / requests)} / ${micros(baseCpu / requests)}`,
        peers.length > 0 ? `${fmtMs(peerP99, true)}, ${micros(peerCpu)}` : '–',
      );
      table.data[`${name} cpu`] = cpu;
      table.data[`${name} base cpu`] = baseCpu;
      table.data[`${name} cpu per request`] = cpu / requests;
      table.data[`${name} base cpu per request`] = baseCpu / requests;
      if (peers.length > 0) {
        table.data[`${name} beside badgateway added p99`] = peerP99;
        table.data[`${name} beside badgateway cpu per request`] = peerCpu;
      }
    }
    table.rows.push(row);
    table.data[`${name} token calls`] = tokenCalls;
    table.data[`${name} failed`] = failed;
    table.data[`${name} requests`] = requests;
    table.data[`${name} discovery`] = med((m) => m.discovery);
    table.data[`${name} added p50`] = addedP50;
    table.data[`${name} added p99`] = addedP99;
    const firstError = list.find((m) => m.firstError)?.firstError;
    if (firstError) table.notes.push(`${name}: first failure seen: \`${firstError.replaceAll('`', "'")}\``);
    if (failed > 0) {
      const why = peerFailureReasons.find(([part]) => name.includes(part))?.[1];
      if (why) table.notes.push(`${name}: ${why}`);
    }
  }
  table.notes.push(
    'weaviate-client is driven over REST: `connectToCustom({ skipInitChecks: true, ... })` skips the gRPC ' +
      'health check (its gRPC port is never dialled, `getMeta()` is a REST call) with ' +
      '`AuthAccessTokenCredentials({ accessToken, refreshToken, expiresIn, silentRefresh: false })`; its silent ' +
      'refresh is a 30 s interval that only starts after a first refresh, so it plays no part here.' +
      (expired && options.weaviateClientConcurrency < options.expiredConcurrency
        ? ` It runs at ${fmtInt(options.weaviateClientConcurrency)} requests, not ` +
          `${fmtInt(options.expiredConcurrency)}: each of its requests makes its own discovery GET, provider ` +
          'metadata GET and token POST, and 30,000 extra provider requests do not fit the time budget of this ' +
          'run on the embedded provider; 1,000 already show the pattern.'
        : ''),
  );
  table.notes.push(
    `Every client has a ${clientTimeoutMs / 1000} s request timeout; none was reached unless a failure says so.`,
  );
  if (!expired) {
    table.notes.push(
      `${variantName}: not a separate product, but @auth/fetch handed the token endpoint the way the peers ` +
        'are (its `tokenSource` posts the refresh grant itself, no discovery, no openid-client), to show ' +
        'what our OIDC refresh costs under this load next to a bare form POST.',
    );
  }
  if (expired && options.expiredConcurrency >= 1000) {
    table.notes.push(
      `At ${fmtInt(options.expiredConcurrency)} requests both waves take seconds: the embedded server verifies ` +
        'every JWT (RS256 through WebCrypto, a few hundred microseconds of its CPU each), so queueing dominates ' +
        'and p50/p99 differences of a second or two, either sign, are run-to-run noise. The refresh itself is ' +
        'one token round trip (milliseconds). Read this table for token calls and failures; the 1,000-request ' +
        '401 table is the better latency comparison.',
    );
  }
  return table;
}
