/**
 * Soak: N seconds (default 60, `--seconds N`) of mixed traffic through every adapter (fetch, axios, ky 1,
 * ky 2, graphql-request) and every renewable credential kind, against the embedded server with 1 s access
 * tokens (GETs and POSTs with a body, which a 401 retry must re-send), while the token endpoint misbehaves at random (5xx, hangs past the timeout, slow answers, odd
 * `expires_in`). Only faults a client can recover from are injected, so every request could succeed:
 * the soak fails (exit code 1) on any failed request.
 *
 *   pnpm soak                 # 60 s
 *   pnpm soak -- --seconds 10
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type Auth,
  apiKey,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  oidcPassword,
} from '@auth/core';
import { type MalformedKind, startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { type AdapterName, adapters, sleep } from './harness.js';

export interface SoakOptions {
  readonly seconds: number;
  /** Access token lifetime at the server, in seconds. @default 1 */
  readonly tokenTtl?: number;
  /** Seed of the fault schedule. @default random */
  readonly seed?: number;
  /** Self-check: delete the API key halfway, so that requests fail and the soak must say so. */
  readonly sabotage?: boolean;
}

export interface SoakReport {
  readonly seconds: number;
  readonly requests: number;
  readonly failures: number;
  readonly failureSamples: string[];
  readonly byAdapter: Record<string, { requests: number; failures: number }>;
  readonly tokenRequests: {
    total: number;
    password: number;
    refresh_token: number;
    client_credentials: number;
  };
  /** 401s the server answered (each one renewed and retried by the adapter). */
  readonly serverUnauthorized: number;
  readonly faults: Record<string, number>;
  readonly heap: { startMb: number; endMb: number; growthMb: number };
  readonly seed: number;
}

type Kind = 'oidcPassword' | 'clientCredentials' | 'bearerToken' | 'apiKey';
const KINDS: Kind[] = ['oidcPassword', 'clientCredentials', 'bearerToken', 'apiKey'];

