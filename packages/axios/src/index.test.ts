import { Readable } from 'node:stream';
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
  tokenSource,
} from '@auth/core';
import {
  type RecordingServer,
  startRecordingServer,
  startWeaviateServer,
  type WeaviateServer,
} from '@auth/testing';
import axios, {
  type AxiosError,
  type AxiosInstance,
  type InternalAxiosRequestConfig,
  isAxiosError,
} from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { withAuth, withoutAuth } from './index.js';

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

const redacted = '[redacted by @auth/axios]';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const statusOf = (error: unknown) => (isAxiosError(error) ? error.response?.status : undefined);

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

const api = (s: WeaviateServer, auth: Auth): AxiosInstance =>
  withAuth(axios.create({ baseURL: `${s.url}/v1` }), auth);

describe('withAuth(axios instance, auth)', () => {
  it('returns the same instance, typed as it was', () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) }));
    const instance = axios.create();
    const result = withAuth(instance, auth);
    expect(result).toBe(instance);
    expectTypeOf(result).toEqualTypeOf<AxiosInstance>();
  });

  it.each(kinds)('works with %s', async (_name, credentials) => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await credentials(server) }));
    const { status, data } = await api(server, auth).get<{ roles: { name: string }[] }>('/users/own-info');
    expect(status).toBe(200);
    expect(data.roles).toEqual([{ name: 'admin' }]);
  });

  it.each(kinds.slice(1))(
    'refreshes a 2 s %s token without one failed request',
    async (_name, credentials) => {
      const auth = track(createAuth({ baseUrl: fast.url, credentials: await credentials(fast) }));
      const client = api(fast, auth);
      const before = fast.stats.tokenRequests.total;
      const statuses: number[] = [];
      for (let i = 0; i < 200 && fast.stats.tokenRequests.total < before + 2; i++) {
        statuses.push((await client.get('/meta')).status); // a failed request would throw here
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
    await client.get('/meta');
    await sleep(2200); // the 2 s token has expired
    const before = fast.stats.tokenRequests.total;
    const responses = await Promise.all(Array.from({ length: 50 }, () => client.get('/meta')));
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(fast.stats.tokenRequests.total - before).toBe(1);
  });

  it('20 concurrent 401s for one stale token: one refresh, each retried once, all succeed', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await service(server) }));
    const client = api(server, auth);
    await client.get('/meta');
    server.faults.revokeAllTokens();
    server.stats.reset();
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.get('/schema')));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(server.stats.byPath('/v1/schema')).toMatchObject({ total: 40, 401: 20, 200: 20 });
  });

  it('a deleted API key: axios’ 401 error after a single request (a static key is not retried)', async () => {
    const key = server.keys.create('admin');
    server.keys.delete(key);
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(key) }));
    const error = await api(server, auth)
      .get('/meta')
      .catch((e: unknown) => e);
    expect(isAxiosError(error)).toBe(true);
    expect(statusOf(error)).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 1, 401: 1 });
  });

  it('a credential that stays invalid: axios’ 401 error after exactly one retry', async () => {
    const tokens = [await server.issueTokens(), await server.issueTokens()].map((t) => t.accessToken);
    server.faults.revokeAllTokens();
    const auth = track(createAuth({ baseUrl: server.url, credentials: revokedTokens(tokens) }));
    const error = await api(server, auth)
      .get('/meta')
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 2, 401: 2 });
  });

  it('a revoked grant: axios’ 401 error as usual, no retry; the next call says reauthentication is required', async () => {
    const auth = track(
      createAuth({ baseUrl: server.url, credentials: bearerToken(await server.issueTokens()) }),
    );
    server.faults.revokeAllTokens();
    expect(
      statusOf(
        await api(server, auth)
          .get('/meta')
          .catch((e: unknown) => e),
      ),
    ).toBe(401);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 1, 401: 1 });
    await expect(api(server, auth).get('/meta')).rejects.toBeInstanceOf(ReauthenticationRequiredError);
  });

  it('a read-only key writing gets axios’ 403 error, with no retry', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.readOnly) }));
    const error = await api(server, auth)
      .post('/objects', { class: 'Article', properties: { title: 'no' } })
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(403);
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 1, 403: 1 });
  });

  it('retries through the instance: other interceptors run again, validateStatus is honoured', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await service(server) }));
    const instance = axios.create({ baseURL: `${server.url}/v1`, validateStatus: () => true });
    let seenByOwnInterceptor = 0;
    instance.interceptors.request.use((config) => {
      seenByOwnInterceptor++;
      return config;
    });
    const client = withAuth(instance, auth);
    await client.get('/meta');
    server.faults.revokeAllTokens();
    const response = await client.get('/meta');
    expect(response.status).toBe(200); // the 401 came through validateStatus and was still retried
    expect(seenByOwnInterceptor).toBe(3);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 3, 401: 1, 200: 2 });
  });

  it('withoutAuth removes both interceptors', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) }));
    const client = api(server, auth);
    expect((await client.get('/meta')).status).toBe(200);
    expect(withoutAuth(client)).toBe(true);
    expect(statusOf(await client.get('/meta').catch((e: unknown) => e))).toBe(401);
    expect(withoutAuth(client)).toBe(false);
  });

  describe('origins and headers', () => {
    const homeApi = (options: { allowAbsoluteUrls?: boolean } = {}) =>
      withAuth(axios.create({ baseURL: home.url, ...options }), homeAuth());

    it('sends the credential and the extra headers to its own origin', async () => {
      await homeApi().get('/echo');
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': 'module-secret',
      });
    });

    it('sends nothing when an absolute URL overrides baseURL; with allowAbsoluteUrls: false it stays on baseURL', async () => {
      await homeApi().get(`${foreign.url}/elsewhere`);
      expect(foreign.seen.map((entry) => entry.path)).toEqual(['/elsewhere']);
      expect(foreign.seen[0]?.headers.authorization).toBeUndefined();
      expect(foreign.seen[0]?.headers['x-module-key']).toBeUndefined();
      await homeApi({ allowAbsoluteUrls: false }).get(`${foreign.url}/elsewhere`);
      expect(foreign.seen).toHaveLength(1); // axios sent it to baseURL + url, i.e. home
      expect(home.seen[0]?.path).toBe(`/${foreign.url}/elsewhere`);
      expect(home.seen[0]?.headers.authorization).toBe('Bearer home-key');
    });

    it('drops every credential header on a redirect to another origin, keeps them on a same-origin one', async () => {
      home.redirect('/away', `${foreign.url}/landed`);
      home.redirect('/around', '/echo');
      let ownHookCalls = 0;
      const client = withAuth(
        axios.create({
          baseURL: home.url,
          beforeRedirect: () => {
            ownHookCalls++;
          },
        }),
        homeAuth(),
      );
      expect((await client.get('/away')).status).toBe(200);
      expect(foreign.seen.map((entry) => entry.path)).toEqual(['/landed']);
      expect(foreign.seen[0]?.headers.authorization).toBeUndefined();
      expect(foreign.seen[0]?.headers['x-module-key']).toBeUndefined();
      expect((await client.get('/around', { headers: { 'X-Trace': '1' } })).status).toBe(200);
      expect(home.seen.at(-1)).toMatchObject({
        path: '/echo',
        headers: { authorization: 'Bearer home-key', 'x-module-key': 'module-secret', 'x-trace': '1' },
      });
      expect(ownHookCalls).toBe(2);
    });

    it('a header the caller sets wins over the credential (per request and in defaults); others are added', async () => {
      const client = homeApi();
      await client.get('/echo', { headers: { Authorization: 'Bearer mine' } });
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer mine',
        'x-module-key': 'module-secret',
      });
      client.defaults.headers.common['X-Module-Key'] = 'from-defaults';
      await client.get('/echo');
      expect(home.seen[1]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': 'from-defaults',
      });
      const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) }));
      const { data } = await api(server, auth).get<{ roles: { name: string }[] }>('/users/own-info', {
        headers: { authorization: `Bearer ${server.keys.readOnly}` },
      });
      expect(data.roles).toEqual([{ name: 'read-only' }]);
    });
  });

  describe('the AxiosError that reaches the caller', () => {
    const failure = async (promise: Promise<unknown>): Promise<AxiosError> => {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      if (!isAxiosError(error)) throw new Error(`expected an AxiosError, got ${String(error)}`);
      return error;
    };

    it.each([401, 500])(
      'carries no credential (HTTP %i): JSON.stringify, console.log and a deep inspect show none; error.request stays readable',
      async (status) => {
        home.respond('/denied', status);
        const error = await failure(withAuth(axios.create({ baseURL: home.url }), homeAuth()).get('/denied'));
        expect(error.response?.status).toBe(status);
        const renderings = [
          String(error),
          JSON.stringify(error),
          inspect(error),
          inspect(error, { depth: 12, showHidden: true }),
          inspect(error.response, { depth: 12, showHidden: true }),
        ];
        for (const text of renderings) {
          expect(text).not.toContain('home-key');
          expect(text).not.toContain('module-secret');
        }
        expect(error.config?.headers.Authorization).toBe(redacted);
        expect(error.config?.headers['X-Module-Key']).toBe(redacted);
        // The request object is still there for code that reads it (hidden from logs only); it holds the
        // head as sent, which is why it must not be printed.
        expect((error.request as { _header?: string })._header).toContain('Bearer home-key');
        expect(error.response?.request).toBe(error.request);
      },
    );

    it('its config can be sent again (by the caller, an interceptor like axios-retry, or a copy without our state): each re-send gets a fresh credential', async () => {
      let issued = 0;
      const rotating = track(
        createAuth({
          baseUrl: home.url,
          credentials: tokenSource(async () => ({ accessToken: `token-${++issued}`, expiresIn: 60 })),
          headers: { 'X-Module-Key': 'module-secret' },
        }),
      );
      const client = withAuth(axios.create({ baseURL: home.url }), rotating);
      // An axios-retry-like interceptor, added after withAuth: re-sends a 503 once with the same config.
      let resent = 0;
      client.interceptors.response.use(undefined, async (error: AxiosError) => {
        if (error.response?.status !== 503 || !error.config || resent > 0) throw error;
        resent++;
        expect(error.config.headers.Authorization).toBe(redacted); // what it re-sends
        home.respond('/flaky', 200);
        return client.request(error.config);
      });
      home.respond('/flaky', 503);
      expect((await client.get('/flaky')).status).toBe(200);
      expect(resent).toBe(1);

      home.respond('/down', 500);
      const error = await failure(client.get('/down'));
      home.respond('/down', 200);
      // The caller re-sends the config as is.
      expect((await client.request(error.config ?? {})).status).toBe(200);
      // A copy that lost our state (a plain object with the redacted headers) is authorized afresh too.
      const { '@auth/axios': _state, ...copy } = error.config as InternalAxiosRequestConfig & {
        '@auth/axios'?: unknown;
      };
      expect(_state).toBeDefined();
      expect((await client.request({ ...copy, headers: { ...error.config?.headers.toJSON() } })).status).toBe(
        200,
      );

      const sent = home.seen.map((entry) => [
        entry.path,
        entry.headers.authorization,
        entry.headers['x-module-key'],
      ]);
      expect(sent).toEqual([
        ['/flaky', 'Bearer token-1', 'module-secret'],
        ['/flaky', 'Bearer token-1', 'module-secret'],
        ['/down', 'Bearer token-1', 'module-secret'],
        ['/down', 'Bearer token-1', 'module-secret'],
        ['/down', 'Bearer token-1', 'module-secret'],
      ]);
      expect(JSON.stringify(home.seen)).not.toContain(redacted);
    });

    it('a 401 from another origin a redirect led to renews nothing and is not retried; a same-origin one is', async () => {
      let issued = 0;
      const auth = track(
        createAuth({
          baseUrl: home.url,
          credentials: tokenSource(async () => ({ accessToken: `token-${++issued}`, expiresIn: 60 })),
        }),
      );
      const client = withAuth(axios.create({ baseURL: home.url }), auth);
      home.redirect('/away', `${foreign.url}/denied`);
      foreign.respond('/denied', 401);
      expect(statusOf(await failure(client.get('/away')))).toBe(401);
      expect(issued).toBe(1);
      expect(home.seen.map((entry) => entry.path)).toEqual(['/away']);
      expect(foreign.seen.map((entry) => entry.headers.authorization)).toEqual([undefined]);

      // Control: the same 401 from our own origin after a redirect is renewed and retried once.
      home.reset();
      home.redirect('/around', '/denied');
      home.respond('/denied', 401);
      expect(statusOf(await failure(client.get('/around')))).toBe(401);
      expect(issued).toBe(2);
      expect(home.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
        ['/around', 'Bearer token-1'],
        ['/denied', 'Bearer token-1'],
        ['/around', 'Bearer token-2'],
        ['/denied', 'Bearer token-2'],
      ]);
    });
  });

  it('the caller’s AbortSignal aborts a request waiting on a hung token request', async () => {
    server.faults.hangTokenRequests(20_000);
    const auth = track(createAuth({ baseUrl: server.url, credentials: await password(server) }));
    const controller = new AbortController();
    const pending = api(server, auth).get('/meta', { signal: controller.signal });
    await sleep(200);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.stats.byPath('/v1/meta').total).toBe(0);
  });

  it('does not re-send a one-shot stream body: axios’ 401 error as is', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await service(server) }));
    const client = api(server, auth);
    await client.get('/meta');
    server.faults.revokeAllTokens();
    const body = Readable.from([JSON.stringify({ class: 'Article', properties: { title: 'stream' } })]);
    const error = await client
      .post('/objects', body, { headers: { 'content-type': 'application/json' } })
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(401);
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 1, 401: 1 });
    expect((await client.get('/meta')).status).toBe(200); // the stale token was dropped all the same
  });
});
