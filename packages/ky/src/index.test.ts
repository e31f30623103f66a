import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { type Auth, type AuthOptions, apiKey, oidcPassword, TokenRequestError } from '@auth/core';
import { adapterContract, MODULE_SECRET, numberedTokens, serviceClient, test } from '@auth/test-utils';
import { type KyBase, kyAdapter } from '@auth/test-utils/clients';
import ky, { type KyInstance } from 'ky';
import ky2 from 'ky2';
import { describe, expect, expectTypeOf } from 'vitest';
import { type AuthContext, withAuth } from './index.js';

const statusOf = (error: unknown) => (error as { name?: string; response?: Response })?.response?.status;
const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

type Options = Record<string, unknown>;
// Both majors, same tests; paths are written without a leading slash so they work with every base option.
const variants: [string, KyBase, (base: string, options?: Options) => KyInstance][] = [
  ['ky 1 (prefixUrl)', 'prefixUrl', (base, options = {}) => ky.create({ prefixUrl: base, ...options })],
  [
    'ky 2 (baseUrl)',
    'baseUrl',
    (base, options = {}) => ky2.create({ baseUrl: `${base}/`, ...options }) as unknown as KyInstance,
  ],
  [
    'ky 2 (prefix)',
    'prefix',
    (base, options = {}) => ky2.create({ prefix: base, ...options }) as unknown as KyInstance,
  ],
];

/** A client with `retry: 0` whose cached token the server has just revoked. */
async function staleWithoutRetries(
  server: Parameters<typeof serviceClient>[0],
  createAuth: (options: AuthOptions) => Auth,
  create: (base: string, options?: Options) => KyInstance,
): Promise<KyInstance> {
  const auth = createAuth({ baseUrl: server.url, credentials: await serviceClient(server) });
  const client = withAuth(create(`${server.url}/v1`, { retry: 0 }), auth);
  await client.get('meta');
  server.faults.revokeAllTokens();
  return client;
}

