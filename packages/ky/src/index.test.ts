import { inspect } from 'node:util';
import {
  type Auth,
  apiKey,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  oidcPassword,
  ReauthenticationRequiredError,
  TokenRequestError,
} from '@auth/core';
import {
  type RecordingServer,
  startRecordingServer,
  startWeaviateServer,
  type WeaviateServer,
} from '@auth/testing';
import ky, { type KyInstance } from 'ky';
import ky2 from 'ky2';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { withAuth } from './index.js';

/** Hands out the given (revoked) tokens one after the other: a credential that stays invalid. */
const revokedTokens = (tokens: string[]): Credentials => ({
  kind: 'revoked',
  bind: () => {
    let next = 0;
    return {
      grant: 'token_source',
      renewable: true,
      obtain: async () => ({ accessToken: tokens[next++ % tokens.length] ?? '', expiresIn: 60 }),
    };
  },
});

const redacted = '[redacted by @auth/ky]';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const statusOf = (error: unknown) => (error as { name?: string; response?: Response })?.response?.status;

let server: WeaviateServer; // 60 s tokens
// 2 s tokens: oidc-provider sets exp = floor(now) + ttl, so a token lives 1-2 s at the server.
let fast: WeaviateServer;
let home: RecordingServer;
let foreign: RecordingServer;
const auths: Auth[] = [];
const track = (auth: Auth): Auth => {
  auths.push(auth);
  return auth;
};

/** An API key for `home`, plus an extra header: both must reach `home` only. */
const homeAuth = () =>
  track(
    createAuth({
      baseUrl: home.url,
      credentials: apiKey('home-key'),
      headers: { 'X-Module-Key': 'module-secret' },
    }),
  );

beforeAll(async () => {
  [server, fast, home, foreign] = await Promise.all([
    startWeaviateServer(),
    startWeaviateServer({ accessTokenTtl: 2 }),
    startRecordingServer(),
    startRecordingServer(),
  ]);
});
afterEach(async () => {
  await Promise.all(auths.splice(0).map((auth) => auth.close()));
  for (const s of [server, fast]) {
    s.faults.reset();
    s.stats.reset();
  }
  home.reset();
  foreign.reset();
});
afterAll(async () => {
  await Promise.all([server?.close(), fast?.close(), home?.close(), foreign?.close()]);
});

const kinds: [string, (s: WeaviateServer) => Promise<Credentials>][] = [
  ['API key', async (s) => apiKey(s.keys.admin)],
  [
    'password grant',
    async (s) => oidcPassword({ username: s.users.admin.username, password: s.users.admin.password }),
  ],
  [
    'client credentials',
    async (s) =>
      clientCredentials({
        clientId: s.clients.service.clientId,
        clientSecret: s.clients.service.clientSecret,
      }),
  ],
  ['bearer + refresh token', async (s) => bearerToken(await s.issueTokens())],
];
const password = kinds[1]![1];
const service = kinds[2]![1];

type Options = Record<string, unknown>;
// Both majors, same tests; paths are written without a leading slash so they work with every base option.
const variants: [string, (base: string, options?: Options) => KyInstance][] = [
  ['ky 1 (prefixUrl)', (base, options = {}) => ky.create({ prefixUrl: base, ...options })],
  [
    'ky 2 (baseUrl)',
    (base, options = {}) => ky2.create({ baseUrl: `${base}/`, ...options }) as unknown as KyInstance,
  ],
  [
    'ky 2 (prefix)',
    (base, options = {}) => ky2.create({ prefix: base, ...options }) as unknown as KyInstance,
  ],
];

