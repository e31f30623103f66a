import { inspect } from 'node:util';
import { apiKey, oidcPassword, TokenRequestError } from '@auth/core';
import { adapterContract, MODULE_SECRET, numberedTokens, serviceClient, test } from '@auth/test-utils';
import { type KyBase, kyAdapter } from '@auth/test-utils/clients';
import ky, { type KyInstance } from 'ky';
import ky2 from 'ky2';
import { describe, expect, expectTypeOf } from 'vitest';
import { withAuth } from './index.js';

const redacted = '[redacted by @auth/ky]';
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

  test('the 401 retry keeps the instance’s options: base URL, headers, other hooks', async ({
    home,
    createAuth,
  }) => {
    home.accept('Bearer token-2'); // the first token is refused
    const auth = createAuth({ baseUrl: home.url, credentials: numberedTokens().credentials });
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

  test('with retry: 0 the 401 is not retried (the retry counts against ky’s retry.limit)', async ({
    server,
    createAuth,
  }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: await serviceClient(server) });
    const client = withAuth(create(`${server.url}/v1`, { retry: 0 }), auth);
    await client.get('meta');
    server.faults.revokeAllTokens();
    expect(statusOf(await caught(client.get('meta')))).toBe(401);
    expect((await client.get('meta')).status).toBe(200); // the stale token was dropped all the same
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

    test('ky’s HTTPError carries no credential (console.log(error) and a deep inspect show none)', async ({
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
      expect([headers.get('authorization'), headers.get('x-module-key')]).toEqual([redacted, redacted]);
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': MODULE_SECRET,
      });
    });
  });
});