describe.each(variants)('withAuth(%s instance, auth)', (_variant, kyBase, create) => {
  adapterContract(kyAdapter(withAuth, kyBase));

  test('returns a new instance of the same type', ({ server, createAuth }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) });
    const base = create(server.url);
    const result = withAuth(base, auth);
    expect(result).not.toBe(base);
    expectTypeOf(result).toEqualTypeOf<KyInstance>();
  });

  test('a failed request is ky’s own HTTPError', async ({ server, createAuth }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.readOnly) });
    const error = await caught(withAuth(create(server.url), auth).post('v1/objects', { json: {} }));
    expect(error).toMatchObject({ name: 'HTTPError' });
    expect(statusOf(error)).toBe(403);
  });

  test('the 401 retry is sent below ky: base URL, headers and body as sent, your hooks run once and see the retry’s answer, your fetch is told it is the retry', async ({
    home,
    createAuth,
  }) => {
    home.accept('Bearer token-2'); // the first token is refused
    const auth = createAuth({ baseUrl: home.url, credentials: numberedTokens().credentials });
    const hooks: string[] = [];
    const toFetch: boolean[] = [];
    // ky 1 calls hooks with positional arguments, ky 2 with one state object.
    const responseOf = (args: unknown[]) =>
      (args[0] instanceof Request ? args[2] : (args[0] as { response: unknown }).response) as Response;
    const options = {
      headers: { 'X-From-Instance': 'yes' },
      timeout: 5000,
      fetch: (input: RequestInfo | URL, init?: RequestInit & { authRetry?: boolean }) => {
        toFetch.push(init?.authRetry === true);
        return fetch(input, init);
      },
      hooks: {
        beforeRequest: [() => void hooks.push('beforeRequest')],
        // A hook that maps each answer (e.g. unwraps an envelope) must map the retry's answer once.
        afterResponse: [
          async (...args: unknown[]) => {
            const response = responseOf(args);
            hooks.push(`afterResponse ${response.status}`);
            return Response.json({ mapped: await response.json() }, { status: response.status });
          },
        ],
      },
    };
    const body = await withAuth(create(`${home.url}/api`, options), auth)
      .post('things', { json: { n: 1 } })
      .json();
    // Plain ky, with a credential the server takes at once, gets the very same.
    const bare = await create(`${home.url}/api`, {
      ...options,
      headers: { ...options.headers, authorization: 'Bearer token-2' },
    })
      .post('things', { json: { n: 1 } })
      .json();
    expect(body).toEqual({ mapped: { ok: true } });
    expect(bare).toEqual(body);
    expect(hooks).toEqual(['beforeRequest', 'afterResponse 200', 'beforeRequest', 'afterResponse 200']);
    expect(toFetch).toEqual([false, true, false]);
    expect(
      home.seen.map((entry) => [
        entry.path,
        entry.headers.authorization,
        entry.headers['x-from-instance'],
        entry.headers['content-type'],
        entry.headers['content-length'],
      ]),
    ).toEqual([
      ['/api/things', 'Bearer token-1', 'yes', 'application/json', '7'],
      ['/api/things', 'Bearer token-2', 'yes', 'application/json', '7'],
      ['/api/things', 'Bearer token-2', 'yes', 'application/json', '7'],
    ]);
  });

  test('with retry: 0, 20 concurrent requests meeting a revoked token: one token request, each sent again once, all succeed', async ({
    server,
    createAuth,
  }) => {
    const client = await staleWithoutRetries(server, createAuth, create);
    server.stats.reset();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => (await client.get('meta')).status),
    );
    expect(statuses).toEqual(Array(20).fill(200));
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(server.stats.byPath('/v1/meta')).toMatchObject({ total: 40, 401: 20, 200: 20 });
  });

  test('with retry: 0 a POST’s body is sent again after a 401 (ky 2 hands its fetch the very request then)', async ({
    server,
    createAuth,
  }) => {
    const client = await staleWithoutRetries(server, createAuth, create);
    const created = await client
      .post('objects', { json: { class: 'Article', properties: { title: 'sent twice' } } })
      .json<{ properties: { title: string } }>();
    expect(created.properties.title).toBe('sent twice');
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 2, 401: 1, 200: 1 });
  });

  test('after a 401, each body is sent again as plain ky sent it: a form (same boundary as its Content-Type, also after a 307), your own Request’s body, JSON with searchParams', async ({
    createAuth,
    onTestFinished,
  }) => {
    // Answers with what arrived; a 401 unless it carries token-2.
    const arrived: string[] = [];
    const echo = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received = `${request.url} ${request.headers['content-type']} ${Buffer.concat(chunks)}`;
        arrived.push(received);
        if (request.url === '/moved') {
          response.writeHead(307, { location: '/form' }).end();
          return;
        }
        const ok = request.headers.authorization === 'Bearer token-2';
        response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        response.end(JSON.stringify(ok ? { received } : { code: 401 }));
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      echo.closeAllConnections();
      echo.close();
    });
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const calls = (api: KyInstance) => {
      const form = new FormData();
      form.append('field', 'value');
      return [
        () => api.post('form', { body: form }),
        () => api(new Request(`${url}/own`, { method: 'POST', body: 'own body' })),
        () => api.post('json', { json: { n: 1 }, searchParams: { q: 'a b' } }),
        // A 307 keeps the body: the hop the adapter follows sends the form again.
        () => api.post('moved', { body: form }),
      ];
    };
    const received = async (response: Promise<Response>) =>
      ((await (await response).json()) as { received: string }).received;
    const bare = calls(create(url, { retry: 0, headers: { authorization: 'Bearer token-2' } }));
    for (const [index, call] of calls(create(url, { retry: 0 })).entries()) {
      const auth = createAuth({ baseUrl: url, credentials: numberedTokens().credentials });
      const ours = calls(withAuth(create(url, { retry: 0 }), auth))[index] ?? call;
      arrived.length = 0;
      const answer = await received(ours());
      expect(arrived).toHaveLength(index === 3 ? 4 : 2); // the 401, then the retry (each after its 307)
      // After the 307, what plain ky posts to /form directly (plain fetch, following a 307 itself, sends the
      // form with a new boundary under the first one's Content-Type).
      const expected = await received((bare[index === 3 ? 0 : index] ?? call)());
      // A form's boundary is random per serialization: compare with it taken out.
      const boundary = /boundary=(\S+)/;
      const normal = (text: string) => text.replaceAll(boundary.exec(text)?.[1] ?? '\u0000', 'B');
      expect(normal(answer)).toBe(normal(expected));
      expect(normal(arrived[index === 3 ? 1 : 0] ?? '')).toBe(normal(expected));
    }
  });

  test('a renewal that does not help: the caller gets ky’s HTTPError 401 after exactly one retry, or the 401 with throwHttpErrors: false', async ({
    home,
    createAuth,
  }) => {
    home.accept('Bearer never'); // every token is refused
    const tokens = numberedTokens();
    const api = withAuth(
      create(home.url, { retry: 2 }),
      createAuth({ baseUrl: home.url, credentials: tokens.credentials }),
    );
    expect(statusOf(await caught(api.get('denied')))).toBe(401);
    expect((await api.get('denied', { throwHttpErrors: false })).status).toBe(401);
    expect(home.seen.map((entry) => entry.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
      'Bearer token-2',
      'Bearer token-3',
    ]);
  });

  test('after redirects it followed hop by hop, the answer reads as plain ky’s: the last hop’s url, redirected: true', async ({
    home,
    foreign,
    homeAuth,
  }) => {
    const api = withAuth(create(home.url), homeAuth());
    home.redirect('/near', '/echo');
    home.redirect('/far', `${foreign.url}/landed`);
    const read = ({ status, url, redirected }: Response) => ({ status, url, redirected });
    for (const path of ['near', 'far', 'echo']) {
      const [ours, bare] = [await api.get(path), await create(home.url).get(path)];
      expect(read(ours)).toEqual(read(bare));
    }
    expect(read(await api.get('far'))).toMatchObject({ redirected: true });
    expect(foreign.seen.map((entry) => entry.headers.authorization)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('sends nothing to another origin: an absolute URL on an instance without a base', async ({
    foreign,
    homeAuth,
  }) => {
    await withAuth(ky.create({}), homeAuth()).get(`${foreign.url}/elsewhere`);
    await withAuth(ky2.create({}) as unknown as KyInstance, homeAuth()).get(`${foreign.url}/absolute`);
    expect(foreign.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
      ['/elsewhere', undefined],
      ['/absolute', undefined],
    ]);
  });

  describe('errors', () => {
    test('an AuthError from authorize() is not retried by ky: one password grant for a wrong password, whatever the retry settings', async ({
      server,
      createAuth,
    }) => {
      const wrong = createAuth({
        baseUrl: server.url,
        credentials: oidcPassword({ username: server.users.admin.username, password: 'not-the-password' }),
      });
      const api = (options?: Options) => withAuth(create(`${server.url}/v1`, options), wrong);
      const calls: [string, () => Promise<unknown>][] = [
        ['ky’s default retry', () => api().get('meta')],
        ['retry: 3 on the instance', () => api({ retry: 3 }).get('meta')],
        ['retry: 3 on the request', () => api().get('meta', { retry: 3 })],
        [
          'a shouldRetry that says yes',
          () => api({ retry: { limit: 3, shouldRetry: () => true } }).get('meta'),
        ],
      ];
      for (const [how, call] of calls) {
        server.stats.reset();
        const error = await caught(call());
        expect(error, how).toBeInstanceOf(TokenRequestError);
        expect((error as TokenRequestError).error, how).toBe('invalid_grant');
        expect(server.stats.tokenRequests.password, how).toBe(1);
        expect(server.stats.byPath('/v1/meta').total, how).toBe(0);
      }
    });

    test('the caller’s own retry settings still apply to other errors (a 503 with retry: 1 is sent twice)', async ({
      home,
      homeAuth,
    }) => {
      home.respond('/flaky', 503);
      const error = await caught(withAuth(create(home.url, { retry: 1 }), homeAuth()).get('flaky'));
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
      expect(statusOf(await caught(never.get('flaky')))).toBe(503);
      expect([asked, home.seen.length]).toEqual([1, 1]);
    });

    test('a skipAuth request that ky sends again (a 503 with retry: 1) carries no credential either time (ky 2 runs no beforeRequest hook for its retries)', async ({
      home,
      homeAuth,
    }) => {
      home.respond('/flaky', 503);
      const api = withAuth(create(home.url, { retry: 1 }), homeAuth());
      const error = await caught(api.get('flaky', { context: { skipAuth: true } }));
      expect(statusOf(error)).toBe(503);
      expect(
        home.seen.map((entry) => [entry.path, entry.headers.authorization, entry.headers['x-module-key']]),
      ).toEqual([
        ['/flaky', undefined, undefined],
        ['/flaky', undefined, undefined],
      ]);
    });

    test('ky’s HTTPError carries no credential: ky’s own Request never holds it (console.log(error) and a deep inspect show none)', async ({
      home,
      homeAuth,
    }) => {
      home.respond('/denied', 403);
      const error = await caught(withAuth(create(home.url), homeAuth()).get('denied'));
      expect(statusOf(error)).toBe(403);
      for (const text of [String(error), inspect(error), inspect(error, { depth: 12, showHidden: true })]) {
        expect(text).not.toContain('home-key');
        expect(text).not.toContain(MODULE_SECRET);
      }
      const { headers } = (error as { request: Request }).request;
      expect([headers.get('authorization'), headers.get('x-module-key')]).toEqual([null, null]);
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': MODULE_SECRET,
      });
    });
  });
});

test('an AuthContext value fits ky’s own `context` option, in ky 1 and ky 2 (typed as ky types it: a record)', async ({
  home,
  homeAuth,
}) => {
  // Not only an object literal: a value typed AuthContext, as its TSDoc example passes it.
  const context: AuthContext = { skipAuth: true };
  const one = withAuth(ky.create({ prefixUrl: home.url }), homeAuth());
  const two = withAuth(ky2.create({ prefix: home.url }), homeAuth());
  expect((await one.get('open', { context })).status).toBe(200);
  expect((await two.get('open', { context })).status).toBe(200);
  expectTypeOf<AuthContext>().toExtend<Record<string, unknown>>();
  expect(home.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
    ['/open', undefined],
    ['/open', undefined],
  ]);
});