describe.each(variants)('withAuth(%s instance, auth)', (_variant, create) => {
  const api = (s: WeaviateServer, auth: Auth, options?: Options) =>
    withAuth(create(`${s.url}/v1`, options), auth);

  it('returns a new instance of the same type', () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) }));
    const base = create(server.url);
    const result = withAuth(base, auth);
    expect(result).not.toBe(base);
    expectTypeOf(result).toEqualTypeOf<KyInstance>();
  });

  it.each(kinds)('works with %s', async (_name, credentials) => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await credentials(server) }));
    const info = await api(server, auth).get('users/own-info').json<{ roles: { name: string }[] }>();
    expect(info.roles).toEqual([{ name: 'admin' }]);
  });

  it.each(kinds.slice(1))(
    'refreshes a 2 s %s token without one failed request',
    async (_name, credentials) => {
      const auth = track(createAuth({ baseUrl: fast.url, credentials: await credentials(fast) }));
      const client = api(fast, auth);
      const before = fast.stats.tokenRequests.total;
      const statuses: number[] = [];
      for (let i = 0; i < 200 && fast.stats.tokenRequests.total < before + 2; i++) {
        statuses.push((await client.get('meta')).status); // a failed request would throw here
        await sleep(50);
      }
      expect(fast.stats.tokenRequests.total).toBeGreaterThanOrEqual(before + 2);
      expect(new Set(statuses)).toEqual(new Set([200]));
      // The server served each of them once with a 200 (a token dying early at the server is retried unseen).
      expect(fast.stats.byPath('/v1/meta')[200]).toBe(statuses.length);
    },
  );

  it('50 concurrent requests at expiry make exactly one token request', async () => {
    const auth = track(createAuth({ baseUrl: fast.url, credentials: await password(fast) }));
    const client = api(fast, auth);
    await client.get('meta');
    await sleep(2200); // the 2 s token has expired
    const before = fast.stats.tokenRequests.total;
    const responses = await Promise.all(Array.from({ length: 50 }, () => client.get('meta')));
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(fast.stats.tokenRequests.total - before).toBe(1);
  });

  it('20 concurrent 401s for one stale token: one refresh, each retried once, all succeed', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await service(server) }));
    const client = api(server, auth);
    await client.get('meta');
    server.faults.revokeAllTokens();
    server.stats.reset();
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.get('schema')));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(server.stats.byPath('/v1/schema')).toMatchObject({ total: 40, 401: 20, 200: 20 });
  });

  it('a deleted API key: ky’s HTTPError 401 after a single request (a static key is not retried)', async () => {
    const key = server.keys.create('admin');
    server.keys.delete(key);
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(key) }));
    const error = await api(server, auth)
      .get('meta')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HTTPError' });
    expect(statusOf(error)).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 1, 401: 1 });
  });

  it('a credential that stays invalid: ky’s HTTPError 401 after exactly one retry', async () => {
    const tokens = [await server.issueTokens(), await server.issueTokens()].map((t) => t.accessToken);
    server.faults.revokeAllTokens();
    const auth = track(createAuth({ baseUrl: server.url, credentials: revokedTokens(tokens) }));
    const error = await api(server, auth)
      .get('meta')
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 2, 401: 2 });
  });

  it('a revoked grant: ky’s HTTPError 401 as usual, no retry; the next call says reauthentication is required', async () => {
    const auth = track(
      createAuth({ baseUrl: server.url, credentials: bearerToken(await server.issueTokens()) }),
    );
    server.faults.revokeAllTokens();
    expect(
      statusOf(
        await api(server, auth)
          .get('meta')
          .catch((e: unknown) => e),
      ),
    ).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 1, 401: 1 });
    await expect(api(server, auth).get('meta')).rejects.toBeInstanceOf(ReauthenticationRequiredError);
  });

  it('a read-only key writing gets ky’s HTTPError 403, with no retry', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.readOnly) }));
    const error = await api(server, auth)
      .post('objects', { json: { class: 'Article', properties: { title: 'no' } } })
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(403);
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 1, 403: 1 });
  });

  it('the 401 retry keeps the instance’s options: base URL, headers, other hooks', async () => {
    let issued = 0;
    const rotating: Credentials = {
      kind: 'rotating',
      bind: () => ({
        grant: 'token_source',
        renewable: true,
        obtain: async () => ({ accessToken: `token-${++issued}`, expiresIn: 60 }),
      }),
    };
    home.accept('Bearer token-2'); // the first token is refused
    const auth = track(createAuth({ baseUrl: home.url, credentials: rotating }));
    let ownHook = 0;
    const base = create(`${home.url}/api`, {
      headers: { 'X-From-Instance': 'yes' },
      timeout: 5000,
      hooks: {
        beforeRetry: [
          () => {
            ownHook++;
          },
        ],
      },
    });
    const body = await withAuth(base, auth)
      .post('things', { json: { n: 1 } })
      .json();
    expect(body).toEqual({ ok: true });
    expect(
      home.seen.map((entry) => [entry.path, entry.headers.authorization, entry.headers['x-from-instance']]),
    ).toEqual([
      ['/api/things', 'Bearer token-1', 'yes'],
      ['/api/things', 'Bearer token-2', 'yes'],
    ]);
    expect(ownHook).toBe(1);
  });

  it('with retry: 0 the 401 is not retried (the retry counts against ky’s retry.limit)', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await service(server) }));
    const client = api(server, auth, { retry: 0 });
    await client.get('meta');
    server.faults.revokeAllTokens();
    expect(statusOf(await client.get('meta').catch((e: unknown) => e))).toBe(401);
    expect((await client.get('meta')).status).toBe(200); // the stale token was dropped all the same
  });

  describe('origins and headers', () => {
    it('sends the credential and the extra headers to its own origin', async () => {
      await withAuth(create(home.url), homeAuth()).get('echo');
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': 'module-secret',
      });
    });

    it('sends nothing to another origin (an absolute URL on an instance without a base)', async () => {
      await withAuth(ky.create({}), homeAuth()).get(`${foreign.url}/elsewhere`);
      await withAuth(ky2.create({ baseUrl: `${home.url}/` }), homeAuth()).get(`${foreign.url}/absolute`);
      expect(foreign.seen.map((entry) => entry.path)).toEqual(['/elsewhere', '/absolute']);
      for (const entry of foreign.seen) {
        expect(entry.headers.authorization).toBeUndefined();
        expect(entry.headers['x-module-key']).toBeUndefined();
      }
    });

    it('drops every credential header on a redirect to another origin, keeps them on a same-origin one', async () => {
      home.redirect('/away', `${foreign.url}/landed`);
      home.redirect('/around', '/echo');
      const client = withAuth(create(home.url), homeAuth());
      expect(await client.get('away').json()).toEqual({ ok: true });
      expect(foreign.seen.map((entry) => entry.path)).toEqual(['/landed']);
      expect(foreign.seen[0]?.headers.authorization).toBeUndefined();
      expect(foreign.seen[0]?.headers['x-module-key']).toBeUndefined();
      expect(await client.get('around', { headers: { 'X-Trace': '1' } }).json()).toEqual({ ok: true });
      expect(home.seen.at(-1)).toMatchObject({
        path: '/echo',
        headers: { authorization: 'Bearer home-key', 'x-module-key': 'module-secret', 'x-trace': '1' },
      });
    });

    it('a header the caller sets wins over the credential; the others are added', async () => {
      await withAuth(create(home.url), homeAuth()).get('echo', { headers: { Authorization: 'Bearer mine' } });
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer mine',
        'x-module-key': 'module-secret',
      });
      await withAuth(create(home.url, { headers: { 'X-Module-Key': 'instance' } }), homeAuth()).get('echo');
      expect(home.seen[1]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': 'instance',
      });
      const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) }));
      const info = await api(server, auth)
        .get('users/own-info', { headers: { authorization: `Bearer ${server.keys.readOnly}` } })
        .json<{ roles: { name: string }[] }>();
      expect(info.roles).toEqual([{ name: 'read-only' }]);
    });
  });

  describe('errors', () => {
    it('an AuthError from authorize() is not retried by ky: one password grant for a wrong password, whatever the retry settings', async () => {
      const wrong = track(
        createAuth({
          baseUrl: server.url,
          credentials: oidcPassword({ username: server.users.admin.username, password: 'not-the-password' }),
        }),
      );
      const calls: [string, () => Promise<unknown>][] = [
        ['ky’s default retry', () => api(server, wrong).get('meta')],
        ['retry: 3 on the instance', () => api(server, wrong, { retry: 3 }).get('meta')],
        ['retry: 3 on the request', () => api(server, wrong).get('meta', { retry: 3 })],
        [
          'a shouldRetry that says yes',
          () => api(server, wrong, { retry: { limit: 3, shouldRetry: () => true } }).get('meta'),
        ],
      ];
      for (const [how, call] of calls) {
        server.stats.reset();
        const error = await call().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error, how).toBeInstanceOf(TokenRequestError);
        expect((error as TokenRequestError).error, how).toBe('invalid_grant');
        expect(server.stats.tokenRequests.password, how).toBe(1);
        expect(server.stats.byPath('/v1/meta').total, how).toBe(0);
      }
    });

    it('the caller’s own retry settings still apply to other errors (a 503 with retry: 1 is sent twice)', async () => {
      home.respond('/flaky', 503);
      const error = await withAuth(create(home.url, { retry: 1 }), homeAuth())
        .get('flaky')
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(statusOf(error)).toBe(503);
      expect(home.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
        ['/flaky', 'Bearer home-key'],
        ['/flaky', 'Bearer home-key'],
      ]);
      // A caller's shouldRetry keeps deciding for the errors that are not ours.
      home.reset();
      home.respond('/flaky', 503);
      let asked = 0;
      const never = withAuth(
        create(home.url, {
          retry: {
            limit: 3,
            shouldRetry: () => {
              asked++;
              return false;
            },
          },
        }),
        homeAuth(),
      );
      expect(statusOf(await never.get('flaky').catch((caught: unknown) => caught))).toBe(503);
      expect([asked, home.seen.length]).toEqual([1, 1]);
    });

    it('ky’s HTTPError carries no credential (console.log(error) and a deep inspect show none)', async () => {
      home.respond('/denied', 403);
      const error = await withAuth(create(home.url), homeAuth())
        .get('denied')
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(statusOf(error)).toBe(403);
      for (const text of [String(error), inspect(error), inspect(error, { depth: 12, showHidden: true })]) {
        expect(text).not.toContain('home-key');
        expect(text).not.toContain('module-secret');
      }
      const { headers } = (error as { request: Request }).request;
      expect([headers.get('authorization'), headers.get('x-module-key')]).toEqual([redacted, redacted]);
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': 'module-secret',
      });
    });
  });

  it('the caller’s AbortSignal aborts a request waiting on a hung token request', async () => {
    server.faults.hangTokenRequests(20_000);
    const auth = track(createAuth({ baseUrl: server.url, credentials: await password(server) }));
    const controller = new AbortController();
    const pending = api(server, auth).get('meta', { signal: controller.signal });
    await sleep(200);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.stats.byPath('/v1/meta').total).toBe(0);
  });

  it('does not re-send a one-shot stream body: ky’s HTTPError 401 as is', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await service(server) }));
    const client = api(server, auth);
    await client.get('meta');
    server.faults.revokeAllTokens();
    const body = new Blob([JSON.stringify({ class: 'Article', properties: { title: 'stream' } })]).stream();
    const error = await client
      .post('objects', { body, headers: { 'content-type': 'application/json' } })
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(401);
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 1, 401: 1 });
  });
});
