// The clients of the refresh storms (ours and the peers), built around one stale token each, and the
// waves that drive them. Used in the bench's process (the expired-token storm) and in the child process
// of each 401-storm client (src/util/storm-child.ts).
import { performance as nodePerformance } from 'node:perf_hooks';
import { type Auth, type AuthEvent, bearerToken, createAuth, tokenSource } from '@auth/core';
import { withAuth as withFetchAuth } from '@auth/fetch';
import type { AdapterName } from '@auth/test-utils/clients';
import { OAuth2Client as BadgatewayClient, OAuth2Fetch } from '@badgateway/oauth2-client';
import axios, { type AxiosInstance } from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import { facades, ourRowName } from '../util/adapters.js';
import { limitFetch, pooledAgent } from '../util/limit.js';
import { percentile, sleep } from '../util/stats.js';
import type { WaveSummary } from '../util/storm-process.js';
import type { IssuedTokens, StormServer } from '../util/storm-server.js';

export type Scenario = 'expired' | 'unauthorized';

/** What a client is given about the server: where it is and whom to ask for tokens (no control calls). */
export type ServerInfo = Pick<StormServer, 'url' | 'issuer' | 'tokenEndpoint' | 'clientId' | 'user'>;

/** A client under test, built around one stale token. `send()` is one user request. */
export interface Subject {
  send(): Promise<unknown>;
  /** Resolves when the client is as an app that has been running (ours: the provider discovered). */
  ready?: Promise<void>;
  close(): Promise<void>;
}

export interface ContenderSpec {
  name: string;
  ours: boolean;
  /** Run in one scenario only. */
  only?: Scenario;
  /**
   * Builds the client. `expiresIn` is what the client is told about the stale token: its true lifetime for
   * the 'expired' scenario, one hour (a lie the server exposes with 401s) for 'unauthorized'.
   */
  create(
    server: ServerInfo,
    tokens: IssuedTokens,
    expiresIn: number,
    scenario: Scenario,
    pool: number,
  ): Subject;
  /**
   * The same transport with no auth layer, sending `Authorization: Bearer <token>` for a valid token: the
   * baseline wave (it also opens the socket pool before the storm).
   */
  bare(server: ServerInfo, pool: number): (token: string) => Promise<unknown>;
}

const path = '/v1/meta';

/** The peer each of our clients runs beside in the 401 storm. */
export const badgatewayName = '@badgateway/oauth2-client `OAuth2Fetch`';
const gqlQuery = '{ __typename }';
export const clientTimeoutMs = 30_000;

/** The 401-storm-only row that isolates the cost of discovery (not counted among our adapters). */
export const variantName = '(variant) @auth/fetch + `tokenSource` posting to a given token endpoint';
/** `BENCH_DEBUG=1`: our auth events per storm run, logged after each run (which refreshes, why). */
export const debugEvents = new Map<string, number>();
/** When the storm wave being measured started (`performance.now()`), for the debug log's timings. */
let stormStartedAt = 0;

/** Marks the start of the storm wave being measured (for the debug log's timings). */
export function markStormStart(): void {
  stormStartedAt = performance.now();
}

const debugging = Boolean(process.env.BENCH_DEBUG);
/** Whether an auth object of this process has discovered the provider before (the OIDC code is loaded). */
let discoverySettled = false;

/** Counts our auth events for `BENCH_DEBUG=1`, with when (ms into the storm) the first and the last came. */
function debugEvent(event: AuthEvent): void {
  const key = `${event.type}:${'reason' in event ? event.reason : ''}:${'grant' in event ? event.grant : ''}`;
  debugEvents.set(key, (debugEvents.get(key) ?? 0) + 1);
  const at = Math.round(performance.now() - stormStartedAt);
  if (!debugEvents.has(`${key} first ms`)) debugEvents.set(`${key} first ms`, at);
  debugEvents.set(`${key} last ms`, at);
}

function ours(
  name: string,
  build: (server: ServerInfo, auth: ReturnType<typeof createAuth>, pool: number) => () => Promise<unknown>,
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
        // No listener unless debugging: with one, core builds and scrubs an event per 401, which an app that
        // does not listen does not pay (and @badgateway has no events).
        ...(debugging ? { onEvent: debugEvent } : {}),
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
        // Discovery runs in the background once the session started: two loopback GETs, and in a fresh
        // process the lazy load of the OIDC code first. The "discovery" column shows it was done in time.
        ready: started
          .then(() => sleep(discoverySettled ? 250 : 1500))
          .then(() => {
            discoverySettled = true;
          }),
        close: () => auth.close(),
      };
    },
    bare,
  };
}

function axiosBare(agent: { current?: ReturnType<typeof pooledAgent> }) {
  return (server: ServerInfo, pool: number) => {
    agent.current ??= pooledAgent(pool);
    const api = axios.create({ baseURL: server.url, httpAgent: agent.current, timeout: clientTimeoutMs });
    return (token: string) => api.get(path, { headers: { Authorization: `Bearer ${token}` } });
  };
}

