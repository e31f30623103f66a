import { randomBytes } from 'node:crypto';
import { redisStore } from '@auth/redis-store';
import {
  bundleWorker,
  flushRedis,
  seedStore,
  startFleet,
  total,
  untilOnASecond,
  type Worker,
  type WorkerCredentials,
} from '@auth/test-utils/fleet';
import { type RedisServer, startRedisServer, startWeaviateServer, type WeaviateServer } from '@auth/testing';
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
  /**
   * Access tokens live this long (s): the storm, then the next expiry, come quickly. Long enough that the
   * refreshed token is still fresh when the slowest process reads it from the store: a 2 s token is in its
   * refresh-ahead window (its last quarter) after 1.5 s, and on a loaded 2-core machine 8 processes took
   * longer than that, each renewing it once more (3 to 6 token requests instead of 1).
   */
  tokenTtl: number;
  log: (line: string) => void;
}

interface FleetResult {
  label: string;
  requests: number;
  atExpiry: WeaviateServer['stats']['tokenRequests'];
  refreshers: number;
  failed: number;
  errors: string[];
  after: { ok: number; failed: number; requests: number; tokenRequests: number; password: number };
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
  const { accessToken, refreshToken, expiresIn } = await server.issueTokens();
  const token = { accessToken, refreshToken, expiresIn };
  const issuedAt = Date.now();
  if (redis) {
    await flushRedis(redis.url);
    await seedStore(server.url, token, redis, redisStore);
  }
  const credentials: WorkerCredentials = { kind: 'bearer', ...token };
  let fleet: Worker[] = [];
  try {
    fleet = await startFleet(file, options.processes, {
      baseUrl: server.url,
      ...(redis ? { redis } : {}),
      credentials,
    });
    await Promise.all(fleet.map((worker) => worker.warmup(options.concurrency)));
    // Past the expiry every process computed for itself (each was told `expiresIn` when it started).
    await untilOnASecond(Math.max(issuedAt, Date.now()) + token.expiresIn * 1000);
    server.stats.reset();
    const authorized = total(await Promise.all(fleet.map((worker) => worker.authorize(options.concurrency))));
    const atExpiry = { ...server.stats.tokenRequests };
    const refreshers = fleet.filter((worker) => worker.count('refresh-started') > 0).length;
    const sent = total(await Promise.all(fleet.map((worker) => worker.send(options.pool))));
    // The next expiry: does the grant still work, fleet-wide?
    const beforeAfter = { ...server.stats.tokenRequests };
    await sleep(options.tokenTtl * 1000 + 200);
    const later = total(await Promise.all(fleet.map((worker) => worker.burst(options.afterRequests))));
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
  let bundle: Awaited<ReturnType<typeof bundleWorker>> | undefined;
  let server: WeaviateServer | undefined;
  try {
    bundle = await bundleWorker(new URL('../util/fleet-worker.ts', import.meta.url));
    server = await startWeaviateServer({ accessTokenTtl: options.tokenTtl });
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
      `provider rotates (oidc-provider in \`startWeaviateServer({ accessTokenTtl: ${options.tokenTtl} })\` from @auth/testing; a ` +
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
