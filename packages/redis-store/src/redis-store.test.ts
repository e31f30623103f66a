import { inspect } from 'node:util';
import {
  type Auth,
  apiKey,
  bearerToken,
  ConfigurationError,
  type Credentials,
  createAuth,
  oidcPassword,
} from '@auth/core';
import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startRedis, type TestRedis } from './__test__/redis-server.js';
import { send } from './__test__/requests.js';
import { RedisStoreError } from './errors.js';
import type { RedisStoreEvent } from './events.js';
import { type RedisStoreOptions, redisStore } from './redis-store.js';

// Each "process" below has its own node-redis client, store and auth object, as separate processes would;
// fleet.test.ts does the same with real child processes.

function newClient() {
  const client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => {});
  return client;
}
type Client = ReturnType<typeof newClient>;

let redis: TestRedis;
let server: WeaviateServer;
let admin: Client;
const opened: { client: Client; auth?: Auth }[] = [];

const KEY_A = Buffer.alloc(32, 7).toString('base64');
const KEY_B = Buffer.alloc(32, 9).toString('base64');

beforeAll(async () => {
  [redis, server] = await Promise.all([startRedis(), startWeaviateServer({ accessTokenTtl: 2 })]);
  admin = await connect();
});

afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

beforeEach(async () => {
  await admin.sendCommand(['FLUSHALL']);
  server.stats.reset();
  server.faults.reset();
});

afterEach(async () => {
  for (const { client, auth } of opened.splice(0)) {
    await auth?.close();
    if (client !== admin) client.destroy();
  }
});

async function connect(): Promise<Client> {
  const client = newClient();
  await client.connect();
  return client;
}

interface Member {
  auth: Auth;
  client: Client;
  events: RedisStoreEvent[];
  store: ReturnType<typeof redisStore>;
}

/** One process of the fleet: its own client, store and auth object. */
async function member(
  options: Partial<RedisStoreOptions> = {},
  credentials: Credentials = oidcPassword(server.users.admin),
  on: WeaviateServer = server,
): Promise<Member> {
  const client = await connect();
  const events: RedisStoreEvent[] = [];
  const store = redisStore({ client, onEvent: (event) => events.push(event), ...options });
  const auth = createAuth({ baseUrl: on.url, credentials, store });
  opened.push({ client, auth });
  return { auth, client, events, store };
}

async function keys(pattern = '*'): Promise<string[]> {
  return (await admin.sendCommand(['KEYS', pattern])) as string[];
}

async function storedValue(): Promise<string> {
  const [key] = await keys('*:token');
  return (await admin.sendCommand(['GET', key!])) as string;
}

