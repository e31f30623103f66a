import { randomBytes } from 'node:crypto';
import { bearerToken, createAuth } from '@auth/core';
import { redisStore } from '@auth/redis-store';
import { type RedisServer, startRedisServer, startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { createClient } from 'redis';
import { bundleFleetWorker, type FleetWorker, startFleet, total } from '../util/fleet.js';
import type { FleetWorkerConfig } from '../util/fleet-worker.js';
import { fmtInt, sleep } from '../util/stats.js';
import { newTable, type Table } from '../util/table.js';

export interface FleetStormOptions {
  /** Processes sharing the credential. */
  processes: number;
  /** Concurrent requests per process at token expiry. */
  concurrency: number;
  /** Requests per process at the next expiry, to see whether the grant survived. */
  afterRequests: number;
  /** Requests on the wire at once per process when the storm's requests go out. */
  pool: number;
  log: (line: string) => void;
}

/** Access tokens live this long (s): the storm, then the next expiry, come quickly. */
const tokenTtl = 2;

interface FleetResult {
  label: string;
  requests: number;
  atExpiry: WeaviateServer['stats']['tokenRequests'];
  refreshers: number;
  failed: number;
  errors: string[];
  after: { ok: number; failed: number; requests: number; tokenRequests: number; password: number };
}

/** Seeds the shared store from this process, so the token's expiry counts from when it was issued. */
async function seed(
  server: WeaviateServer,
  redis: { url: string; encryptionKey: string },
  tokens: FleetWorkerConfig['token'],
) {
  const client = createClient({ url: redis.url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.sendCommand(['FLUSHALL']);
    const auth = createAuth({
      baseUrl: server.url,
      credentials: bearerToken(tokens),
      store: redisStore({ client, encryptionKey: redis.encryptionKey }),
    });
    await auth.authorize('/v1/meta');
    await auth.close();
  } finally {
    client.destroy();
  }
}

/** Sleeps until `at` has passed, to just after a whole second (the provider's `exp` is in whole seconds). */
async function untilOnASecond(at: number): Promise<void> {
  const target = Math.ceil((Math.max(Date.now(), at) + 100) / 1000) * 1000 + 20;
  await sleep(target - Date.now());
}

async function storm(
  server: WeaviateServer,
  file: string,
  options: FleetStormOptions,
  redis: { url: string; encryptionKey: string } | undefined,
): Promise<FleetResult> {
  const label = redis
    ? '`redisStore({ client, encryptionKey })`'
    : 'each process on its own (`memoryStore()`)';
  const tokens = await server.issueTokens();
  const token = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: tokens.expiresIn,
  };
  const issuedAt = Date.now();
  if (redis) await seed(server, redis, token);
  let fleet: FleetWorker[] = [];
  try {
    fleet = await startFleet(file, options.processes, {
      baseUrl: server.url,
      ...(redis ? { redis } : {}),
      token,
    });
    await Promise.all(fleet.map((worker) => worker.step({ type: 'warmup', count: options.concurrency })));
    // Past the expiry every process computed for itself (each was told `expiresIn` when it started).
    await untilOnASecond(Math.max(issuedAt, Date.now()) + token.expiresIn * 1000);
    server.stats.reset();
    const steps = await Promise.all(
      fleet.map((worker) => worker.step({ type: 'authorize', count: options.concurrency })),
    );
    const atExpiry = { ...server.stats.tokenRequests };
    const authorized = total(steps);
    const refreshers = steps.filter((step) => step.refreshes > 0).length;
    const sent = total(
      await Promise.all(fleet.map((worker) => worker.step({ type: 'send', pool: options.pool }))),
    );
    // The next expiry: does the grant still work, fleet-wide?
    const beforeAfter = { ...server.stats.tokenRequests };
    await sleep(tokenTtl * 1000 + 200);
    const later = total(
      await Promise.all(fleet.map((worker) => worker.step({ type: 'burst', count: options.afterRequests }))),
    );
    const result: FleetResult = {
      label,
      requests: options.processes * options.concurrency,
      atExpiry,
      refreshers,
      failed: authorized.failed + sent.failed,
      errors: [...new Set([...authorized.errors, ...sent.errors])].slice(0, 3),
      after: {
        ok: later.ok,
        failed: later.failed,
        requests: options.processes * options.afterRequests,
        tokenRequests: server.stats.tokenRequests.total - beforeAfter.total,
        password: server.stats.tokenRequests.password - beforeAfter.password,
      },
    };
    if (later.failed > 0)
      result.errors.push(...later.errors.filter((e) => !result.errors.includes(e)).slice(0, 2));
    options.log(
      `fleet-storm ${redis ? 'redis' : 'memory'}: ${atExpiry.total} token requests at expiry, ` +
        `${result.failed}/${result.requests} failed, next expiry ${later.ok}/${result.after.requests} ok`,
    );
    return result;
  } finally {
    await Promise.all(fleet.map((worker) => worker.close()));
  }
}

/**
 * A fleet of processes sharing one bearer token (one grant, one rotating refresh token) meets its expiry,
 * without and with `@auth/redis-store`.
 */
export async function runFleetStorm(options: FleetStormOptions): Promise<Table> {
  // Fails loudly when redis-server is missing (CI installs it): a skipped section would hide that.
  const redis: RedisServer = await startRedisServer();
  let bundle: Awaited<ReturnType<typeof bundleFleetWorker>> | undefined;
  let server: WeaviateServer | undefined;
  try {
    bundle = await bundleFleetWorker();
    server = await startWeaviateServer({ accessTokenTtl: tokenTtl });
    options.log(
      `fleet-storm: ${options.processes} processes x ${options.concurrency} requests, redis at ${redis.url}`,
    );
    const encryptionKey = randomBytes(32).toString('base64');
    const results = [
      await storm(server, bundle.file, options, undefined),
      await storm(server, bundle.file, options, { url: redis.url, encryptionKey }),
    ];
    return buildTable(options, results);
  } finally {
    await server?.close();
    await bundle?.dispose();
    await redis.stop();
  }
}

function grantText(result: FleetResult): string {
  const { ok, requests } = result.after;
  if (ok === requests) return `alive: ${fmtInt(ok)} of ${fmtInt(requests)} ok`;
  if (ok === 0) return `lost: ${fmtInt(requests)} of ${fmtInt(requests)} failed`;
  return `partly: ${fmtInt(ok)} of ${fmtInt(requests)} ok`;
}

function buildTable(options: FleetStormOptions, results: FleetResult[]): Table {
  const table = newTable(
    'fleet-storm',
    `Fleet storm: ${options.processes} processes x ${fmtInt(options.concurrency)} concurrent requests meet the expiry of one shared token`,
    `${options.processes} Node processes (\`child_process.fork\`, one \`createAuth\` each) are given the same ` +
      '`bearerToken({ accessToken, refreshToken, expiresIn })`: one grant, one refresh token, which the ' +
      'provider rotates (oidc-provider in `startWeaviateServer({ accessTokenTtl: 2 })` from @auth/testing; a ' +
      'reused refresh token is `invalid_grant` and revokes the grant). When the token has expired, every ' +
      `process asks for its credential ${fmtInt(options.concurrency)} times at once; "token requests at expiry" ` +
      "is the provider's count (`stats.tokenRequests`) once all have an answer. Then the requests go out " +
      `(${options.pool} at a time per process; a 401 gets one refresh and one retry, as in the adapters). ` +
      `"Grant at next expiry": ${options.afterRequests} more requests per process after the next token has ` +
      'expired too. With the store, each process has its own node-redis client to a local `redis-server` ' +
      '(values AES-256-GCM encrypted); the bench seeds the store with the token before the fleet starts.',
    [
      'Fleet',
      'requests',
      'token requests at expiry',
      'processes that refreshed',
      'failed requests',
      'grant at next expiry',
    ],
  );
  for (const result of results) {
    const grants = (['refresh_token', 'password', 'client_credentials'] as const)
      .filter((grant) => result.atExpiry[grant] > 0)
      .map((grant) => `${grant} ${fmtInt(result.atExpiry[grant])}`)
      .join(', ');
    table.rows.push([
      result.label,
      fmtInt(result.requests),
      `${fmtInt(result.atExpiry.total)}${grants ? ` (${grants})` : ''}`,
      `${fmtInt(result.refreshers)} of ${options.processes}`,
      fmtInt(result.failed),
      grantText(result),
    ]);
    const key = result.label.startsWith('`redisStore') ? 'redis' : 'memory';
    table.data[`${key} token requests`] = result.atExpiry.total;
    table.data[`${key} failed`] = result.failed;
    table.data[`${key} requests`] = result.requests;
    table.data[`${key} refreshers`] = result.refreshers;
    table.data[`${key} after ok`] = result.after.ok;
    table.data[`${key} after requests`] = result.after.requests;
    if (result.errors.length > 0) {
      table.notes.push(
        `${result.label}: failures seen: ${result.errors.map((error) => `\`${error.replaceAll('`', "'")}\``).join('; ')}`,
      );
    }
  }
  const alone = results.find((result) => !result.label.startsWith('`redisStore'));
  table.notes.push(
    'One round each; these are counts, not timings. Without a shared store each process refreshes on its ' +
      'own: the first to present the refresh token gets a new one, the others present a used one ' +
      '(`invalid_grant`)' +
      (alone && alone.after.ok === 0
        ? ', and the provider revokes the grant for everyone, the winner included: at the next expiry its ' +
          'refresh fails too. A bearer token cannot log in again by itself, so the fleet needs a new token ' +
          'from outside.'
        : '.'),
  );
  return table;
}