/** A small deterministic generator, so that a failing schedule can be replayed with `--seed`. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const gc: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

function heapMb(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function credentialsFor(kind: Kind, server: WeaviateServer): Promise<Credentials> {
  switch (kind) {
    case 'oidcPassword':
      return oidcPassword(server.users.admin);
    case 'clientCredentials':
      return clientCredentials(server.clients.service);
    case 'bearerToken':
      return bearerToken(await server.issueTokens());
    case 'apiKey':
      return apiKey(server.keys.admin);
  }
}

/** Recoverable token endpoint faults: each is one or two bad answers, then the provider behaves. */
const FAULTS: [string, (server: WeaviateServer, pick: () => number) => number][] = [
  [
    '503 x1-2',
    (s, pick) => {
      const count = pick() < 0.5 ? 1 : 2;
      s.faults.failTokenRequests(count, 503);
      return count;
    },
  ],
  [
    '500 x1',
    (s) => {
      s.faults.failTokenRequests(1, 500);
      return 1;
    },
  ],
  [
    'hang past the timeout',
    (s) => {
      s.faults.hangTokenRequests(1_500, 1);
      return 1;
    },
  ],
  [
    'slow answer (300 ms)',
    (s) => {
      s.faults.hangTokenRequests(300, 1);
      return 1;
    },
  ],
  ...(
    ['expires-in-huge', 'expires-in-zero', 'expires-in-negative', 'expires-in-string'] as MalformedKind[]
  ).map((kind): [string, (server: WeaviateServer) => number] => [
    kind,
    (s) => {
      s.faults.malformedTokenResponses(kind, 1);
      return 1;
    },
  ]),
];

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const pick = random(seed);
  const server = await startWeaviateServer({ accessTokenTtl: options.tokenTtl ?? 1 });
  const auths: Auth[] = [];
  const byAdapter: Record<string, { requests: number; failures: number }> = {};
  const failureSamples: string[] = [];
  const faults: Record<string, number> = {};
  let requests = 0;
  let failures = 0;
  try {
    const clients: {
      adapter: AdapterName;
      kind: Kind;
      request: (path: string, body?: unknown) => Promise<number>;
    }[] = [];
    for (const adapter of adapters) {
      byAdapter[adapter.name] = { requests: 0, failures: 0 };
      for (const kind of KINDS) {
        const auth = createAuth({
          baseUrl: server.url,
          credentials: await credentialsFor(kind, server),
          timeout: 1_000,
        });
        auths.push(auth);
        const client = adapter.create(auth, server.url);
        clients.push({
          adapter: adapter.name,
          kind,
          request: (path, body) => client.request(path, body === undefined ? {} : { method: 'POST', body }),
        });
      }
    }
    // Warm up (first tokens, discovery), then measure the heap.
    await Promise.all(clients.map((client) => client.request('/v1/meta')));
    const heapStart = heapMb();
    server.stats.reset();

    const end = Date.now() + options.seconds * 1_000;
    const workers = clients.map(async (client, index) => {
      for (let n = 0; Date.now() < end; n++) {
        const roll = (index + n) % 4;
        const [path, body] =
          roll === 0
            ? ['/v1/graphql', { query: `{ Aggregate { Soak { meta { count } } } } # ${n}` }]
            : roll === 1
              ? ['/v1/meta', undefined]
              : ['/v1/objects', undefined];
        requests++;
        byAdapter[client.adapter]!.requests++;
        let outcome: string;
        try {
          const status = await client.request(path, body);
          outcome = status >= 200 && status < 300 ? 'ok' : `HTTP ${status}`;
        } catch (error) {
          outcome = `${(error as Error)?.name}: ${(error as Error)?.message}`;
        }
        if (outcome !== 'ok') {
          failures++;
          byAdapter[client.adapter]!.failures++;
          if (failureSamples.length < 20) {
            failureSamples.push(
              `${client.adapter} / ${client.kind} ${body ? 'POST' : 'GET'} ${path}: ${outcome}`,
            );
          }
        }
        await sleep(10 + Math.floor(pick() * 40));
      }
    });
    // The fault schedule: a new fault only once the last one was used and a few clean token requests
    // followed, so that no credential meets more bad answers in a row than its retries absorb.
    const chaos = (async () => {
      let quietUntil = 0;
      while (Date.now() < end - 1_500) {
        await sleep(200 + Math.floor(pick() * 600));
        if (server.stats.tokenRequests.total < quietUntil) continue;
        const [name, inject] = FAULTS[Math.floor(pick() * FAULTS.length)]!;
        const count = inject(server, pick);
        faults[name] = (faults[name] ?? 0) + 1;
        quietUntil = server.stats.tokenRequests.total + count + 8;
      }
    })();
    const sabotage = options.sabotage
      ? sleep((options.seconds * 1_000) / 2).then(() => server.keys.delete(server.keys.admin))
      : Promise.resolve();
    await Promise.all([...workers, chaos, sabotage]);
    await Promise.all(auths.map((auth) => auth.close()));
    const heapEnd = heapMb();
    return {
      seconds: options.seconds,
      requests,
      failures,
      failureSamples,
      byAdapter,
      tokenRequests: { ...server.stats.tokenRequests },
      serverUnauthorized: server.stats.requests[401],
      faults,
      heap: {
        startMb: round(heapStart),
        endMb: round(heapEnd),
        growthMb: round(heapEnd - heapStart),
      },
      seed,
    };
  } finally {
    await Promise.all(auths.map((auth) => auth.close()));
    await server.close();
  }
}

const round = (value: number) => Math.round(value * 10) / 10;

export function formatReport(report: SoakReport): string {
  const lines = [
    `soak: ${report.seconds} s, 1 s access tokens, seed ${report.seed}`,
    '',
    '| adapter | requests | failures |',
    '| --- | ---: | ---: |',
    ...Object.entries(report.byAdapter).map(
      ([name, counts]) => `| ${name} | ${counts.requests} | ${counts.failures} |`,
    ),
    `| **all** | **${report.requests}** | **${report.failures}** |`,
    '',
    `token requests: ${report.tokenRequests.total} (password ${report.tokenRequests.password}, refresh_token ${report.tokenRequests.refresh_token}, client_credentials ${report.tokenRequests.client_credentials})`,
    `401s answered by the server (renewed and retried): ${report.serverUnauthorized}`,
    `faults injected: ${Object.entries(report.faults)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ')}`,
    `heap: ${report.heap.startMb} MB after warm-up, ${report.heap.endMb} MB at the end (growth ${report.heap.growthMb} MB)`,
  ];
  if (report.failureSamples.length > 0)
    lines.push('', 'failures:', ...report.failureSamples.map((s) => `  ${s}`));
  return lines.join('\n');
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index !== -1) return process.argv[index + 1];
  const inline = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

if (process.argv[1] && /soak\.[cm]?[jt]s$/.test(process.argv[1])) {
  const seconds = Number(argument('seconds') ?? '60');
  const seed = argument('seed');
  if (!Number.isFinite(seconds) || seconds <= 0) {
    console.error('soak: --seconds must be a positive number, e.g. --seconds 60');
    process.exit(2);
  }
  const report = await runSoak({ seconds, ...(seed ? { seed: Number(seed) } : {}) });
  console.log(formatReport(report));
  process.exit(report.failures === 0 ? 0 : 1);
}