function bearer(headers: Record<string, string>): string {
  return headers.Authorization!.replace(/^Bearer /, '');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('keys and values', () => {
  test('a key is a hash of server, credential kind and identity: no URL, user name or secret in it', async () => {
    const a = await member();
    await a.auth.authorize('/v1/meta');
    const readOnly = await member({}, oidcPassword(server.users.readOnly));
    await readOnly.auth.authorize('/v1/meta');

    const names = await keys();
    expect(names).toHaveLength(2); // one per identity; the refresh locks are released
    for (const name of names) {
      expect(name).toMatch(/^auth:\{[0-9a-f]{32}\}:token$/);
      for (const leak of [
        server.users.admin.username,
        server.users.admin.password,
        String(new URL(server.url).port),
      ]) {
        expect(name).not.toContain(leak);
      }
    }
  });

  test('credentials without identity (API keys, bearer tokens) are not shared: no process gets another one’s', async () => {
    const adminKey = await member({}, apiKey(server.keys.admin));
    const readOnlyKey = await member({}, apiKey(server.keys.readOnly));
    expect(await adminKey.auth.authorize('/v1/meta')).toEqual({
      Authorization: `Bearer ${server.keys.admin}`,
    });
    expect(await readOnlyKey.auth.authorize('/v1/meta')).toEqual({
      Authorization: `Bearer ${server.keys.readOnly}`,
    });
    expect(await keys()).toEqual([]); // and no API key lands in Redis

    const first = await server.issueTokens();
    const second = await server.issueTokens(server.users.readOnly);
    const one = await member({}, bearerToken(first));
    const other = await member({}, bearerToken(second));
    expect(await one.auth.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${first.accessToken}` });
    expect(await other.auth.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${second.accessToken}` });
    expect(await keys()).toEqual([]);
  });

  test('shareUnnamed: true shares them (one bearer token given to the whole fleet)', async () => {
    const tokens = await server.issueTokens();
    const one = await member({ shareUnnamed: true }, bearerToken(tokens));
    const other = await member({ shareUnnamed: true }, bearerToken(tokens));
    await one.auth.authorize('/v1/meta');
    await other.auth.authorize('/v1/meta');
    expect(await keys()).toEqual([expect.stringMatching(/:token$/)]);
  });

  test('the prefix option namespaces the keys', async () => {
    const a = await member({ prefix: 'my-app:auth:' });
    await a.auth.authorize('/v1/meta');
    expect(await keys()).toEqual([expect.stringMatching(/^my-app:auth:\{[0-9a-f]{32}\}:token$/)]);
  });

  test('without encryptionKey the value holds the tokens in clear: Redis access gives them away', async () => {
    const a = await member();
    const token = bearer(await a.auth.authorize('/v1/meta'));
    const value = await storedValue();
    expect(value).toContain(token);
    expect(value).toMatch(/"refreshToken":"[^"]+"/);
  });

  test('with encryptionKey the value is AES-GCM ciphertext, and another process with the key uses it', async () => {
    const a = await member({ encryptionKey: KEY_A });
    const token = bearer(await a.auth.authorize('/v1/meta'));
    const value = await storedValue();
    expect(value).not.toContain(token);
    expect(value).not.toContain('refreshToken');
    expect(value).toMatch(/^v1\|\d+\|\d+\|aes-gcm:[0-9a-f]{8}\|[\w-]+\.[\w-]+$/);

    const b = await member({ encryptionKey: new Uint8Array(Buffer.from(KEY_A, 'base64')) });
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(token);
    expect(await send(b.auth)).toBe(200);
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(a.events).toEqual([]);
    expect(b.events).toEqual([]);
  });

  test('a wrong key: a clear decrypt-failed event, then a fresh grant that works', async () => {
    const a = await member({ encryptionKey: KEY_A });
    const token = bearer(await a.auth.authorize('/v1/meta'));
    const b = await member({ encryptionKey: KEY_B });

    expect(await send(b.auth)).toBe(200);

    expect(server.stats.tokenRequests.password).toBe(2);
    expect(b.events).toHaveLength(1);
    const event = b.events[0] as Extract<RedisStoreEvent, { type: 'decrypt-failed' }>;
    expect(event.type).toBe('decrypt-failed');
    expect(event.error).toBeInstanceOf(RedisStoreError);
    expect(event.error.code).toBe('AUTH_REDIS_DECRYPT_FAILED');
    expect(event.error.message).toMatch(
      /encrypted with another key \(key id [0-9a-f]{8}; this process has key id [0-9a-f]{8}\)/,
    );
    expect(event.error.message).toContain('same `encryptionKey`');
    expect(event.error.message).toContain('gets a fresh token');
    const report = JSON.stringify(event) + inspect(event, { depth: 5 }) + event.error.message;
    expect(report).not.toContain(token);
    expect(report).not.toContain(KEY_A);
    expect(report).not.toContain(KEY_B);
  });

  test('a process without the key, or one with a key reading a clear value, says which', async () => {
    const withKey = await member({ encryptionKey: KEY_A });
    await withKey.auth.authorize('/v1/meta');
    const withoutKey = await member();
    expect(await send(withoutKey.auth)).toBe(200);
    expect(withoutKey.events.map((e) => e.type)).toEqual(['decrypt-failed']);
    expect((withoutKey.events[0] as { error: Error }).error.message).toContain(
      'this process has no `encryptionKey`',
    );

    // withoutKey's fresh token replaced it, in clear; a process with a key refuses clear values.
    const another = await member({ encryptionKey: KEY_A });
    expect(await send(another.auth)).toBe(200);
    expect((another.events[0] as { error: Error }).error.message).toContain('stored unencrypted');
    expect(server.stats.tokenRequests.password).toBe(3);
  });

  test('a tampered value (expiry changed) does not authenticate', async () => {
    const a = await member({ encryptionKey: KEY_A });
    await a.auth.authorize('/v1/meta');
    const [key] = await keys('*:token');
    const value = await storedValue();
    const tampered = value.replace(
      /^v1\|(\d+)\|(\d+)\|/,
      (_, at, exp) => `v1|${at}|${Number(exp) + 3_600_000}|`,
    );
    await admin.sendCommand(['SET', key!, tampered]);

    const b = await member({ encryptionKey: KEY_A });
    expect(await send(b.auth)).toBe(200);
    expect((b.events[0] as { error: Error }).error.message).toContain('does not authenticate');
    expect(server.stats.tokenRequests.password).toBe(2);
  });

  test('the store shows no token and no key in String(), JSON or util.inspect()', async () => {
    const a = await member({ encryptionKey: KEY_A });
    const token = bearer(await a.auth.authorize('/v1/meta'));
    const shown = `${String(a.store)} ${JSON.stringify(a.store)} ${inspect(a.store, { depth: 10, showHidden: true })}`;
    expect(shown).toContain('RedisStore');
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(KEY_A);
  });
});

