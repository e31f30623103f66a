import {
  type Auth,
  AuthClosedError,
  type AuthEvent,
  apiKey,
  bearerToken,
  createAuth,
  DEFAULT_EXPIRES_IN,
  InvalidTokenResponseError,
  isAuthError,
  MAX_EXPIRES_IN,
  memoryStore,
  oidcPassword,
  ReauthenticationRequiredError,
  TimeoutError,
  TokenRequestError,
  type TokenSet,
  type TokenStore,
  tokenSource,
} from '@auth/core';
import { type MalformedKind, startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { describe, expect, it, type TestContext, vi } from 'vitest';
import { adapters, type RecordingProxy, sleep, startRecordingProxy, traffic } from './harness.js';
import { eachAdapter } from './known-bugs.js';

/**
 * Token endpoint faults over real HTTP, through each adapter. Every adapter gets its own embedded server
 * (1 s access tokens, see TTL) behind a recording proxy, so that the adapters run side by side and every count
 * (token requests, REST requests, the Authorization headers that arrived) belongs to one adapter.
 */
/**
 * Access tokens live 1 s by `expires_in`. The server rounds each JWT's `exp` up to the next whole second,
 * so it accepts a token for 1 to 2 s: a client that counts from `expires_in` never sends a dead token.
 */
const TTL = 1;
/** Past the client's idea of expiry (lifetime minus a 10 % safety margin). */
const EXPIRED = TTL * 1_000 + 100;
/** Past the server's real expiry as well (`exp` rounded up). */
const DEAD = (TTL + 1) * 1_000 + 100;

interface Rig {
  server: WeaviateServer;
  proxy: RecordingProxy;
  events: AuthEvent[];
  auth(options?: AuthExtras): Auth;
}

/**
 * A fresh server (and recording proxy) for one test, closed when that test ends (the test context's hook:
 * with concurrent tests the global `onTestFinished` may pick another test): every test owns its faults and
 * counters, so all of them run side by side.
 */
async function rig({ onTestFinished }: Pick<TestContext, 'onTestFinished'>): Promise<Rig> {
  const server = await startWeaviateServer({ accessTokenTtl: TTL });
  const proxy = await startRecordingProxy(server.url);
  const events: AuthEvent[] = [];
  const auths: Auth[] = [];
  onTestFinished(async () => {
    await Promise.all(auths.map((auth) => auth.close()));
    await Promise.all([server.close(), proxy.close()]);
  });
  return {
    server,
    proxy,
    events,
    auth: (options = {}) => {
      const auth = createAuth({
        baseUrl: proxy.url,
        credentials:
          options.credentials ??
          oidcPassword({ username: server.users.admin.username, password: server.users.admin.password }),
        onEvent: (event) => events.push(event),
        ...(options.timeout ? { timeout: options.timeout } : {}),
        ...(options.store ? { store: options.store } : {}),
      });
      auths.push(auth);
      return auth;
    },
  };
}
interface AuthExtras {
  credentials?: Parameters<typeof createAuth>[0]['credentials'];
  timeout?: number;
  store?: TokenStore;
}

const createAuthTracked = (r: Rig, options: AuthExtras): Auth => r.auth(options);

/** REST requests (not OIDC discovery) that reached the proxy since `from`. */
const restRequests = (proxy: RecordingProxy, from: number) =>
  proxy.seen.slice(from).filter((seen) => !seen.path.startsWith('/v1/.well-known/'));

const JWT_BEARER = /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/;
const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );

// Every test has its own server: run them all side by side (the file is mostly waiting for tokens to expire).
vi.setConfig({ maxConcurrency: 12 });

