import { performance as nodePerformance } from 'node:perf_hooks';
import { type AuthEvent, bearerToken, createAuth, tokenSource } from '@auth/core';
import { withAuth as withFetchAuth } from '@auth/fetch';
import { OAuth2Client as BadgatewayClient, OAuth2Fetch } from '@badgateway/oauth2-client';
import axios, { type AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import weaviate from 'weaviate-client';
import { facades, ourRowName } from '../util/adapters.js';
import { limitFetch, pooledAgent } from '../util/limit.js';
import { fmtInt, fmtMs, median, percentile, sleep } from '../util/stats.js';
import {
  canUseWorker,
  type IssuedTokens,
  type StatsSnapshot,
  type StormServer,
  startInlineServer,
  startWorkerServer,
} from '../util/storm-server.js';
import { newTable, type Table } from '../util/table.js';

export interface StormOptions {
  /** Concurrent requests meeting an expired token (the issue asks for 10,000). */
  expiredConcurrency: number;
  /** The same for the official weaviate-client, which runs its own discovery + token request per call. */
  weaviateClientConcurrency: number;
  /** Concurrent requests that all get 401 for one stale token (the issue asks for 1,000). */
  unauthorizedConcurrency: number;
  /** Rounds of each scenario (medians reported). */
  expiredRounds: number;
  unauthorizedRounds: number;
  /** Access-token lifetime on the provider, seconds: long enough to outlive one storm + baseline wave. */
  tokenTtl: number;
  /** Requests on the wire at once per client (socket pool size). */
  pool: number;
  /** Run the server in a worker thread (own core) or inline. Defaults to a worker under tsx. */
  serverIn?: 'worker' | 'inline';
  log: (line: string) => void;
}

type Scenario = 'expired' | 'unauthorized';

/** A client under test, built around one stale token. `send()` is one user request. */
interface Subject {
  send(): Promise<unknown>;
  close(): Promise<void>;
}

interface ContenderSpec {
  name: string;
  ours: boolean;
  /** Run in one scenario only. */
  only?: Scenario;
  /**
   * Builds the client. `expiresIn` is what the client is told about the stale token: its true lifetime for
   * the 'expired' scenario, one hour (a lie the server exposes with 401s) for 'unauthorized'.
   */
  create(
    server: StormServer,
    tokens: IssuedTokens,
    expiresIn: number,
    scenario: Scenario,
    pool: number,
  ): Subject;
  /**
   * The same transport with no auth layer, sending `Authorization: Bearer <token>` for a valid token: the
   * baseline wave (it also opens the socket pool before the storm).
   */
  bare(server: StormServer, pool: number): (token: string) => Promise<unknown>;
}

const path = '/v1/meta';
const gqlQuery = '{ __typename }';
const clientTimeoutMs = 30_000;

/** The 401-storm-only row that isolates the cost of discovery (not counted among our adapters). */
export const variantName = '(variant) @auth/fetch + `tokenSource` posting to a given token endpoint';
/** `BENCH_DEBUG=1`: our auth events per storm run, logged after each run (which refreshes, why). */
const debugEvents = new Map<string, number>();
/** When the storm wave being measured started (`performance.now()`), for the debug log's timings. */
let stormStartedAt = 0;

/** Counts our auth events for `BENCH_DEBUG=1`, with when (ms into the storm) the first and the last came. */
function debugEvent(event: AuthEvent): void {
  if (!process.env.BENCH_DEBUG) return;
  const key = `${event.type}:${'reason' in event ? event.reason : ''}:${'grant' in event ? event.grant : ''}`;
  debugEvents.set(key, (debugEvents.get(key) ?? 0) + 1);
  const at = Math.round(performance.now() - stormStartedAt);
  if (!debugEvents.has(`${key} first ms`)) debugEvents.set(`${key} first ms`, at);
  debugEvents.set(`${key} last ms`, at);
}

function ours(
  name: string,
  build: (server: StormServer, auth: ReturnType<typeof createAuth>, pool: number) => () => Promise<unknown>,
  bare: ContenderSpec['bare'],
): ContenderSpec {
  return {
    name,
    ours: true,
    create: (server, tokens, expiresIn, _scenario, pool) => {
      const auth = createAuth({
        baseUrl: server.url,
        credentials: bearerToken({
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          expiresIn,
        }),
        onEvent: debugEvent,
      });
      // The app has been running: its token session started long before the token went stale (and with it
      // the provider's discovery, in the background). The storm is what happens later.
      const started = auth.authorize(server.url).catch(() => undefined);
      const send = build(server, auth, pool);
      return {
        send: async () => {
          await started;
          return send();
        },
        close: () => auth.close(),
      };
    },
    bare,
  };
}

function axiosBare(agent: { current?: ReturnType<typeof pooledAgent> }) {
  return (server: StormServer, pool: number) => {
    agent.current ??= pooledAgent(pool);
    const api = axios.create({ baseURL: server.url, httpAgent: agent.current, timeout: clientTimeoutMs });
    return (token: string) => api.get(path, { headers: { Authorization: `Bearer ${token}` } });
  };
}

async function ok(response: Response): Promise<unknown> {
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** Our adapters and the peers, plus the bare pooled fetch (the weaviate-client row's baseline uses it too). */
function contenders(): { specs: ContenderSpec[]; fetchBare: ContenderSpec['bare'] } {
  const ourAxiosAgent: { current?: ReturnType<typeof pooledAgent> } = {};
  const peerAxiosAgent: { current?: ReturnType<typeof pooledAgent> } = {};
  const sharedLimited = new Map<number, ReturnType<typeof limitFetch>>();
  const limited = (pool: number) => {
    let existing = sharedLimited.get(pool);
    if (!existing) {
      existing = limitFetch(pool);
      sharedLimited.set(pool, existing);
    }
    return existing;
  };
  const fetchBare = (server: StormServer, pool: number) => {
    const fetchLimited = limited(pool);
    return async (token: string) =>
      ok(await fetchLimited(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } }));
  };
  // Our adapters through the shared client facade (@auth/test-utils), on the pooled transports.
  const oursSpecs = facades.map((adapter) =>
    ours(
      ourRowName[adapter.name],
      (server, auth, pool) => {
        ourAxiosAgent.current ??= pooledAgent(pool);
        const client = adapter.create(auth, server.url, {
          fetch: limited(pool),
          axios: { httpAgent: ourAxiosAgent.current },
          timeout: clientTimeoutMs,
        });
        const target = adapter.graphql ? '/v1/graphql' : path;
        return async () => {
          const status = await client.request(target, { query: gqlQuery });
          if (status !== 200) throw new Error(`HTTP ${status}`);
        };
      },
      adapter.name === 'axios' ? axiosBare(ourAxiosAgent) : fetchBare,
    ),
  );
  const specs: ContenderSpec[] = [
    ...oursSpecs,
    {
      // Not a separate product: @auth/fetch with the token endpoint handed over, like the peers get it, to
      // show what our OIDC refresh (openid-client) costs under load next to a bare form POST.
      name: variantName,
      ours: true,
      only: 'unauthorized',
      create: (server, tokens, expiresIn, _scenario, pool) => {
        let refreshToken = tokens.refreshToken;
        let first = true;
        const auth = createAuth({
          baseUrl: server.url,
          credentials: tokenSource(async (signal) => {
            if (first) {
              first = false;
              return { accessToken: tokens.accessToken, expiresIn };
            }
            const body = new URLSearchParams({
              grant_type: 'refresh_token',
              client_id: server.clientId,
              refresh_token: refreshToken,
            });
            const response = await fetch(server.tokenEndpoint, { method: 'POST', body, signal });
            if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
            const answer = (await response.json()) as {
              access_token: string;
              refresh_token?: string;
              expires_in: number;
            };
            if (answer.refresh_token) refreshToken = answer.refresh_token;
            return { accessToken: answer.access_token, expiresIn: answer.expires_in };
          }),
          onEvent: debugEvent,
        });
        // Take the stale token now, long before the storm: the token manager spaces token requests at least
        // 500 ms apart, and the storm must not start inside that window.
        const seeded = auth.authorize(server.url).catch(() => undefined);
        const authed = withFetchAuth(limited(pool), auth);
        return {
          send: async () => {
            await seeded;
            return ok(await authed(`${server.url}${path}`, { signal: AbortSignal.timeout(clientTimeoutMs) }));
          },
          close: () => auth.close(),
        };
      },
      bare: fetchBare,
    },
    {
      name: 'axios + axios-auth-refresh (README wiring)',
      ours: false,
      create: (server, tokens, _expiresIn, _scenario, pool) => {
        peerAxiosAgent.current ??= pooledAgent(pool);
        let accessToken = tokens.accessToken;
        let refreshToken = tokens.refreshToken;
        const api: AxiosInstance = axios.create({
          baseURL: server.url,
          httpAgent: peerAxiosAgent.current,
          timeout: clientTimeoutMs,
        });
        api.interceptors.request.use((request) => {
          request.headers.Authorization = `Bearer ${accessToken}`;
          return request;
        });
        // The README's refreshAuthLogic, for an OAuth refresh-token grant.
        const refreshAuthLogic = async (failedRequest: {
          response: { config: { headers: Record<string, string> } };
        }) => {
          const body = new URLSearchParams({
            grant_type: 'refresh_token',
            client_id: server.clientId,
            refresh_token: refreshToken,
          });
          const response = await axios.post<{ access_token: string; refresh_token?: string }>(
            server.tokenEndpoint,
            body,
            { timeout: clientTimeoutMs },
          );
          accessToken = response.data.access_token;
          if (response.data.refresh_token) refreshToken = response.data.refresh_token;
          failedRequest.response.config.headers.Authorization = `Bearer ${accessToken}`;
        };
        createAuthRefresh(api, refreshAuthLogic);
        return { send: () => api.get(path), close: async () => undefined };
      },
      bare: axiosBare(peerAxiosAgent),
    },
    {
      name: '@badgateway/oauth2-client `OAuth2Fetch`',
      ours: false,
      create: (server, tokens, expiresIn, _scenario, pool) => {
        const issuedAt = Date.now();
        const client = new BadgatewayClient({
          server: server.issuer,
          clientId: server.clientId,
          tokenEndpoint: server.tokenEndpoint,
        });
        const wrapper = new OAuth2Fetch({
          client,
          getStoredToken: () => ({
            accessToken: tokens.accessToken,
            refreshToken: tokens.refreshToken,
            expiresAt: issuedAt + expiresIn * 1000,
          }),
          getNewToken: () =>
            client.password({
              username: server.user.username,
              password: server.user.password,
              scope: ['openid', 'offline_access'],
            }),
          scheduleRefresh: false,
        });
        const middleware = wrapper.mw();
        const next = limited(pool);
        return {
          // OAuth2Fetch.fetch() is mw() with the global fetch as `next`; here `next` is the same pooled fetch.
          send: async () =>
            ok(
              await middleware(
                new Request(`${server.url}${path}`, { signal: AbortSignal.timeout(clientTimeoutMs) }),
                (request) => next(request),
              ),
            ),
          close: async () => undefined,
        };
      },
      bare: fetchBare,
    },
  ];
  return { specs, fetchBare };
}

/** The official weaviate-client, driven over REST (skipInitChecks: no gRPC health check at connect). */
const weaviateClientSpec = {
  name: 'weaviate-client 3.12 (`getMeta()`)',
  async create(server: StormServer, tokens: IssuedTokens, expiresIn: number): Promise<Subject> {
    const url = new URL(server.url);
    const client = await weaviate.connectToCustom({
      httpHost: url.hostname,
      httpPort: Number(url.port),
      httpSecure: false,
      grpcHost: url.hostname,
      grpcPort: 1, // never dialled: only REST calls are made
      skipInitChecks: true,
      authCredentials: new weaviate.AuthAccessTokenCredentials({
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresIn,
        silentRefresh: false,
      }),
    });
    return { send: () => client.getMeta(), close: () => client.close() };
  },
};

interface WaveResult {
  failed: number;
  latencies: Float64Array;
  firstError?: string;
}

async function wave(count: number, send: () => Promise<unknown>): Promise<WaveResult> {
  const latencies = new Float64Array(count);
  let failed = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const start = performance.now();
      try {
        await send();
      } catch (error) {
        failed++;
        firstError ??=
          error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 160) : String(error);
      }
      latencies[i] = performance.now() - start;
    }),
  );
  return { failed, latencies, ...(firstError ? { firstError } : {}) };
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
  firstError?: string;
}