describe('sharing one token and one refresh', () => {
  test('a second process uses the first one’s token: no token request', async () => {
    const a = await member();
    const b = await member();
    const token = bearer(await a.auth.authorize('/v1/meta'));
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(token);
    expect(server.stats.tokenRequests.total).toBe(1);
  });

  test('auth objects sharing one store in one process also refresh once (an in-process queue per key)', async () => {
    const client = await connect();
    opened.push({ client });
    const store = redisStore({ client });
    const auths = Array.from({ length: 3 }, () =>
      createAuth({ baseUrl: server.url, credentials: oidcPassword(server.users.admin), store }),
    );
    for (const auth of auths) opened.push({ client, auth });
    const headers = await Promise.all(
      auths.flatMap((auth) => [auth.authorize('/v1/meta'), auth.authorize('/v1/meta')]),
    );
    expect(new Set(headers.map((h) => h.Authorization)).size).toBe(1);
    expect(server.stats.tokenRequests.total).toBe(1);
  });

  test('a 401 for the stored token is handled once for the fleet; a late 401 for a replaced one costs nothing', async () => {
    // Long-lived tokens: here the 401s come from a revocation, and no refresh-ahead may blur the count.
    await using steady = await startWeaviateServer({ accessTokenTtl: 60 });
    const login = oidcPassword(steady.users.admin);
    const a = await member({}, login, steady);
    const b = await member({}, login, steady);
    const stale = await a.auth.authorize('/v1/meta');
    expect(await b.auth.authorize('/v1/meta')).toEqual(stale);
    steady.faults.revokeAllTokens();
    steady.stats.reset();

    const url = new URL('/v1/meta', steady.url);
    const [retryA, retryB] = await Promise.all([
      a.auth.handleUnauthorized(url, stale),
      b.auth.handleUnauthorized(url, stale),
    ]);

    expect([retryA, retryB]).toEqual([true, true]);
    // One refresh for both: the revoked refresh token is refused, the password grant replaces it.
    expect(steady.stats.tokenRequests).toMatchObject({ refresh_token: 1, password: 1, total: 2 });
    const fresh = await a.auth.authorize(url);
    expect(await b.auth.authorize(url)).toEqual(fresh);
    expect(fresh).not.toEqual(stale);
    expect(await send(a.auth)).toBe(200);
    expect(await send(b.auth)).toBe(200);

    // A third process reports the same stale token later: it is no longer the stored one, nothing is dropped.
    const c = await member({}, login, steady);
    expect(await c.auth.authorize(url)).toEqual(fresh);
    expect(await b.auth.handleUnauthorized(url, stale)).toBe(true);
    expect(steady.stats.tokenRequests).toMatchObject({ refresh_token: 1, password: 1, total: 2 });
    expect(await a.auth.authorize(url)).toEqual(fresh);
  });
});