async function ok(response: Response): Promise<unknown> {
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** The row of @badgateway's `OAuth2Fetch` under the client of one of our adapters (ky, graphql-request). */
export function badgatewayUnder(adapter: AdapterName): string {
  return `${badgatewayName} under ${adapter}`;
}

/** @badgateway's `OAuth2Fetch` middleware around one stale token (told `expiresIn`), handed the token endpoint. */
function badgatewayMiddleware(server: ServerInfo, tokens: IssuedTokens, expiresIn: number) {
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
  return wrapper.mw();
}

/** Our adapters and the peers, plus the bare pooled fetch (the weaviate-client row's baseline uses it too). */
export function contenders(): { specs: ContenderSpec[]; fetchBare: ContenderSpec['bare'] } {
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
  const fetchBare = (server: ServerInfo, pool: number) => {
    const fetchLimited = limited(pool);
    return async (token: string) =>
      ok(
        await fetchLimited(`${server.url}${path}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(clientTimeoutMs),
        }),
      );
  };
  // Our adapters through the shared client facade (@auth/test-utils), on the pooled transports; the
  // baseline is the same facade client without `auth` (the same library, the same timeout), so that
  // "added" is what the auth layer adds, not what ky or graphql-request cost over plain fetch.
  const facadeClient = (
    adapter: (typeof facades)[number],
    auth: Auth | undefined,
    server: ServerInfo,
    pool: number,
    fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> = limited(pool),
  ) => {
    ourAxiosAgent.current ??= pooledAgent(pool);
    const client = adapter.create(auth, server.url, {
      fetch,
      axios: { httpAgent: ourAxiosAgent.current },
      timeout: clientTimeoutMs,
    });
    const target = adapter.graphql ? '/v1/graphql' : path;
    return async (headers?: Record<string, string>) => {
      const status = await client.request(target, { query: gqlQuery, ...(headers ? { headers } : {}) });
      if (status !== 200) throw new Error(`HTTP ${status}`);
    };
  };
  const oursSpecs = facades.map((adapter) =>
    ours(
      ourRowName[adapter.name],
      (server, auth, pool) => {
        const send = facadeClient(adapter, auth, server, pool);
        return () => send();
      },
      (server, pool) => {
        const send = facadeClient(adapter, undefined, server, pool);
        return (token) => send({ authorization: `Bearer ${token}` });
      },
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
          ...(debugging ? { onEvent: debugEvent } : {}),
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
      name: badgatewayName,
      ours: false,
      create: (server, tokens, expiresIn, _scenario, pool) => {
        const middleware = badgatewayMiddleware(server, tokens, expiresIn);
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
    // @badgateway under the same client as our ky and graphql-request adapters (its OAuth2Fetch as the
    // client's `fetch`), so that each of them runs beside a peer that pays the same client library.
    ...facades
      .filter((adapter) => adapter.name !== 'fetch' && adapter.name !== 'axios')
      .map(
        (adapter): ContenderSpec => ({
          name: badgatewayUnder(adapter.name),
          ours: false,
          only: 'unauthorized',
          create: (server, tokens, expiresIn, _scenario, pool) => {
            const middleware = badgatewayMiddleware(server, tokens, expiresIn);
            const next = limited(pool);
            const send = facadeClient(adapter, undefined, server, pool, (input, init) =>
              middleware(new Request(input, init), (request) => next(request)),
            );
            return { send: () => send(), close: async () => undefined };
          },
          bare: (server, pool) => {
            const send = facadeClient(adapter, undefined, server, pool);
            return (token) => send({ authorization: `Bearer ${token}` });
          },
        }),
      ),
  ];
  return { specs, fetchBare };
}

/** The official weaviate-client, driven over REST (skipInitChecks: no gRPC health check at connect). */
export const weaviateClientSpec = {
  name: 'weaviate-client 3.12 (`getMeta()`)',
  async create(server: ServerInfo, tokens: IssuedTokens, expiresIn: number): Promise<Subject> {
    // Loaded here, not with this module: a storm child that runs another client does not pay for it.
    const { default: weaviate } = await import('weaviate-client');
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

export interface WaveResult {
  failed: number;
  latencies: Float64Array;
  firstError?: string;
}

export async function wave(count: number, send: () => Promise<unknown>): Promise<WaveResult> {
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

/** A wave's latencies, with the client's own work meanwhile. */
export interface TimedWave extends WaveResult {
  /** ms the client's thread ran during the wave (event-loop utilisation, active time: wall time). */
  busy: number;
  /** ms of CPU the client's process used during the wave (`process.cpuUsage()`, user + system, all threads). */
  cpu: number;
}

/** A wave, with how long the client's thread was busy and how much CPU its process used meanwhile. */
export async function timedWave(count: number, send: () => Promise<unknown>): Promise<TimedWave> {
  const before = nodePerformance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const result = await wave(count, send);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    ...result,
    busy: nodePerformance.eventLoopUtilization(before).active,
    cpu: (cpu.user + cpu.system) / 1000,
  };
}

/** The latencies of a wave as the table uses them, with the client's work meanwhile. */
export function summarize(result: TimedWave): WaveSummary {
  const latencies = Array.from(result.latencies);
  return {
    failed: result.failed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    busy: result.busy,
    cpu: result.cpu,
    ...(result.firstError ? { firstError: result.firstError } : {}),
  };
}