describe.concurrent('token endpoint faults through each adapter', () => {
  describe('token endpoint answers 500/503 for a while', () => {
    eachAdapter()(
      '$name: retried with backoff (and 429 too), no user request fails, no expired token is sent, then it recovers',
      async (adapter, context) => {
        const r = await rig(context);
        const auth = r.auth();
        const client = adapter.create(auth, r.proxy.url);
        expect(await client.request('/v1/meta')).toBe(200);
        r.server.faults.failTokenRequests(3, 503);
        const first = traffic(2_000, () => client.request('/v1/objects'));
        const firstStatuses = await first;
        r.server.faults.failTokenRequests(3, 500);
        const secondStatuses = await traffic(2_000, () => client.request('/v1/objects'));
        r.server.faults.failTokenRequests(2, 429); // rate limited, with Retry-After: 1
        const thirdStatuses = await traffic(2_000, () => client.request('/v1/objects'));
        expect(new Set([...firstStatuses, ...secondStatuses, ...thirdStatuses])).toEqual(new Set([200]));
        // Recovery: once the endpoint answers again, refreshes succeed and requests go on.
        await sleep(1_000);
        expect(await client.request('/v1/meta')).toBe(200);

        const failures = r.events.filter(
          (event): event is Extract<AuthEvent, { type: 'refresh-failed' }> => event.type === 'refresh-failed',
        );
        expect(failures.map((event) => (event.error as TokenRequestError).status)).toEqual([
          503, 503, 503, 500, 500, 500, 429, 429,
        ]);
        expect(failures.every((event) => event.willRetry && event.error instanceof TokenRequestError)).toBe(
          true,
        );
        // Every fault was used, and more token requests succeeded after each burst.
        expect(r.server.stats.tokenRequests.total).toBeGreaterThanOrEqual(8);
        // No request ever carried an expired token.
        expect(r.server.stats.requests[401]).toBe(0);
        const sent = restRequests(r.proxy, 0).map((seen) => seen.headers.authorization ?? '(none)');
        expect(sent.filter((value) => !JWT_BEARER.test(value))).toEqual([]);
        await auth.close();
      },
    );
  });

  describe('token endpoint hangs', () => {
    eachAdapter()(
      '$name: the timeout fires (TimeoutError), nothing hangs or is sent, the next call retries and succeeds',
      async (adapter, context) => {
        const r = await rig(context);
        const auth = r.auth({ timeout: 1_000 });
        const client = adapter.create(auth, r.proxy.url);
        // Every attempt of the first call hangs (1 + 3 retries).
        r.server.faults.hangTokenRequests(5_000, 4);
        const error = await rejection(client.request('/v1/meta'));
        expect(error).toBeInstanceOf(TimeoutError);
        expect((error as TimeoutError).timeout).toBe(1_000);
        expect((error as TimeoutError).message).toMatch(/did not answer within 1000 ms/);
        expect(r.server.stats.tokenRequests.password).toBe(4);
        expect(r.proxy.seen.filter((seen) => seen.path === '/v1/meta')).toEqual([]);
        // The next call asks again, and the provider answers.
        expect(await client.request('/v1/meta')).toBe(200);
        expect(r.server.stats.tokenRequests.password).toBe(5);

        // One hang only: the retry succeeds, the caller never notices.
        r.server.faults.hangTokenRequests(5_000, 1);
        await sleep(EXPIRED); // the token expired: the next call waits for the token request
        expect(await client.request('/v1/meta')).toBe(200);
        const timeouts = r.events.filter(
          (event) => event.type === 'refresh-failed' && event.error instanceof TimeoutError,
        );
        expect(timeouts).toHaveLength(5);
        await auth.close();
      },
    );
  });

  const rejectedKinds: [MalformedKind, RegExp][] = [
    ['non-json', /not valid JSON/],
    ['html', /an HTML page: a proxy or login page is in the way/],
    ['no-access-token', /no access_token/],
    ['token-type-mac', /token_type other than Bearer|token_type "mac"/],
  ];
  /** Answers that carry a working token with a bad `expires_in`: the lifetime the client assumes. */
  const tolerated: [MalformedKind, number | 'ttl'][] = [
    ['expires-in-negative', DEFAULT_EXPIRES_IN],
    ['expires-in-zero', DEFAULT_EXPIRES_IN],
    ['expires-in-huge', MAX_EXPIRES_IN],
    ['expires-in-string', 'ttl'],
  ];

  describe('malformed token endpoint answers', () => {
    eachAdapter()(
      '$name: every kind gives a typed error naming the problem or the documented default; never "Bearer undefined"',
      async (adapter, context) => {
        const r = await rig(context);
        for (const [kind, message] of rejectedKinds) {
          const auth = r.auth();
          const client = adapter.create(auth, r.proxy.url);
          // The provider keeps answering this way until it is fixed (reset below).
          r.server.faults.malformedTokenResponses(kind, 10);
          const before = r.proxy.seen.length;
          const error = await rejection(client.request('/v1/meta'));
          r.server.faults.reset();
          expect(error, kind).toBeInstanceOf(InvalidTokenResponseError);
          expect((error as Error).message, kind).toMatch(message);
          expect((error as InvalidTokenResponseError).grant, kind).toBe('password');
          // Nothing was sent with a missing token; the next call gets a real one.
          expect(restRequests(r.proxy, before), kind).toEqual([]);
          expect(await client.request('/v1/meta'), kind).toBe(200);
          await auth.close();
        }

        for (const [kind, assumed] of tolerated) {
          r.events.length = 0;
          const auth = r.auth();
          const client = adapter.create(auth, r.proxy.url);
          r.server.faults.malformedTokenResponses(kind, 1);
          r.server.stats.reset();
          expect(await client.request('/v1/objects'), kind).toBe(200);
          const succeeded = r.events.find((event) => event.type === 'refresh-succeeded');
          expect(succeeded && 'expiresIn' in succeeded ? succeeded.expiresIn : undefined, kind).toBeCloseTo(
            assumed === 'ttl' ? TTL : assumed,
            0,
          );
          // After the token's real expiry, requests still succeed: a client that assumed a longer
          // life gets one 401, renews, and retries once.
          await sleep(DEAD);
          expect(await client.request('/v1/objects'), kind).toBe(200);
          // A client that assumed a longer life than the real one met the server's 401 and renewed.
          if (assumed !== 'ttl') expect(r.server.stats.requests[401], kind).toBeGreaterThanOrEqual(1);
          await auth.close();
        }
        const sent = r.proxy.authorizations().filter((value) => value !== undefined);
        expect(sent.length).toBeGreaterThan(0);
        expect(sent.filter((value) => !JWT_BEARER.test(value))).toEqual([]);
        expect(restRequests(r.proxy, 0).filter((seen) => seen.headers.authorization === undefined)).toEqual(
          [],
        );
      },
    );
  });

  describe('a server that refuses every token', () => {
    eachAdapter()(
      '$name: 50 concurrent requests: each is sent twice (one retry), one renewal for all of them, then the 401 reaches each caller',
      async (adapter, context) => {
        const r = await rig(context);
        let issued = 0;
        const auth = r.auth({
          // Well-formed but never valid: the server answers 401 to each of them.
          credentials: tokenSource(async () => ({ accessToken: `refused-${++issued}`, expiresIn: 60 })),
        });
        const client = adapter.create(auth, r.proxy.url);
        const statuses = await Promise.all(Array.from({ length: 50 }, () => client.request('/v1/objects')));
        expect(new Set(statuses)).toEqual(new Set([401]));
        expect(issued).toBe(2);
        expect(r.server.stats.requests).toMatchObject({ total: 100, 401: 100 });
        // The next request: one more renewal and one retry, no more (no loop).
        expect(await client.request('/v1/objects')).toBe(401);
        expect(issued).toBe(3);
        expect(r.server.stats.requests.total).toBe(102);
      },
    );
  });

  describe('a token source that returns garbage', () => {
    eachAdapter()(
      '$name: no access token, an empty one, a number or null give InvalidTokenResponseError; nothing is sent',
      async (adapter, context) => {
        const r = await rig(context);
        const answers: unknown[] = [
          {},
          { accessToken: '' },
          { accessToken: '   ' },
          { accessToken: 42 },
          null,
        ];
        for (const answer of answers) {
          const auth = r.auth({ credentials: tokenSource(async () => answer as TokenSet) });
          const error = await rejection(adapter.create(auth, r.proxy.url).request('/v1/meta'));
          expect(error, JSON.stringify(answer)).toBeInstanceOf(InvalidTokenResponseError);
          expect((error as Error).message, JSON.stringify(answer)).toMatch(/no access token/);
        }
        expect(restRequests(r.proxy, 0)).toEqual([]);
      },
    );
  });

  describe('a token with stray whitespace (read from a file with its trailing newline)', () => {
    // Was bug 8: core used a token with stray whitespace as is.
    eachAdapter()(
      '$name: a refused token with a trailing newline is still renewed after its 401, and the retry succeeds',
      async (adapter, context) => {
        const r = await rig(context);
        let calls = 0;
        const auth = r.auth({
          credentials: tokenSource(async () => ({
            // The first token is stale (the server refuses it); the next one is good.
            accessToken: calls++ === 0 ? 'stale-token-from-a-file\n' : r.server.keys.admin,
            expiresIn: 60,
          })),
        });
        expect(await adapter.create(auth, r.proxy.url).request('/v1/meta')).toBe(200);
        expect(calls).toBe(2);
      },
    );
    eachAdapter()(
      '$name: a line break inside the token gives a typed InvalidTokenResponseError that does not show it; nothing is sent',
      async (adapter, context) => {
        const r = await rig(context);
        const token = 'SECRET-FILE-TOKEN-0123456789';
        const auth = r.auth({
          credentials: tokenSource(async () => ({ accessToken: `${token}\r\nX-Injected: 1`, expiresIn: 60 })),
        });
        const error = await rejection(adapter.create(auth, r.proxy.url).request('/v1/meta'));
        expect(String((error as Error)?.message)).not.toContain(token);
        expect(error).toBeInstanceOf(InvalidTokenResponseError);
        expect(restRequests(r.proxy, 0)).toEqual([]);
      },
    );
  });

  describe('invalid_grant on refresh', () => {
    // Was bug 2: after the refusal, the next call said "there is no refresh token".
    eachAdapter()(
      '$name: falls back to the password grant; a bearer token without another grant gets ReauthenticationRequiredError',
      async (adapter, context) => {
        const r = await rig(context);
        const auth = r.auth();
        const client = adapter.create(auth, r.proxy.url);
        expect(await client.request('/v1/meta')).toBe(200);
        r.server.faults.invalidGrant(1);
        await sleep(EXPIRED); // expired: the next call refreshes
        expect(await client.request('/v1/meta')).toBe(200);
        expect(r.server.stats.tokenRequests).toMatchObject({ password: 2, refresh_token: 1 });
        const refused = r.events.find((event) => event.type === 'refresh-failed');
        expect(refused).toMatchObject({ grant: 'refresh_token', willRetry: true });
        expect(((refused as { error: unknown }).error as TokenRequestError).error).toBe('invalid_grant');
        await auth.close();

        // bearerToken: the refresh token is the only way to renew.
        const tokens = await r.server.issueTokens();
        r.server.stats.reset();
        const bearer = r.auth({ credentials: bearerToken(tokens) });
        const bearerClient = adapter.create(bearer, r.proxy.url);
        expect(await bearerClient.request('/v1/meta')).toBe(200);
        r.server.faults.invalidGrant(1);
        await sleep(EXPIRED);
        const before = r.proxy.seen.length;
        const error = await rejection(bearerClient.request('/v1/meta'));
        expect(error).toBeInstanceOf(ReauthenticationRequiredError);
        expect((error as Error).message).toMatch(/refused the refresh token \(invalid_grant\)/);
        // No loop and no expired token sent: the refused refresh token is not presented again, and the
        // next call says the same thing (not that there never was a refresh token).
        const again = await rejection(bearerClient.request('/v1/meta'));
        expect(again).toBeInstanceOf(ReauthenticationRequiredError);
        expect((again as Error).message).toMatch(/refused the refresh token \(invalid_grant\)/);
        expect(r.server.stats.tokenRequests.refresh_token).toBe(1);
        expect(restRequests(r.proxy, before)).toEqual([]);
        await bearer.close();
      },
    );
  });

  describe('the OpenID Provider stops, then restarts', () => {
    eachAdapter()(
      '$name: a clear transient TokenRequestError while it is down; the same client recovers once it is back',
      async (adapter, context) => {
        const r = await rig(context);
        const auth = r.auth({ timeout: 1_000 });
        const client = adapter.create(auth, r.proxy.url);
        expect(await client.request('/v1/meta')).toBe(200);
        await r.server.faults.stopProvider();
        try {
          await sleep(EXPIRED);
          const before = r.proxy.seen.length;
          const error = await rejection(client.request('/v1/meta'));
          expect(error).toBeInstanceOf(TokenRequestError);
          expect((error as TokenRequestError).transient).toBe(true);
          expect((error as Error).message).toMatch(/could not be reached/);
          expect(restRequests(r.proxy, before)).toEqual([]); // the expired token was not sent
        } finally {
          await r.server.faults.startProvider();
        }
        expect(await client.request('/v1/meta')).toBe(200);
        expect(await client.request('/v1/objects')).toBe(200);
        await auth.close();
      },
    );
  });

  describe('an API key deleted at run time', () => {
    eachAdapter()(
      '$name: a rotated key is re-read and the request retried once; a key that stays deleted gives the caller its 401, no loop',
      async (adapter, context) => {
        const r = await rig(context);
        let current = r.server.keys.create('admin');
        let reads = 0;
        const auth = r.auth({
          credentials: apiKey(() => {
            reads++;
            return current;
          }),
        });
        const client = adapter.create(auth, r.proxy.url);
        expect(await client.request('/v1/meta')).toBe(200);

        r.server.keys.delete(current);
        current = r.server.keys.create('admin');
        r.server.stats.reset();
        expect(await client.request('/v1/meta')).toBe(200);
        expect(r.server.stats.requests).toMatchObject({ total: 2, 401: 1, 200: 1 });

        // The vault still hands out the deleted key: asking again cannot help, so no second send.
        r.server.keys.delete(current);
        r.server.stats.reset();
        const readsBefore = reads;
        expect(await client.request('/v1/meta')).toBe(401);
        expect(r.server.stats.requests).toMatchObject({ total: 1, 401: 1 });
        expect(reads - readsBefore).toBe(1);
        for (let i = 0; i < 3; i++) expect(await client.request('/v1/meta')).toBe(401);
        expect(r.server.stats.requests.total).toBe(4);
        await auth.close();
      },
    );
  });

  describe('an auth failure before sending', () => {
    eachAdapter()(
      '$name: is not retried again by the HTTP client (one password grant for a wrong password, 1 + 3 attempts while the provider is down)',
      async (adapter, context) => {
        const r = await rig(context);
        const wrong = r.auth({
          credentials: oidcPassword({
            username: r.server.users.admin.username,
            password: 'not-the-password',
          }),
        });
        const error = await rejection(adapter.create(wrong, r.proxy.url).request('/v1/meta'));
        expect(error).toBeInstanceOf(TokenRequestError);
        expect((error as TokenRequestError).error).toBe('invalid_grant');
        expect(r.server.stats.tokenRequests.password).toBe(1);
        await wrong.close();

        r.events.length = 0;
        const auth = r.auth({ timeout: 1_000 });
        await r.server.faults.stopProvider();
        try {
          const down = await rejection(adapter.create(auth, r.proxy.url).request('/v1/meta'));
          // The provider's discovery document cannot be read: a transient DiscoveryError.
          expect(isAuthError(down) && (down as { transient?: boolean }).transient).toBe(true);
        } finally {
          await r.server.faults.startProvider();
        }
        // Discovery of the provider fails (it is down): 1 attempt + 3 backoff retries, no more.
        expect(r.events.filter((event) => event.type === 'refresh-started')).toHaveLength(4);
        await auth.close();
      },
    );
  });

  describe('one auth object shared by every adapter', () => {
    it('100 concurrent requests through all five adapters at expiry: one token request, every request succeeds', async (context) => {
      const r = await rig(context);
      const auth = r.auth();
      const clients = adapters.map((adapter) => adapter.create(auth, r.proxy.url));
      for (const client of clients) expect(await client.request('/v1/meta')).toBe(200);
      await sleep(EXPIRED);
      r.server.stats.reset();
      const statuses = await Promise.all(
        Array.from({ length: 100 }, (_, index) => clients[index % clients.length]!.request('/v1/objects')),
      );
      expect(new Set(statuses)).toEqual(new Set([200]));
      expect(r.server.stats.tokenRequests.total).toBe(1);
      expect(r.server.stats.requests).toMatchObject({ total: 100, 200: 100, 401: 0 });
    });

    it('five auth objects (one per adapter) with the same password sharing one memoryStore(): one password grant, renewals shared, no refresh token used twice', async (context) => {
      const r = await rig(context);
      const store = memoryStore();
      const credentials = () =>
        oidcPassword({ username: r.server.users.admin.username, password: r.server.users.admin.password });
      const clients = adapters.map((adapter) =>
        adapter.create(createAuthTracked(r, { credentials: credentials(), store }), r.proxy.url),
      );
      const statuses = await Promise.all(
        clients.map((client) =>
          traffic(3_500, () => client.request('/v1/objects'), { concurrency: 2, pause: 50 }),
        ),
      );
      expect(new Set(statuses.flat())).toEqual(new Set([200]));
      const { password, refresh_token } = r.server.stats.tokenRequests;
      expect(password).toBe(1);
      // Renewed all along, each time by one of the five (a renewal per auth object would also mean five
      // password grants above, and refresh tokens presented twice below).
      expect(refresh_token).toBeGreaterThanOrEqual(2);
      // A refresh token presented twice would be refused (invalid_grant): no refresh ever failed.
      expect(r.events.filter((event) => event.type === 'refresh-failed')).toEqual([]);
      expect(r.server.stats.requests[401]).toBe(0);
    });

    it('five auth objects sharing one memoryStore(), every token revoked: the refused refresh token presented once, one password grant, every request retried once and succeeds', async (context) => {
      const r = await rig(context);
      const store = memoryStore();
      const clients = adapters.map((adapter) =>
        adapter.create(
          createAuthTracked(r, {
            credentials: oidcPassword({
              username: r.server.users.admin.username,
              password: r.server.users.admin.password,
            }),
            store,
          }),
          r.proxy.url,
        ),
      );
      for (const client of clients) expect(await client.request('/v1/meta')).toBe(200);
      r.server.faults.revokeAllTokens();
      r.server.stats.reset();
      const statuses = await Promise.all(
        Array.from({ length: 50 }, (_, index) => clients[index % clients.length]!.request('/v1/objects')),
      );
      expect(new Set(statuses)).toEqual(new Set([200]));
      // One renewal for all five: the revoked refresh token is presented once, one password grant follows.
      // (A 1 s token is past its fresh quarter soon after it arrives, so a waiter may renew it once more
      // with its new, valid refresh token: that is not a second use of any refresh token.)
      expect(r.server.stats.tokenRequests.password).toBe(1);
      const refused = r.events.filter(
        (event) =>
          event.type === 'refresh-failed' && (event.error as TokenRequestError).error === 'invalid_grant',
      );
      expect(refused).toHaveLength(1);
      const objects = r.server.stats.byPath('/v1/objects');
      const graphql = r.server.stats.byPath('/v1/graphql'); // graphql-request's share
      expect([
        objects.total + graphql.total,
        objects[401] + graphql[401],
        objects[200] + graphql[200],
      ]).toEqual([100, 50, 50]);
    });

    it('close() while requests through every adapter wait on a hanging token endpoint: all reject with AuthClosedError, none hangs', async (context) => {
      const r = await rig(context);
      // Longer than the test's timeout: only close() can end these waits.
      r.server.faults.hangTokenRequests(60_000, 1);
      const auth = r.auth({ timeout: 60_000 });
      const clients = adapters.map((adapter) => adapter.create(auth, r.proxy.url));
      const pending = clients.flatMap((client) => [
        client.request('/v1/meta'),
        client.request('/v1/objects'),
      ]);
      await sleep(200);
      await auth.close();
      const outcomes = await Promise.allSettled(pending);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(pending.map(() => 'rejected'));
      for (const outcome of outcomes) {
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(AuthClosedError);
      }
      expect(await rejection(clients[0]!.request('/v1/meta'))).toBeInstanceOf(AuthClosedError);
      expect(restRequests(r.proxy, 0)).toEqual([]);
    }, 20_000);
  });
});