describe('the refresh lock', () => {
  /** The Redis name of the lock the store takes for `key`, seen from inside its task. */
  async function lockName(store: ReturnType<typeof redisStore>, key: string): Promise<string> {
    const signal = new AbortController().signal;
    const [name] = await store.lock(key, () => keys('*:lock'), signal);
    expect(await keys('*:lock')).toEqual([]); // released afterwards
    return name!;
  }

  test('is SET NX PX with a random owner, and released only by its owner (compare-and-delete)', async () => {
    const { store } = await member();
    const name = await lockName(store, 'k');
    const signal = new AbortController().signal;
    await store.lock(
      'k',
      async () => {
        const owner = (await admin.sendCommand(['GET', name])) as string;
        expect(owner).toMatch(/^[0-9a-f]{32}$/);
        expect(Number(await admin.sendCommand(['PTTL', name]))).toBeGreaterThan(0);
        // Its lease ran out and another process took over: our release must leave that lock alone.
        await admin.sendCommand(['SET', name, 'someone-else', 'PX', '60000']);
      },
      signal,
    );
    expect(await admin.sendCommand(['GET', name])).toBe('someone-else');
  });

  test('a holder that lost its lock cannot overwrite a newer token', async () => {
    const { store } = await member();
    const name = await lockName(store, 'k');
    const now = Date.now();
    await store.set('k', { accessToken: 'newer', obtainedAt: now, expiresAt: now + 60_000 });
    const signal = new AbortController().signal;
    await store.lock(
      'k',
      async () => {
        await admin.sendCommand(['SET', name, 'someone-else', 'PX', '60000']);
        await store.set('k', { accessToken: 'older', obtainedAt: now - 1_000, expiresAt: now + 59_000 });
      },
      signal,
    );
    const other = await member();
    expect((await other.store.get('k'))?.accessToken).toBe('newer');
  });

  test('waits for a live holder (its lease renewed while it works), then runs', async () => {
    const a = await member({ lockTtl: 300 });
    const b = await member({ lockTtl: 300 });
    const order: string[] = [];
    const signal = new AbortController().signal;
    let started!: () => void;
    const holding = new Promise<void>((resolve) => {
      started = resolve;
    });
    const first = a.store.lock(
      'k',
      async () => {
        started();
        order.push('a start');
        await sleep(1_200); // four leases long
        order.push('a end');
      },
      signal,
    );
    await holding;
    const second = b.store.lock('k', async () => void order.push('b'), signal);
    await Promise.all([first, second]);
    expect(order).toEqual(['a start', 'a end', 'b']);
  });

  test('gives up after lockWait with AUTH_REDIS_LOCK_TIMEOUT, without running the task', async () => {
    const { store } = await member({ lockWait: 300 });
    const name = await lockName(store, 'k');
    await admin.sendCommand(['SET', name, 'someone-else', 'PX', '60000']);
    let ran = false;
    const attempt = store.lock(
      'k',
      async () => {
        ran = true;
      },
      new AbortController().signal,
    );
    await expect(attempt).rejects.toThrow(RedisStoreError);
    await expect(attempt).rejects.toMatchObject({ code: 'AUTH_REDIS_LOCK_TIMEOUT' });
    await expect(attempt).rejects.toThrow(/lockWait = 300 ms/);
    expect(ran).toBe(false);
  });

  test('stops waiting when the signal aborts (the auth object closed)', async () => {
    const { store } = await member();
    const name = await lockName(store, 'k');
    await admin.sendCommand(['SET', name, 'someone-else', 'PX', '60000']);
    const controller = new AbortController();
    let ran = false;
    const attempt = store.lock(
      'k',
      async () => {
        ran = true;
      },
      controller.signal,
    );
    await sleep(50);
    const reason = new Error('closed');
    controller.abort(reason);
    await expect(attempt).rejects.toBe(reason);
    expect(ran).toBe(false);
  });
});

describe('options', () => {
  test('bad options throw a ConfigurationError that says what to pass', async () => {
    const client = await connect();
    opened.push({ client });
    expect(() => redisStore({ client, encryptionKey: 'too-short' })).toThrow(ConfigurationError);
    expect(() => redisStore({ client, encryptionKey: Buffer.alloc(16).toString('base64') })).toThrow(
      /32 random bytes.*openssl rand -base64 32/,
    );
    expect(() => redisStore({ client, encryptionKey: new Uint8Array(31) })).toThrow(ConfigurationError);
    expect(() => redisStore({} as RedisStoreOptions)).toThrow(/node-redis client.*createClient/);
    expect(() => redisStore({ client, lockTtl: -1 })).toThrow(/`lockTtl` must be a positive number/);
    expect(() => redisStore({ client, commandTimeout: Number.NaN })).toThrow(/`commandTimeout`/);
    expect(() => redisStore({ client, prefix: 1 as unknown as string })).toThrow(/`prefix` must be a string/);
    expect(() => redisStore({ client, onEvent: 'log' as never })).toThrow(/`onEvent` must be a function/);
    expect(() => redisStore(undefined as never)).toThrow(ConfigurationError);
  });
});

