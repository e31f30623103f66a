import {
  type Auth,
  apiKey,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  oidcPassword,
  ReauthenticationRequiredError,
} from '@auth/core';
import {
  type RecordingServer,
  startRecordingServer,
  startWeaviateServer,
  type WeaviateServer,
} from '@auth/testing';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  server.faults.reset();
  fast.faults.reset();
  server.stats.reset();
  fast.stats.reset();
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
  [
    'bearer + refresh token',
    async (s) => {
      const tokens = await s.issueTokens();
      return bearerToken(tokens);
    },
  ],
];

describe('withAuth(fetch, auth)', () => {
  it('keeps fetch’s exact type', () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) }));
    expectTypeOf(withAuth(fetch, auth)).toEqualTypeOf<typeof fetch>();
  });

  it.each(kinds)('works with %s', async (_name, credentials) => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await credentials(server) }));
    const authedFetch = withAuth(fetch, auth);
    const response = await authedFetch(`${server.url}/v1/users/own-info`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { roles: { name: string }[] }).roles).toEqual([{ name: 'admin' }]);
  });

  it('accepts a URL object and a Request object (with a body that is re-sent after a 401)', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await kinds[2]![1](server) }));
    const authedFetch = withAuth(fetch, auth);
    expect((await authedFetch(new URL('/v1/meta', server.url))).status).toBe(200);
    server.faults.revokeAllTokens(); // the cached token is now refused: the first attempt gets a 401
    const request = new Request(`${server.url}/v1/objects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ class: 'Article', properties: { title: 'kept for the retry' } }),
    });
    const response = await authedFetch(request);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { properties: { title: string } }).properties.title).toBe(
      'kept for the retry',
    );
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 2, 401: 1, 200: 1 });
  });

  it.each(kinds.slice(1))(
    'refreshes a 2 s %s token without one failed request',
    async (_name, credentials) => {
      const auth = track(createAuth({ baseUrl: fast.url, credentials: await credentials(fast) }));
      const authedFetch = withAuth(fetch, auth);
      const statuses: number[] = [];
      const before = fast.stats.tokenRequests.total;
      // Keep requesting until at least two more tokens were issued (two expiries crossed).
      for (let i = 0; i < 200 && fast.stats.tokenRequests.total < before + 2; i++) {
        statuses.push((await authedFetch(`${fast.url}/v1/meta`)).status);
        await sleep(50);
      }
      expect(fast.stats.tokenRequests.total).toBeGreaterThanOrEqual(before + 2);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      // The server served each of them once with a 200 (a token dying early at the server is retried unseen).
      expect(fast.stats.byPath('/v1/meta')[200]).toBe(statuses.length);
    },
  );

  it('50 concurrent requests at expiry make exactly one token request', async () => {
    const auth = track(createAuth({ baseUrl: fast.url, credentials: await kinds[1]![1](fast) }));
    const authedFetch = withAuth(fetch, auth);
    expect((await authedFetch(`${fast.url}/v1/meta`)).status).toBe(200);
    await sleep(2200); // the 2 s token has expired
    const before = { ...fast.stats.tokenRequests };
    const responses = await Promise.all(Array.from({ length: 50 }, () => authedFetch(`${fast.url}/v1/meta`)));
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(fast.stats.tokenRequests.total - before.total).toBe(1);
  });

  it('20 concurrent 401s for one stale token: one refresh, each retried once, all succeed', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await kinds[2]![1](server) }));
    const authedFetch = withAuth(fetch, auth);
    expect((await authedFetch(`${server.url}/v1/meta`)).status).toBe(200);
    server.faults.revokeAllTokens();
    server.stats.reset();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => authedFetch(`${server.url}/v1/schema`)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(server.stats.byPath('/v1/schema')).toMatchObject({ total: 40, 401: 20, 200: 20 });
  });

  it('a deleted API key: the 401 comes back after a single request (a static key is not retried)', async () => {
    const key = server.keys.create('admin');
    server.keys.delete(key);
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(key) }));
    const response = await withAuth(fetch, auth)(`${server.url}/v1/meta`);
    expect(response.status).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 1, 401: 1 });
  });

  it('a credential that stays invalid: the 401 comes back after exactly one retry', async () => {
    const tokens = [await server.issueTokens(), await server.issueTokens()].map((t) => t.accessToken);
    server.faults.revokeAllTokens();
    const auth = track(createAuth({ baseUrl: server.url, credentials: revokedTokens(tokens) }));
    const response = await withAuth(fetch, auth)(`${server.url}/v1/meta`);
    expect(response.status).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 2, 401: 2 });
  });

  it('a revoked grant: the 401 as usual, no retry; the next call says reauthentication is required', async () => {
    const auth = track(
      createAuth({ baseUrl: server.url, credentials: bearerToken(await server.issueTokens()) }),
    );
    const authedFetch = withAuth(fetch, auth);
    server.faults.revokeAllTokens();
    expect((await authedFetch(`${server.url}/v1/meta`)).status).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 1, 401: 1 });
    await expect(authedFetch(`${server.url}/v1/meta`)).rejects.toBeInstanceOf(ReauthenticationRequiredError);
  });

  it('a read-only key writing gets the 403, with no retry', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.readOnly) }));
    const response = await withAuth(fetch, auth)(`${server.url}/v1/objects`, {
      method: 'POST',
      body: JSON.stringify({ class: 'Article', properties: { title: 'no' } }),
    });
    expect(response.status).toBe(403);
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 1, 403: 1 });
  });

  describe('origins and headers', () => {
    const homeAuth = () =>
      track(
        createAuth({
          baseUrl: home.url,
          credentials: apiKey('home-key'),
          headers: { 'X-Module-Key': 'module-secret' },
        }),
      );

    it('sends the credential and the extra headers to its own origin', async () => {
      const response = await withAuth(fetch, homeAuth())(`${home.url}/echo`);
      expect(response.status).toBe(200);
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': 'module-secret',
      });
    });

    it('sends nothing to another origin', async () => {
      const response = await withAuth(fetch, homeAuth())(`${foreign.url}/elsewhere`);
      expect(response.status).toBe(200);
      expect(foreign.seen).toHaveLength(1);
      expect(foreign.seen[0]?.headers.authorization).toBeUndefined();
      expect(foreign.seen[0]?.headers['x-module-key']).toBeUndefined();
    });

    it('drops every credential header on a redirect to another origin, keeps them on a same-origin one', async () => {
      home.redirect('/away', `${foreign.url}/landed`);
      home.redirect('/around', '/echo');
      const authedFetch = withAuth(fetch, homeAuth());
      const away = await authedFetch(`${home.url}/away`);
      expect(away.status).toBe(200);
      expect(foreign.seen.map((entry) => entry.path)).toEqual(['/landed']);
      expect(foreign.seen[0]?.headers.authorization).toBeUndefined();
      expect(foreign.seen[0]?.headers['x-module-key']).toBeUndefined();
      const around = await authedFetch(`${home.url}/around`, { headers: { 'X-Trace': '1' } });
      expect(around.status).toBe(200);
      expect(home.seen.at(-1)).toMatchObject({
        path: '/echo',
        headers: { authorization: 'Bearer home-key', 'x-module-key': 'module-secret', 'x-trace': '1' },
      });
    });

    it('a POST redirected 302 (so it becomes a GET) and then 307 is followed without its old body or a credential abroad', async () => {
      const authedFetch = withAuth(fetch, homeAuth());
      const post = () =>
        authedFetch(`${home.url}/post`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"n":1}',
        });
      // Out to another origin and back.
      home.redirect('/post', `${foreign.url}/via`);
      foreign.redirect('/via', `${home.url}/back`, 307);
      expect((await post()).status).toBe(200);
      expect(foreign.seen.map((entry) => [entry.method, entry.path, entry.headers.authorization])).toEqual([
        ['GET', '/via', undefined],
      ]);
      expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /post', 'GET /back']);
      expect(home.seen[1]?.headers).toMatchObject({ authorization: 'Bearer home-key' });
      expect(home.seen[1]?.headers['content-type']).toBeUndefined();
      // Within one origin.
      home.reset();
      home.redirect('/post', '/hop');
      home.redirect('/hop', '/end', 307);
      expect((await post()).status).toBe(200);
      expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual([
        'POST /post',
        'GET /hop',
        'GET /end',
      ]);
      // A 307 alone keeps the POST and its body.
      home.reset();
      home.redirect('/post', '/kept', 307);
      expect((await post()).status).toBe(200);
      expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /post', 'POST /kept']);
      expect(home.seen[1]?.headers).toMatchObject({
        'content-type': 'application/json',
        'content-length': '7',
      });
    });

    it('a header the caller sets wins over the credential; the others are still added', async () => {
      const authedFetch = withAuth(fetch, homeAuth());
      await authedFetch(`${home.url}/echo`, { headers: { Authorization: 'Bearer mine' } });
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer mine',
        'x-module-key': 'module-secret',
      });
      // Against the server: the caller's read-only key is the one that counts.
      const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) }));
      const response = await withAuth(fetch, auth)(`${server.url}/v1/users/own-info`, {
        headers: { authorization: `Bearer ${server.keys.readOnly}` },
      });
      expect(((await response.json()) as { roles: { name: string }[] }).roles).toEqual([
        { name: 'read-only' },
      ]);
    });
  });

  it('the caller’s AbortSignal aborts a request waiting on a hung token request', async () => {
    server.faults.hangTokenRequests(20_000);
    const auth = track(createAuth({ baseUrl: server.url, credentials: await kinds[1]![1](server) }));
    const controller = new AbortController();
    const pending = withAuth(fetch, auth)(`${server.url}/v1/meta`, { signal: controller.signal });
    await sleep(200);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.stats.byPath('/v1/meta').total).toBe(0);
  });

  it('does not re-send a one-shot stream body: the 401 is returned as is', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await kinds[2]![1](server) }));
    const authedFetch = withAuth(fetch, auth);
    expect((await authedFetch(`${server.url}/v1/meta`)).status).toBe(200);
    server.faults.revokeAllTokens();
    const body = new Blob([JSON.stringify({ class: 'Article', properties: { title: 'stream' } })]).stream();
    const response = await authedFetch(`${server.url}/v1/objects`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(401);
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 1, 401: 1 });
  });
});