/** A wave, with how long the client's thread was busy meanwhile (event-loop utilisation, active ms). */
async function timedWave(
  count: number,
  send: () => Promise<unknown>,
): Promise<WaveResult & { busy: number }> {
  const before = nodePerformance.eventLoopUtilization();
  const result = await wave(count, send);
  return { ...result, busy: nodePerformance.eventLoopUtilization(before).active };
}

async function measure(
  server: StormServer,
  entry: Pick<Planned, 'name' | 'scenario' | 'subject' | 'count' | 'bare'>,
): Promise<Measurement> {
  const { name, scenario, subject, count, bare } = entry;
  // Baseline: the same transport without the auth layer, a valid token, the same number of requests at once.
  // It also opens the socket pool, so the storm does not pay for connection setup.
  const { accessToken } = await server.issueTokens();
  const baseline = await timedWave(count, () => bare(accessToken));
  await server.resetStats();
  stormStartedAt = performance.now();
  const storm = await timedWave(count, subject.send);
  const stats: StatsSnapshot = await server.stats();
  // A storm that met no stale token measured nothing: the tokens had not expired on the server yet.
  if (stats.requests[401] === 0 && stats.tokenRequests.total === 0) {
    throw new Error(
      `storm (${scenario}): ${name} sent ${count} requests and the server refused none and counted no token request: its token was not stale, so the storm measured nothing. Check that the tokens expire (tokenTtl) before the storm starts.`,
    );
  }
  const lat = Array.from(storm.latencies);
  const base = Array.from(baseline.latencies);
  const { total: _total, ...byGrant } = stats.tokenRequests;
  const firstError =
    storm.firstError ?? (baseline.firstError ? `baseline: ${baseline.firstError}` : undefined);
  return {
    tokenCalls: stats.tokenRequests.total,
    byGrant,
    discovery: stats.discoveryRequests,
    failed: storm.failed,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    baseP50: percentile(base, 50),
    baseP99: percentile(base, 99),
    busy: storm.busy,
    baseBusy: baseline.busy,
    ...(firstError ? { firstError } : {}),
  };
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

export async function prepareStorm(options: StormOptions): Promise<PreparedStorm> {
  const where = options.serverIn ?? (canUseWorker() ? 'worker' : 'inline');
  const serverOptions = { accessTokenTtl: options.tokenTtl, refreshTokenTtl: 3600 };
  const server =
    where === 'worker' ? await startWorkerServer(serverOptions) : await startInlineServer(serverOptions);
  const planned: Planned[] = [];
  const { specs, fetchBare } = contenders();
  const scenarios: { scenario: Scenario; rounds: number; count: number }[] = [
    { scenario: 'expired', rounds: options.expiredRounds, count: options.expiredConcurrency },
    { scenario: 'unauthorized', rounds: options.unauthorizedRounds, count: options.unauthorizedConcurrency },
  ];
  try {
    for (const { scenario, rounds, count } of scenarios) {
      for (let round = 0; round < rounds; round++) {
        // Each round starts at another client, so that no client always runs right after the same neighbour
        // (after the heaviest storm, or after the lightest).
        const offset = (round * 3) % specs.length;
        for (const spec of [...specs.slice(offset), ...specs.slice(0, offset)]) {
          if (spec.only && spec.only !== scenario) continue;
          const tokens = await server.issueTokens();
          const expiresIn = scenario === 'expired' ? tokens.expiresIn : 3600;
          planned.push({
            name: spec.name,
            ours: spec.ours,
            scenario,
            round,
            count,
            subject: spec.create(server, tokens, expiresIn, scenario, options.pool),
            bare: spec.bare(server, options.pool),
          });
        }
        const tokens = await server.issueTokens();
        const expiresIn = scenario === 'expired' ? tokens.expiresIn : 3600;
        planned.push({
          name: weaviateClientSpec.name,
          ours: false,
          scenario,
          round,
          count: scenario === 'expired' ? Math.min(count, options.weaviateClientConcurrency) : count,
          subject: await weaviateClientSpec.create(server, tokens, expiresIn),
          bare: fetchBare(server, options.pool),
        });
      }
    }
  } catch (error) {
    await Promise.all(planned.map((entry) => entry.subject.close().catch(() => undefined)));
    await server.close();
    throw error;
  }
  // Every stale token is dead on the server one TTL (+1 s of margin) after the last one was issued.
  const readyAt = Date.now() + options.tokenTtl * 1000 + 1000;
  options.log(
    `storm: ${planned.length} clients prepared, server in ${where}; stale tokens expire in ${options.tokenTtl + 1} s`,
  );

  const close = async () => {
    await Promise.all(planned.map((entry) => entry.subject.close().catch(() => undefined)));
    await server.close();
  };

  const run = async (): Promise<Table[]> => {
    const wait = readyAt - Date.now();
    if (wait > 0) {
      options.log(`storm: waiting ${(wait / 1000).toFixed(1)} s for the stale tokens to expire`);
      await sleep(wait);
    }
    const results = new Map<string, Measurement[]>();
    for (const entry of planned) {
      const measurement = await measure(server, entry);
      await entry.subject.close();
      const key = `${entry.scenario}\u0000${entry.name}\u0000${entry.count}`;
      const list = results.get(key) ?? [];
      list.push(measurement);
      results.set(key, list);
      if (process.env.BENCH_DEBUG) {
        options.log(JSON.stringify([...debugEvents]));
        debugEvents.clear();
      }
      options.log(
        `storm ${entry.scenario} r${entry.round + 1} ${entry.name}: ${measurement.tokenCalls} token calls, ` +
          `${measurement.failed}/${entry.count} failed, p50 ${measurement.p50.toFixed(1)} ms`,
      );
    }
    return scenarios.map(({ scenario, rounds }) =>
      buildTable(scenario, rounds, options, results, server.where),
    );
  };
  return { server, readyAt, run, close };
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
  rounds: number,
  options: StormOptions,
  results: Map<string, Measurement[]>,
  where: StormServer['where'],
): Table {
  const expired = scenario === 'expired';
  const table = newTable(
    expired ? 'storm-expired' : 'storm-401',
    expired
      ? `Refresh storm: ${fmtInt(options.expiredConcurrency)} concurrent requests meet an expired token`
      : `Refresh storm: ${fmtInt(options.unauthorizedConcurrency)} concurrent requests all get 401 for one stale token`,
    (expired
      ? 'Each client starts with a real access token (and its refresh token) from the embedded provider, ' +
        'told its true lifetime, and waits until it has expired on the server too. Then all requests are ' +
        'started at once. '
      : 'Each client holds a real access token that has already expired on the server, but the client is ' +
        'told it has an hour left, so every request goes out with it and gets 401; the client must refresh ' +
        'and retry. ') +
      `Server: \`startWeaviateServer()\` from @auth/testing (real oidc-provider, RS256 JWTs, refresh-token ` +
      `rotation), ${where === 'worker' ? 'in a worker thread (its own core)' : 'in the same thread as the clients'}. ` +
      `At most ${options.pool} requests per client are on the wire at once (a pooled fetch / ` +
      '`http.Agent({ maxSockets })`), the rest queue in the client, as with any connection pool. "Token calls" is ' +
      'every POST to the provider\'s token endpoint during the storm (`stats.tokenRequests`); "discovery" is GETs ' +
      'of `/v1/.well-known/openid-configuration`. "Baseline" is a wave of the same size sent just before through ' +
      'the same transport without any auth layer, carrying a valid token; "added" is storm minus baseline, at ' +
      'p50 and p99. "Client busy" is how long the client\'s thread ran JavaScript during the storm wave and ' +
      `the baseline wave (event-loop utilisation${where === 'worker' ? '' : ', the server included here'}): ` +
      "when it is close to the storm's p50, the client's own work per request, not the server, sets the " +
      'latency. It is wall time the event loop was not idle, so on a loaded machine it also counts time the ' +
      'thread waited for a core. ' +
      'Our adapters get only `baseUrl` and a `bearerToken({ accessToken, refreshToken, expiresIn })`, as an app ' +
      'that has been running: its token session started with a first `authorize()` long before the storm, and ' +
      "with it core discovered the provider in the background (Weaviate's discovery and the provider's " +
      'metadata, two GETs), so the refresh in the storm is the token POST alone and "discovery" counts none ' +
      'during the storm. @badgateway and axios-auth-refresh were handed the token endpoint. ' +
      `${rounds} round${rounds === 1 ? '' : 's'}${rounds > 1 ? ', each starting at another client' : ''}, ` +
      'medians shown (token calls per round in brackets).',
    [
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
      'client busy, storm / baseline',
    ],
  );
  for (const [key, list] of results) {
    const [keyScenario, name, count] = key.split('\u0000') as [Scenario, string, string];
    if (keyScenario !== scenario) continue;
    const med = (pick: (m: Measurement) => number) => median(list.map(pick));
    const tokenCalls = med((m) => m.tokenCalls);
    const failed = med((m) => m.failed);
    const p50 = med((m) => m.p50);
    const p99 = med((m) => m.p99);
    const addedP50 = med((m) => m.p50 - m.baseP50);
    const addedP99 = med((m) => m.p99 - m.baseP99);
    const spread = list.length > 1 ? ` (${list.map((m) => m.tokenCalls).join('/')})` : '';
    table.rows.push([
      name,
      fmtInt(Number(count)),
      `${fmtInt(tokenCalls)}${spread}`,
      grantSummary(list),
      fmtInt(med((m) => m.discovery)),
      fmtInt(failed),
      `${fmtMs(p50)} / ${fmtMs(p99)}`,
      `${fmtMs(med((m) => m.baseP50))} / ${fmtMs(med((m) => m.baseP99))}`,
      fmtMs(addedP50, true),
      fmtMs(addedP99, true),
      `${fmtMs(med((m) => m.busy))} / ${fmtMs(med((m) => m.baseBusy))}`,
    ]);
    table.data[`${name} busy`] = med((m) => m.busy);
    table.data[`${name} base busy`] = med((m) => m.baseBusy);
    table.data[`${name} token calls`] = tokenCalls;
    table.data[`${name} failed`] = failed;
    table.data[`${name} requests`] = Number(count);
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