describe('when Redis is unavailable', () => {
  test('a client that was never connected: the process works alone and the event says to connect', async () => {
    const client = newClient();
    opened.push({ client });
    const events: RedisStoreEvent[] = [];
    const store = redisStore({ client, onEvent: (event) => events.push(event) });
    const auth = createAuth({ baseUrl: server.url, credentials: oidcPassword(server.users.admin), store });
    opened.push({ client, auth });

    expect(await Promise.all([send(auth), send(auth), send(auth)])).toEqual([200, 200, 200]);
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(store.available).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['redis-unavailable']);
    const error = (events[0] as { error: RedisStoreError }).error;
    expect(error.code).toBe('AUTH_REDIS_UNAVAILABLE');
    expect(error.message).toContain('await client.connect()');
  });

  test('restarted empty: the token in memory is written back, no process needs a new grant', async () => {
    const a = await member();
    const token = bearer(await a.auth.authorize('/v1/meta'));
    await redis.stop();
    expect(bearer(await a.auth.authorize('/v1/meta'))).toBe(token);
    await redis.start();
    await waitUntil(() => a.client.isReady);
    admin = await reconnectAdmin();

    expect(bearer(await a.auth.authorize('/v1/meta'))).toBe(token);
    expect(a.events.map((e) => e.type)).toEqual(['redis-unavailable', 'redis-available']);
    expect(await storedValue()).toContain(token);
    const b = await member();
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(token);
    expect(server.stats.tokenRequests.total).toBe(1);
  });

  test('a token refreshed during the outage goes back to Redis when it answers again (Redis restarted empty)', async () => {
    const a = await member();
    const b = await member();
    const first = bearer(await a.auth.authorize('/v1/meta'));
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(first);
    await redis.stop();
    await sleep(2_100); // expired: A refreshes on its own (B is idle)
    const second = bearer(await a.auth.authorize('/v1/meta'));
    expect(second).not.toBe(first);
    expect(server.stats.tokenRequests.total).toBe(2);
    await redis.start();
    await waitUntil(() => a.client.isReady && b.client.isReady);
    admin = await reconnectAdmin();

    expect(bearer(await a.auth.authorize('/v1/meta'))).toBe(second);
    expect(await storedValue()).toContain(second);
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(second);
    expect(await send(b.auth)).toBe(200);
    expect(server.stats.tokenRequests.total).toBe(2);
  });

  test('Redis hangs (no answers, data kept): commands time out, the process goes on alone, its newer token wins after', async () => {
    // Tokens of 3 s here: the second one must outlive the pause's aftermath.
    await using slow = await startWeaviateServer({ accessTokenTtl: 3 });
    const a = await member({ commandTimeout: 200 }, oidcPassword(slow.users.admin), slow);
    const b = await member({ commandTimeout: 200 }, oidcPassword(slow.users.admin), slow);
    const first = bearer(await a.auth.authorize('/v1/meta'));
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(first);
    redis.pause();
    try {
      await sleep(3_100);
      const second = bearer(await a.auth.authorize('/v1/meta'));
      expect(second).not.toBe(first);
      expect(a.events.map((e) => e.type)).toEqual(['redis-unavailable']);
      expect((a.events[0] as { error: Error }).error.message).toContain('no answer within 200 ms');
      expect(a.store.available).toBe(false);
      redis.resume();
      await sleep(1_100); // the store leaves a silent Redis alone for a second before asking again

      expect(bearer(await a.auth.authorize('/v1/meta'))).toBe(second);
      expect(a.events.map((e) => e.type)).toEqual(['redis-unavailable', 'redis-available']);
      expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(second);
      expect(slow.stats.tokenRequests.total).toBe(2);
      expect(await keys('*:lock')).toEqual([]); // a lock taken by a late SET was released
    } finally {
      redis.resume();
    }
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 500) throw new Error('timed out');
    await sleep(20);
  }
}

async function reconnectAdmin(): Promise<Client> {
  await waitUntil(() => admin.isReady);
  return admin;
}
