import { inspect } from 'node:util';
import {
  type Auth,
  type AuthEvent,
  apiKey,
  bearerToken,
  ConfigurationError,
  type Credentials,
  createAuth,
  isAuthError,
  oidcPassword,
  type StoredToken,
  tokenSource,
} from '@auth/core';
import { send } from '@auth/test-utils/fleet';
import { type RedisServer, startRedisServer, startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { RedisStoreError } from './errors.js';
import { type RedisStoreOptions, redisStore } from './redis-store.js';

// Each "process" below has its own node-redis client, store and auth object, as separate processes would;
// fleet.test.ts does the same with real child processes.

/** What the store reports through an auth object's onEvent. */
type RedisStoreEvent = Extract<AuthEvent, { type: `store-${string}` }>;
const isStoreEvent = (event: AuthEvent): event is RedisStoreEvent => event.type.startsWith('store-');

function newClient() {
  const client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => {});
  return client;
}
type Client = ReturnType<typeof newClient>;

let redis: RedisServer;
let server: WeaviateServer;
let admin: Client;
const opened: { client: Client; auth?: Auth }[] = [];

const KEY_A = Buffer.alloc(32, 7).toString('base64');
const KEY_B = Buffer.alloc(32, 9).toString('base64');

beforeAll(async () => {
  [redis, server] = await Promise.all([startRedisServer(), startWeaviateServer({ accessTokenTtl: 2 })]);
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
  const store = redisStore({ client, ...options });
  const auth = createAuth({
    baseUrl: on.url,
    credentials,
    store,
    onEvent: (event) => {
      if (isStoreEvent(event)) events.push(event);
    },
  });
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
  test('a key is a hash of server, credential kind and fingerprint: no URL, user name or secret in it', async () => {
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

  test('different credentials of one kind never share: no process gets another one’s API key or token', async () => {
    const adminKey = await member({}, apiKey(server.keys.admin));
    const readOnlyKey = await member({}, apiKey(server.keys.readOnly));
    expect(await adminKey.auth.authorize('/v1/meta')).toEqual({
      Authorization: `Bearer ${server.keys.admin}`,
    });
    expect(await readOnlyKey.auth.authorize('/v1/meta')).toEqual({
      Authorization: `Bearer ${server.keys.readOnly}`,
    });
    expect(await keys()).toEqual([]); // a static API key has nothing to share: it never lands in Redis

    const first = await server.issueTokens();
    const second = await server.issueTokens(server.users.readOnly);
    const one = await member({}, bearerToken(first));
    const other = await member({}, bearerToken(second));
    expect(await one.auth.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${first.accessToken}` });
    expect(await other.auth.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${second.accessToken}` });
    expect(await keys('*:token')).toHaveLength(2);

    const right = await member();
    const wrong = await member(
      {},
      oidcPassword({ username: server.users.admin.username, password: 'not-the-password' }),
    );
    await right.auth.authorize('/v1/meta');
    await expect(wrong.auth.authorize('/v1/meta')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await keys('*:token')).toHaveLength(3);
  });

  test('processes given the same bearer token share it (the key is a fingerprint of its refresh token)', async () => {
    const tokens = await server.issueTokens();
    const one = await member({}, bearerToken(tokens));
    const other = await member({}, bearerToken(tokens));
    await one.auth.authorize('/v1/meta');
    await other.auth.authorize('/v1/meta');
    expect(await keys()).toEqual([expect.stringMatching(/:token$/)]);
  });

  test('token sources are shared only under the same shareKey', async () => {
    let calls = 0;
    const source = (shareKey?: string) =>
      tokenSource(
        () => ({ accessToken: `source-${++calls}`, expiresIn: 60 }),
        shareKey === undefined ? {} : { shareKey },
      );
    const a = await member({}, source('billing'));
    const b = await member({}, source('billing'));
    expect(await a.auth.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer source-1' });
    expect(await b.auth.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer source-1' });
    const c = await member({}, source());
    const d = await member({}, source());
    expect(await c.auth.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer source-2' });
    expect(await d.auth.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer source-3' });
    expect(calls).toBe(3);
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
    expect(value).toMatch(/^v2\|\d+\|\d+\|[0-9a-f]{32}\|aes-gcm:[0-9a-f]{8}\|[\w-]+\.[\w-]+$/);

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
    const event = b.events[0] as Extract<RedisStoreEvent, { type: 'store-error' }>;
    expect(event.type).toBe('store-error');
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
    expect(withoutKey.events.map((e) => e.type)).toEqual(['store-error']);
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
      /^v2\|(\d+)\|(\d+)\|/,
      (_, at, exp) => `v2|${at}|${Number(exp) + 3_600_000}|`,
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

describe('losing the lock: the task’s signal', () => {
  test('aborts with AUTH_REDIS_LOCK_LOST when another process holds the lock at the next renewal', async () => {
    const { store } = await member({ lockTtl: 300 });
    const reason = await store.lock(
      'k',
      async (lease) => {
        expect(lease?.aborted).toBe(false);
        const [name] = await keys('*:lock');
        // The lease ran out during a stall and another process took the lock.
        await admin.sendCommand(['SET', name!, 'someone-else', 'PX', '60000']);
        return new Promise<unknown>((resolve) =>
          lease?.addEventListener('abort', () => resolve(lease.reason)),
        );
      },
      new AbortController().signal,
    );
    expect(reason).toBeInstanceOf(RedisStoreError);
    expect(reason).toMatchObject({ code: 'AUTH_REDIS_LOCK_LOST' });
    expect((reason as Error).message).toContain('abandons its token request');
    expect(await keys('*:lock')).toEqual([expect.stringMatching(/:lock$/)]); // the other one's, left alone
  });

  test('aborts once the lease runs out while Redis does not answer renewals', async () => {
    const { store } = await member({ lockTtl: 400, commandTimeout: 100, failoverWait: 0 });
    try {
      const reason = await store.lock(
        'k',
        async (lease) => {
          redis.pause();
          return new Promise<unknown>((resolve) =>
            lease?.addEventListener('abort', () => resolve(lease.reason)),
          );
        },
        new AbortController().signal,
      );
      expect(reason).toMatchObject({ code: 'AUTH_REDIS_LOCK_LOST' });
      expect((reason as Error).message).toContain('400 ms lease ran out');
    } finally {
      redis.resume();
    }
  });

  test('core abandons the token request of a holder that lost the lock, and the fleet still refreshes once', async () => {
    let firstSignal: AbortSignal | undefined;
    const calls = { a: 0, b: 0 };
    // Process A's first token request hangs (a slow provider) until its signal aborts.
    const a = await member(
      { lockTtl: 300 },
      tokenSource(
        (signal) => {
          calls.a++;
          if (calls.a > 1) return { accessToken: 'from-a-again', expiresIn: 60 };
          firstSignal = signal;
          return new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          );
        },
        { shareKey: 'svc' },
      ),
    );
    const b = await member(
      { lockTtl: 300 },
      tokenSource(
        () => {
          calls.b++;
          return { accessToken: 'from-b', expiresIn: 60 };
        },
        { shareKey: 'svc' },
      ),
    );
    const first = a.auth.authorize('/v1/meta');
    for (let i = 0; firstSignal === undefined; i++) {
      if (i > 250) throw new Error('A never asked for a token');
      await sleep(20);
    }
    // A's lease ran out (a stall) and another process took the lock for a while.
    const [name] = await keys('*:lock');
    await admin.sendCommand(['SET', name!, 'someone-else', 'PX', '400']);
    const second = b.auth.authorize('/v1/meta');
    const [headersA, headersB] = await Promise.all([first, second]);

    expect(firstSignal?.aborted).toBe(true);
    expect(firstSignal?.reason).toMatchObject({ code: 'AUTH_REDIS_LOCK_LOST' });
    expect(headersA).toEqual(headersB); // one token for both
    expect(calls.a + calls.b).toBe(2); // the abandoned request, and one refresh for the fleet
  });

  test('stays quiet for a live holder: renewals keep the lease', async () => {
    const { store } = await member({ lockTtl: 150 });
    const aborted = await store.lock(
      'k',
      async (lease) => {
        await sleep(600); // four leases long
        return lease?.aborted;
      },
      new AbortController().signal,
    );
    expect(aborted).toBe(false);
  });
});

describe('a 401 in one process marks the token rejected for all (invalidate)', () => {
  const token = (accessToken: string, refreshToken: string): StoredToken => {
    const now = Date.now();
    return { accessToken, refreshToken, obtainedAt: now, expiresAt: now + 60_000 };
  };

  test('compare-and-mark: only the stale token is marked, the refresh token is kept, also when encrypted', async () => {
    const a = await member({ encryptionKey: KEY_A });
    const b = await member({ encryptionKey: KEY_A });
    await a.store.set('k', token('at-1', 'rt-1'));
    await a.store.invalidate('k', 'at-0'); // not the stored one: nothing happens
    expect((await b.store.get('k'))?.expiresAt).toBeGreaterThan(Date.now());
    expect(await storedValue()).toMatch(/^v2\|/);

    await a.store.invalidate('k', 'at-1');
    expect(await storedValue()).toMatch(/^r\|v2\|/);
    const seen = await b.store.get('k');
    expect(seen).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    expect(seen!.expiresAt).toBeLessThanOrEqual(seen!.obtainedAt); // counts as expired everywhere
    expect(b.events).toEqual([]); // still authenticates: the mark is outside the ciphertext's header

    // The refresh that follows replaces it with a clean value.
    await b.store.lock('k', () => b.store.set('k', token('at-2', 'rt-2')), new AbortController().signal);
    expect(await storedValue()).toMatch(/^v2\|/);
    await b.store.invalidate('k', 'at-1'); // a late 401 for the old token: the new one is left alone
    expect((await a.store.get('k'))?.expiresAt).toBeGreaterThan(Date.now());
  });

  test('another process stops sending the refused token before its own 401, and the fleet refreshes once', async () => {
    await using steady = await startWeaviateServer({ accessTokenTtl: 60 });
    let refreshing!: () => void;
    const started = new Promise<void>((resolve) => {
      refreshing = resolve;
    });
    const client = await connect();
    const a = createAuth({
      baseUrl: steady.url,
      credentials: oidcPassword(steady.users.admin),
      store: redisStore({ client }),
      onEvent: (event) => {
        if (event.type === 'refresh-started' && event.reason === 'unauthorized') refreshing();
      },
    });
    opened.push({ client, auth: a });
    const b = await member({}, oidcPassword(steady.users.admin), steady);
    const stale = await a.authorize('/v1/meta');
    expect(await b.auth.authorize('/v1/meta')).toEqual(stale);
    steady.faults.revokeAllTokens();
    steady.stats.reset();
    steady.faults.hangTokenRequests(300);

    const url = new URL('/v1/meta', steady.url);
    const handled = a.handleUnauthorized(url, stale);
    await started;
    const meanwhile = await b.auth.authorize(url); // B saw no 401 itself
    expect(meanwhile).not.toEqual(stale);
    expect(await handled).toBe(true);
    expect(await a.authorize(url)).toEqual(meanwhile);
    expect(steady.stats.tokenRequests).toMatchObject({ refresh_token: 1, password: 1, total: 2 });
    expect(await send(b.auth)).toBe(200);
  });
});

describe('seeds and refused refresh tokens: what a process must never write over', () => {
  const at = (accessToken: string, refreshToken: string | undefined, obtainedAt: number): StoredToken => ({
    accessToken,
    refreshToken,
    obtainedAt,
    expiresAt: obtainedAt + 60_000,
  });
  const holding = (store: Member['store'], task: () => Promise<void>) =>
    store.lock('k', task, new AbortController().signal);

  test('a seed (`ifAbsent`) goes only where Redis holds nothing, however new its obtainedAt', async () => {
    const a = await member();
    const late = await member();
    const now = Date.now();
    await a.store.set('k', at('seed', 'rt-seed', now), { ifAbsent: true });
    expect(await late.store.get('k')).toMatchObject({ accessToken: 'seed' });
    // The fleet refreshes; a process that stalled after finding nothing seeds afterwards, with a later clock.
    await holding(a.store, () => a.store.set('k', at('fresh', 'rt-fresh', now + 100)));
    await late.store.set('k', at('seed', 'rt-seed', now + 5_000), { ifAbsent: true });
    expect(await late.store.get('k')).toMatchObject({ accessToken: 'fresh', refreshToken: 'rt-fresh' });
    expect(await storedValue()).toContain('rt-fresh');
    // Nor later, from its memory, once Redis answers again (a seed stays a seed).
    expect(await a.store.get('k')).toMatchObject({ accessToken: 'fresh' });
  });

  test.each([
    ['in clear', {}],
    ['encrypted', { encryptionKey: KEY_A }],
  ])(
    '`refused` round-trips %s, and marks the same token even without the lock, never a newer one',
    async (_, options) => {
      const a = await member(options);
      const b = await member(options);
      const now = Date.now();
      await holding(a.store, () => a.store.set('k', at('at-1', 'rt-1', now)));
      // B's lease ran out mid-request: it writes the mark without the lock, over the very token it refreshed.
      await b.store.set('k', { ...at('at-1', undefined, now), expiresAt: now, refused: true });
      expect(await a.store.get('k')).toEqual({
        accessToken: 'at-1',
        refreshToken: undefined,
        obtainedAt: now,
        expiresAt: now,
        refused: true,
      });
      expect(await storedValue()).not.toContain('rt-1');
      // A copy of the unmarked token (same obtainedAt) written back from another process's memory: refused.
      await a.store.set('k', at('at-1', 'rt-1', now));
      expect(await b.store.get('k')).toMatchObject({ refused: true, refreshToken: undefined });
      // A mark for an older token never replaces a newer one.
      await holding(a.store, () => a.store.set('k', at('at-2', 'rt-2', now + 10)));
      await b.store.set('k', { ...at('at-1', undefined, now), refused: true });
      expect(await b.store.get('k')).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
      expect((await b.store.get('k'))?.refused).toBeUndefined();
      expect(a.events).toEqual([]);
      expect(b.events).toEqual([]);
    },
  );
});

describe('errors', () => {
  test('RedisStoreError is an AuthError that isAuthError() recognises, and carries the cross-copy brand', () => {
    const error = new RedisStoreError('Redis is unavailable (test). Check it.', 'AUTH_REDIS_UNAVAILABLE');
    expect(isAuthError(error)).toBe(true);
    // What makes it recognisable to another copy of @auth/core, where instanceof fails: the shared brand.
    expect(Symbol.for('@auth/core.AuthError') in error).toBe(true);
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
    expect(() => redisStore({ client, onEvent: () => {} } as RedisStoreOptions)).toThrow(
      /no `onEvent` option.*createAuth\(\)/,
    );
    expect(() => redisStore(undefined as never)).toThrow(ConfigurationError);
  });
});

describe('when Redis is unavailable', () => {
  test('a client that was never connected: the process works alone and the event says to connect', async () => {
    const client = newClient();
    opened.push({ client });
    const events: RedisStoreEvent[] = [];
    const store = redisStore({ client, failoverWait: 0 });
    const auth = createAuth({
      baseUrl: server.url,
      credentials: oidcPassword(server.users.admin),
      store,
      onEvent: (event) => {
        if (isStoreEvent(event)) events.push(event);
      },
    });
    opened.push({ client, auth });

    expect(await Promise.all([send(auth), send(auth), send(auth)])).toEqual([200, 200, 200]);
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(store.available).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['store-unavailable']);
    const error = (events[0] as { error: RedisStoreError }).error;
    expect(error.code).toBe('AUTH_REDIS_UNAVAILABLE');
    expect(error.message).toContain('await client.connect()');

    // An auth object that starts using the store during the outage hears of it at once (before anything
    // else happens), and works alone.
    const late: AuthEvent[] = [];
    const other = createAuth({
      baseUrl: server.url,
      credentials: oidcPassword(server.users.readOnly),
      store,
      onEvent: (event) => late.push(event),
    });
    opened.push({ client, auth: other });
    expect(await send(other)).toBe(200);
    expect(late[0]).toEqual({ type: 'store-unavailable', error });
    expect(late.filter(isStoreEvent)).toEqual([{ type: 'store-unavailable', error }]);
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
    expect(a.events.map((e) => e.type)).toEqual(['store-unavailable', 'store-available']);
    expect(await storedValue()).toContain(token);
    const b = await member();
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(token);
    expect(server.stats.tokenRequests.total).toBe(1);
  });

  test.each([
    ['waits for a short outage (a failover) to end: one refresh for the fleet', {}, 2],
    // Both present the same refresh token: the provider refuses the second, and the password grant stands in.
    [
      'with failoverWait: 0 refreshes on its own at once: the refresh token presented twice',
      { failoverWait: 0 },
      4,
    ],
  ])('a refresh due during an outage %s', async (_, options, tokenRequests) => {
    const a = await member(options);
    const b = await member(options);
    const first = bearer(await a.auth.authorize('/v1/meta'));
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(first);
    await redis.stop();
    await sleep(2_100); // expired: both must refresh
    const both = Promise.all([a.auth.authorize('/v1/meta'), b.auth.authorize('/v1/meta')]);
    await sleep(1_000);
    await redis.start();
    const [headersA, headersB] = await both;
    expect(server.stats.tokenRequests.total).toBe(tokenRequests);
    if (tokenRequests === 2) expect(headersA).toEqual(headersB);
    admin = await reconnectAdmin();
    expect(await send(a.auth)).toBe(200);
    expect(await send(b.auth)).toBe(200);
  });

  test('a token refreshed during the outage goes back to Redis when it answers again (Redis restarted empty)', async () => {
    const a = await member({ failoverWait: 0 });
    const b = await member({ failoverWait: 0 });
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
    const a = await member({ commandTimeout: 200, failoverWait: 0 }, oidcPassword(slow.users.admin), slow);
    const b = await member({ commandTimeout: 200, failoverWait: 0 }, oidcPassword(slow.users.admin), slow);
    const first = bearer(await a.auth.authorize('/v1/meta'));
    expect(bearer(await b.auth.authorize('/v1/meta'))).toBe(first);
    redis.pause();
    try {
      await sleep(3_100);
      const second = bearer(await a.auth.authorize('/v1/meta'));
      expect(second).not.toBe(first);
      expect(a.events.map((e) => e.type)).toEqual(['store-unavailable']);
      expect((a.events[0] as { error: Error }).error.message).toContain('no answer within 200 ms');
      expect(a.store.available).toBe(false);
      redis.resume();
      await sleep(1_100); // the store leaves a silent Redis alone for a second before asking again

      expect(bearer(await a.auth.authorize('/v1/meta'))).toBe(second);
      expect(a.events.map((e) => e.type)).toEqual(['store-unavailable', 'store-available']);
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
