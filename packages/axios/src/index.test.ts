import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { apiKey } from '@auth/core';
import {
  adapterContract,
  heldTokenSource,
  MODULE_SECRET,
  numberedTokens,
  serviceClient,
  test,
} from '@auth/test-utils';
import { axiosAdapter } from '@auth/test-utils/clients';
import axios, {
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
  isAxiosError,
} from 'axios';
import { describe, expect, expectTypeOf } from 'vitest';
import { withAuth, withoutAuth } from './index.js';

const redacted = '[redacted by @auth/axios]';
const statusOf = (error: unknown) => (isAxiosError(error) ? error.response?.status : undefined);

/** The AxiosError a request failed with. */
async function failure(promise: Promise<unknown>): Promise<AxiosError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isAxiosError(error)) throw new Error(`expected an AxiosError, got ${String(error)}`);
  return error;
}

describe('withAuth(axios instance, auth)', () => {
  adapterContract(axiosAdapter(withAuth));
  adapterContract(axiosAdapter(withAuth, 'fetch'));

  test('returns the same instance, typed as it was', ({ server, createAuth }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) });
    const instance = axios.create();
    const result = withAuth(instance, auth);
    expect(result).toBe(instance);
    expectTypeOf(result).toEqualTypeOf<AxiosInstance>();
  });

  test('a failed request is axios’ own AxiosError', async ({ server, createAuth }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.readOnly) });
    const error = await failure(
      withAuth(axios.create({ baseURL: server.url }), auth).post('/v1/objects', {}),
    );
    expect(error.response?.status).toBe(403);
  });

  describe.each(['http', 'fetch'] as const)('the 401 retry is sent below axios (%s adapter)', (kind) => {
    /** What a user commonly configures: a request transform, validateStatus, interceptors after withAuth. */
    const configured = (baseURL: string, headers: Record<string, string> = {}) => {
      const instance = axios.create({
        baseURL,
        adapter: kind,
        headers,
        validateStatus: () => true,
        // Adds a mark to each object written: applied twice, it reads 'x!!' (or throws on a string).
        transformRequest: [
          (data: { properties: { title: string } } | undefined, requestHeaders) => {
            if (data === undefined) return data;
            requestHeaders.setContentType('application/json');
            return JSON.stringify({ ...data, properties: { title: `${data.properties.title}!` } });
          },
        ],
      });
      const seen: string[] = [];
      instance.interceptors.request.use((config) => {
        seen.push(`request ${config.method}`);
        return config;
      });
      return { instance, seen };
    };
    const unwrap = (response: AxiosResponse) => response.data as { properties?: unknown };
    const write = { class: 'Article', properties: { title: 'x' } };

    test('your interceptors, transformRequest and validateStatus see one request and the retry’s answer, as with plain axios', async ({
      server,
      createAuth,
    }) => {
      const auth = createAuth({ baseUrl: server.url, credentials: await serviceClient(server) });
      const ours = configured(`${server.url}/v1`);
      const client = withAuth(ours.instance, auth);
      // A response interceptor added after withAuth (an envelope unwrapper) must unwrap once.
      client.interceptors.response.use((response) => {
        ours.seen.push(`response ${response.status} ${String(response.config.authRetry)}`);
        return unwrap(response) as unknown as AxiosResponse;
      });
      await client.get('/meta');
      server.faults.revokeAllTokens(); // the cached token is now refused: the first attempt gets a 401
      ours.seen.length = 0;
      const result = (await client.post('/objects', write)) as unknown as { properties: unknown };

      const bare = configured(`${server.url}/v1`, { authorization: `Bearer ${server.keys.admin}` });
      bare.instance.interceptors.response.use((response) => {
        bare.seen.push(`response ${response.status} undefined`);
        return unwrap(response) as unknown as AxiosResponse;
      });
      const expected = (await bare.instance.post('/objects', write)) as unknown as { properties: unknown };

      expect(result.properties).toEqual({ title: 'x!' });
      expect(result.properties).toEqual(expected.properties);
      expect(ours.seen).toEqual(['request post', 'response 200 true']);
      expect(bare.seen).toEqual(['request post', 'response 200 undefined']);
      expect(server.stats.byPath('/v1/objects')).toMatchObject({ 401: 1, 200: 2 });
    });
  });

  // The http adapter's agent (the fetch adapter's dispatcher has no socket limit by default).
  test('a responseType: "stream" 401 is freed before the retry: on an agent with one socket the retry is not stuck behind it', async ({
    createAuth,
    onTestFinished,
  }) => {
    // A server that keeps an idle connection open for good (keepAliveTimeout 0), so that a 401 whose body
    // nobody reads holds the agent's one socket forever; it accepts token-2 only.
    const server = createServer((request, response) => {
      const ok = request.headers.authorization === 'Bearer token-2';
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(ok ? '{"ok":true}' : '{"code":401,"message":"expired"}');
    });
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => {
      agent.destroy();
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const auth = createAuth({ baseUrl: url, credentials: numberedTokens().credentials });
    const client = withAuth(
      axios.create({ baseURL: url, adapter: 'http', responseType: 'stream', httpAgent: agent }),
      auth,
    );
    const response = await client.get('/v1/meta');
    expect(response.status).toBe(200);
    response.data.destroy();
  });

  test('withoutAuth removes its interceptor', async ({ server, createAuth }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) });
    const client = withAuth(axios.create({ baseURL: `${server.url}/v1` }), auth);
    expect((await client.get('/meta')).status).toBe(200);
    expect(withoutAuth(client)).toBe(true);
    expect(statusOf(await client.get('/meta').catch((e: unknown) => e))).toBe(401);
    expect(withoutAuth(client)).toBe(false);
  });

  describe('origins and headers', () => {
    test('with allowAbsoluteUrls: false an absolute URL stays on baseURL, with the credential', async ({
      home,
      foreign,
      homeAuth,
    }) => {
      await withAuth(axios.create({ baseURL: home.url, allowAbsoluteUrls: false }), homeAuth()).get(
        `${foreign.url}/elsewhere`,
      );
      expect(foreign.seen).toHaveLength(0); // axios sent it to baseURL + url, i.e. home
      expect(home.seen[0]?.path).toBe(`/${foreign.url}/elsewhere`);
      expect(home.seen[0]?.headers.authorization).toBe('Bearer home-key');
    });

    test('the instance’s own beforeRedirect still runs on every hop', async ({ home, foreign, homeAuth }) => {
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
      expect((await client.get('/around')).status).toBe(200);
      expect(foreign.seen[0]?.headers.authorization).toBeUndefined();
      expect(ownHookCalls).toBe(2);
    });

    test('an adapter of yours that hands the request to axios’ http adapter: a hop abroad carries no credential', async ({
      home,
      foreign,
      homeAuth,
    }) => {
      home.redirect('/away', `${foreign.url}/landed`);
      home.redirect('/around', '/echo');
      let calls = 0;
      const client = withAuth(
        axios.create({
          baseURL: home.url,
          adapter: (config) => {
            calls++;
            return axios.getAdapter('http', config)(config);
          },
        }),
        homeAuth(),
      );
      expect((await client.get('/away')).status).toBe(200);
      expect((await client.get('/around')).status).toBe(200);
      expect(calls).toBe(2);
      expect(
        foreign.seen.map((entry) => [entry.headers.authorization, entry.headers['x-module-key']]),
      ).toEqual([[undefined, undefined]]);
      expect(home.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
        ['/away', 'Bearer home-key'],
        ['/around', 'Bearer home-key'],
        ['/echo', 'Bearer home-key'],
      ]);
    });

    test('fetch adapter: with maxRedirects: 0 or fetchOptions.redirect "manual" the redirect comes back unfollowed', async ({
      home,
      foreign,
      homeAuth,
    }) => {
      home.redirect('/away', `${foreign.url}/landed`, 307);
      const api = withAuth(
        axios.create({ baseURL: home.url, adapter: 'fetch', validateStatus: () => true }),
        homeAuth(),
      );
      expect((await api.get('/away', { maxRedirects: 0 })).status).toBe(307);
      expect((await api.get('/away', { fetchOptions: { redirect: 'manual' } })).status).toBe(307);
      expect(foreign.seen).toEqual([]);
      expect(home.seen.map((entry) => entry.headers.authorization)).toEqual([
        'Bearer home-key',
        'Bearer home-key',
      ]);
    });

    test('a header set in defaults after withAuth wins over the extra header', async ({ home, homeAuth }) => {
      const client = withAuth(axios.create({ baseURL: home.url }), homeAuth());
      client.defaults.headers.common['X-Module-Key'] = 'from-defaults';
      await client.get('/echo');
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': 'from-defaults',
      });
    });
  });

  describe.each([
    ['http', {}],
    ['fetch', { adapter: 'fetch' }],
  ] as const)('the origin is checked on the URL that is sent (%s adapter)', (_kind, defaults) => {
    const create = (options: CreateAxiosDefaults) => axios.create({ ...options, ...defaults });
    type Rewrite = (config: InternalAxiosRequestConfig, to: string) => void;
    const rewrites: [string, Rewrite][] = [
      [
        'baseURL',
        (config, to) => {
          config.baseURL = to;
        },
      ],
      [
        'url (made absolute)',
        (config, to) => {
          config.url = `${to}${config.url}`;
        },
      ],
    ];

    describe.each(rewrites)('an interceptor that rewrites %s (a failover)', (_what, rewrite) => {
      test.for(['before', 'after'] as const)(
        'added %s withAuth: another origin gets nothing, an allowed one gets the credential',
        async (when, { home, foreign, createAuth }) => {
          const send = async (allowed: string[]) => {
            const instance = create({ baseURL: home.url });
            const failover = (config: InternalAxiosRequestConfig) => {
              rewrite(config, foreign.url);
              return config;
            };
            if (when === 'before') instance.interceptors.request.use(failover);
            const auth = createAuth({
              baseUrl: home.url,
              allowedOrigins: allowed,
              credentials: apiKey('home-key'),
              headers: { 'X-Module-Key': MODULE_SECRET },
            });
            withAuth(instance, auth);
            if (when === 'after') instance.interceptors.request.use(failover);
            expect((await instance.get('/moved')).status).toBe(200);
          };
          await send([]);
          await send([foreign.url]);
          expect(home.seen).toEqual([]);
          expect(
            foreign.seen.map((entry) => [
              entry.path,
              entry.headers.authorization,
              entry.headers['x-module-key'],
            ]),
          ).toEqual([
            ['/moved', undefined, undefined],
            ['/moved', 'Bearer home-key', MODULE_SECRET],
          ]);
        },
      );
    });

    test('a URL object changed while the first token is fetched: the request goes where it pointed', async ({
      home,
      foreign,
      createAuth,
    }) => {
      const held = heldTokenSource('token-1');
      const api = withAuth(create({}), createAuth({ baseUrl: home.url, credentials: held.credentials }));
      const url = new URL('/mine', home.url);
      const pending = api.get(url as unknown as string);
      await held.asked;
      url.href = `${foreign.url}/theirs`;
      held.release();
      expect((await pending).status).toBe(200);
      expect(foreign.seen).toEqual([]);
      expect(home.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
        ['/mine', 'Bearer token-1'],
      ]);
    });

    test('a config whose baseURL is changed while the first token is fetched: sent there, without the credential', async ({
      home,
      foreign,
      createAuth,
    }) => {
      const held = heldTokenSource('token-1');
      const instance = create({ baseURL: home.url });
      let captured: InternalAxiosRequestConfig | undefined;
      instance.interceptors.request.use((config) => {
        captured = config;
        return config;
      });
      const api = withAuth(instance, createAuth({ baseUrl: home.url, credentials: held.credentials }));
      const pending = api.get('/mine');
      await held.asked;
      if (captured) captured.baseURL = foreign.url;
      held.release();
      expect((await pending).status).toBe(200);
      expect(home.seen).toEqual([]);
      expect(foreign.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
        ['/mine', undefined],
      ]);
    });
  });

  describe('the AxiosError that reaches the caller', () => {
    test.for([401, 500])(
      'carries no credential (HTTP %i): JSON.stringify, console.log and a deep inspect show none; error.request stays readable',
      async (status, { home, homeAuth }) => {
        home.respond('/denied', status);
        const instance = axios.create({ baseURL: home.url });
        // A logging interceptor added before withAuth runs first: it must see the error already safe.
        const seenFirst: string[] = [];
        instance.interceptors.response.use(undefined, (early: unknown) => {
          seenFirst.push(JSON.stringify(early), inspect(early, { depth: 12, showHidden: true }));
          throw early;
        });
        const error = await failure(withAuth(instance, homeAuth()).get('/denied'));
        expect(error.response?.status).toBe(status);
        expect(seenFirst).toHaveLength(2);
        const renderings = [
          ...seenFirst,
          String(error),
          JSON.stringify(error),
          inspect(error),
          inspect(error, { depth: 12, showHidden: true }),
          inspect(error.response, { depth: 12, showHidden: true }),
        ];
        for (const text of renderings) {
          expect(text).not.toContain('home-key');
          expect(text).not.toContain(MODULE_SECRET);
        }
        expect(error.config?.headers.Authorization).toBe(redacted);
        expect(error.config?.headers['X-Module-Key']).toBe(redacted);
        // The request object is still there for code that reads it (hidden from logs only); it holds the
        // head as sent, which is why it must not be printed.
        expect((error.request as { _header?: string })._header).toContain('Bearer home-key');
        expect(error.response?.request).toBe(error.request);
      },
    );

    test('its config can be sent again (by the caller, an interceptor like axios-retry, or a copy without our state): each re-send gets a fresh credential', async ({
      home,
      createAuth,
    }) => {
      const rotating = createAuth({
        baseUrl: home.url,
        credentials: numberedTokens().credentials,
        headers: { 'X-Module-Key': MODULE_SECRET },
      });
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
        ['/flaky', 'Bearer token-1', MODULE_SECRET],
        ['/flaky', 'Bearer token-1', MODULE_SECRET],
        ['/down', 'Bearer token-1', MODULE_SECRET],
        ['/down', 'Bearer token-1', MODULE_SECRET],
        ['/down', 'Bearer token-1', MODULE_SECRET],
      ]);
      expect(JSON.stringify(home.seen)).not.toContain(redacted);
    });

    test('a 401 from another origin a redirect led to renews nothing and is not retried; a same-origin one is', async ({
      home,
      foreign,
      createAuth,
    }) => {
      const tokens = numberedTokens();
      const auth = createAuth({ baseUrl: home.url, credentials: tokens.credentials });
      const client = withAuth(axios.create({ baseURL: home.url }), auth);
      home.redirect('/away', `${foreign.url}/denied`);
      foreign.respond('/denied', 401);
      expect(statusOf(await failure(client.get('/away')))).toBe(401);
      expect(tokens.issued()).toBe(1);
      expect(home.seen.map((entry) => entry.path)).toEqual(['/away']);
      expect(foreign.seen.map((entry) => entry.headers.authorization)).toEqual([undefined]);

      // Control: the same 401 from our own origin after a redirect is renewed and retried once.
      home.reset();
      home.redirect('/around', '/denied');
      home.respond('/denied', 401);
      expect(statusOf(await failure(client.get('/around')))).toBe(401);
      expect(tokens.issued()).toBe(2);
      expect(home.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
        ['/around', 'Bearer token-1'],
        ['/denied', 'Bearer token-1'],
        ['/around', 'Bearer token-2'],
        ['/denied', 'Bearer token-2'],
      ]);
    });
  });
});
