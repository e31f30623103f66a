import type { IncomingHttpHeaders } from 'node:http';
import { inspect } from 'node:util';
import {
  type Auth,
  type AuthOptions,
  apiKey,
  bearerToken,
  ReauthenticationRequiredError,
  tokenSource,
} from '@auth/core';
import type { FetchInput } from '@auth/core/adapter';
import type { WeaviateServer } from '@auth/testing';
import { describe, expect } from 'vitest';
import { type Adapter, type Client, type ClientRequest, DEFAULT_QUERY } from './clients.js';
import {
  credentialKinds,
  numberedTokens,
  passwordGrant,
  renewableKinds,
  revokedCredentials,
  serviceClient,
} from './credentials.js';
import { HOME_KEY, MODULE_SECRET, sleep, test } from './fixture.js';

// Paths on the recording servers end in /graphql, so that graphql-request's queries go to them too (and get
// the `{"data":...}` answer); the REST clients do not mind.
const echo = '/echo/graphql';
const credential = { authorization: `Bearer ${HOME_KEY}`, 'x-module-key': MODULE_SECRET };
const credentialOf = (headers: IncomingHttpHeaders | undefined) => [
  headers?.authorization,
  headers?.['x-module-key'],
];
const none = [undefined, undefined];

/** What a hop to another origin must lose: the Fetch standard's list, whoever set it, and every header from auth. */
const callersOwn = {
  Authorization: 'Bearer callers-own-token',
  Cookie: 'session=callers-own-cookie',
  'Proxy-Authorization': 'Basic callers-own-proxy',
};
const dropped = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'x-module-key'];
const CUSTOM_HEADER_KEY = 'key-in-a-custom-header';

/** `isAuthFailure` for an API that answers an expired token with a 400 whose body says so. */
const expiredIn400: NonNullable<AuthOptions['isAuthFailure']> = async (answer) =>
  answer.status === 401 ||
  (answer.status === 400 &&
    ((await answer.json()) as { error?: string } | undefined)?.error === 'token_expired');

/** How APIs refuse an expired token besides a 401, with the `isAuthFailure` that says so. */
const refusals: readonly [
  name: string,
  refusal: { status: number; body?: unknown },
  isAuthFailure: NonNullable<AuthOptions['isAuthFailure']>,
][] = [
  ['a 403', { status: 403 }, ({ status }) => status === 401 || status === 403],
  ['a 419', { status: 419 }, ({ status }) => status === 401 || status === 419],
  ['a 400 with an error code in its body', { status: 400, body: { error: 'token_expired' } }, expiredIn400],
];

/**
 * Requests and the key of `apiKey({ read, write })` each must carry by Weaviate's rule: reads are GET, HEAD
 * and the POSTs that read (GraphQL, its batch, object validation); everything else writes.
 */
const leastPrivilegeRoutes: readonly [
  method: NonNullable<ClientRequest['method']>,
  path: string,
  key: 'read' | 'write',
][] = [
  ['GET', '/v1/schema', 'read'],
  ['HEAD', '/v1/objects/Article/1', 'read'],
  ['POST', '/v1/graphql', 'read'],
  ['POST', '/v1/graphql/batch', 'read'],
  ['POST', '/v1/objects/validate', 'read'],
  ['POST', '/v1/objects', 'write'],
  ['POST', '/v1/schema', 'write'],
  ['PUT', '/v1/objects/Article/1', 'write'],
  ['PATCH', '/v1/objects/Article/1', 'write'],
  ['DELETE', '/v1/objects/Article/1', 'write'],
];
const READ_KEY = 'read-only-key';
const WRITE_KEY = 'admin-key';

/** `auth` that notes, for each `authorize()` call, the method the adapter gave (upper-cased) and the path. */
function notingMethods(auth: Auth, calls: string[]): Auth {
  const noting: Pick<Auth, 'authorize' | 'handleUnauthorized' | 'isAuthFailure'> = {
    authorize: (url, init) => {
      calls.push(`${init?.method?.toUpperCase() ?? '(no method)'} ${new URL(url, auth.baseUrl).pathname}`);
      return auth.authorize(url, init);
    },
    handleUnauthorized: auth.handleUnauthorized.bind(auth),
    isAuthFailure: auth.isAuthFailure.bind(auth),
  };
  return noting as Auth;
}

/** Every way a logger can show an error (its cause chain too); `getters` are not invoked, as console.log does not. */
function renderings(error: unknown): string[] {
  const out: string[] = [];
  for (let current = error, depth = 0; current !== undefined && depth < 6; depth++) {
    let json = '';
    try {
      json = JSON.stringify(current) ?? '';
    } catch {
      // circular: inspect covers it
    }
    out.push(String(current), json, inspect(current), inspect(current, { depth: 12, showHidden: true }));
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

/**
 * The behaviours every adapter shares, run against real servers through the adapter's facade: the credential
 * arrives (every credential kind), a caller's own header wins, another origin gets nothing (instance base,
 * absolute URL, redirect), a 401 gets one renewal and one retry, a credential that stays invalid gets the 401
 * after exactly one retry, a revoked grant gets the 401 and then a `ReauthenticationRequiredError`,
 * concurrent 401s or an expiry make one token request, the caller's signal aborts a token wait, a one-shot
 * stream body is not re-sent, `apiKey({ read, write })` sends each read with the read-only key and each write
 * with the admin key. Call it inside the adapter's own `describe`.
 */
export function adapterContract(adapter: Adapter): void {
  // A path that needs a credential: a REST read, or a GraphQL query.
  const read = adapter.graphql ? '/v1/graphql' : '/v1/meta';
  const counts = (client: Client, count: number) =>
    Promise.all(Array.from({ length: count }, () => client.request(read)));

  /** A client whose cached token the server no longer accepts (the service client's, revoked). */
  const staleClient = async (server: WeaviateServer, createAuth: (options: AuthOptions) => Auth) => {
    const client = adapter.create(
      createAuth({ baseUrl: server.url, credentials: await serviceClient(server) }),
      server.url,
    );
    expect(await client.request(read)).toBe(200);
    server.faults.revokeAllTokens();
    return client;
  };

  describe(`adapter contract (${adapter.label})`, () => {
    test.for(credentialKinds)('works with %s', async ([, make], { server, createAuth }) => {
      const auth = createAuth({ baseUrl: server.url, credentials: await make(server) });
      const client = adapter.create(auth, server.url);
      if (adapter.graphql) {
        expect(await client.send(read)).toMatchObject({
          status: 200,
          body: { __typename: expect.any(String) },
        });
      } else {
        expect(await client.send('/v1/users/own-info')).toMatchObject({
          status: 200,
          body: { username: expect.any(String) },
        });
      }
    });

    test.for(renewableKinds)(
      'refreshes a 2 s %s token without one failed request',
      async ([, make], { fast, createAuth }) => {
        const client = adapter.create(
          createAuth({ baseUrl: fast.url, credentials: await make(fast) }),
          fast.url,
        );
        const before = fast.stats.tokenRequests.total;
        const statuses: number[] = [];
        // Keep requesting until at least two more tokens were issued (two expiries crossed).
        for (let i = 0; i < 200 && fast.stats.tokenRequests.total < before + 2; i++) {
          statuses.push(await client.request(read));
          await sleep(50);
        }
        expect(fast.stats.tokenRequests.total).toBeGreaterThanOrEqual(before + 2);
        expect(new Set(statuses)).toEqual(new Set([200]));
        // The server served each of them once with a 200 (a token dying early at the server is retried unseen).
        expect(fast.stats.byPath(read)[200]).toBe(statuses.length);
      },
    );

    test('50 concurrent requests at expiry make exactly one token request', async ({ fast, createAuth }) => {
      const client = adapter.create(
        createAuth({ baseUrl: fast.url, credentials: await passwordGrant(fast) }),
        fast.url,
      );
      expect(await client.request(read)).toBe(200);
      await sleep(2200); // the 2 s token has expired
      const before = fast.stats.tokenRequests.total;
      expect(await counts(client, 50)).toEqual(Array(50).fill(200));
      expect(fast.stats.tokenRequests.total - before).toBe(1);
    });

    test('20 concurrent 401s for one stale token: one refresh, each retried once, all succeed', async ({
      server,
      createAuth,
    }) => {
      const client = await staleClient(server, createAuth);
      server.stats.reset();
      expect(await counts(client, 20)).toEqual(Array(20).fill(200));
      expect(server.stats.tokenRequests.total).toBe(1);
      expect(server.stats.byPath(read)).toMatchObject({ total: 40, 401: 20, 200: 20 });
    });

    test('a deleted API key: the 401 after a single request (a static key is not retried)', async ({
      server,
      createAuth,
    }) => {
      const key = server.keys.create('admin');
      server.keys.delete(key);
      const client = adapter.create(
        createAuth({ baseUrl: server.url, credentials: apiKey(key) }),
        server.url,
      );
      expect(await client.request(read)).toBe(401);
      expect(server.stats.byPath(read)).toMatchObject({ total: 1, 401: 1 });
    });

    test('a credential that stays invalid: the 401 after exactly one retry', async ({
      server,
      createAuth,
    }) => {
      const auth = createAuth({ baseUrl: server.url, credentials: await revokedCredentials(server) });
      expect(await adapter.create(auth, server.url).request(read)).toBe(401);
      expect(server.stats.byPath(read)).toMatchObject({ total: 2, 401: 2 });
    });

    test('a revoked grant: the 401 as usual, no retry; the next call says reauthentication is required', async ({
      server,
      createAuth,
    }) => {
      const auth = createAuth({ baseUrl: server.url, credentials: bearerToken(await server.issueTokens()) });
      const client = adapter.create(auth, server.url);
      server.faults.revokeAllTokens();
      expect(await client.request(read)).toBe(401);
      expect(server.stats.byPath(read)).toMatchObject({ total: 1, 401: 1 });
      await expect(client.request(read)).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    });

    if (!adapter.graphql) {
      test('a read-only key writing gets the 403, with no retry', async ({ server, createAuth }) => {
        const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.readOnly) });
        const status = await adapter.create(auth, server.url).request('/v1/objects', {
          method: 'POST',
          body: { class: 'Article', properties: { title: 'no' } },
        });
        expect(status).toBe(403);
        expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 1, 403: 1 });
      });
    }

    describe('least privilege: apiKey({ read, write })', () => {
      /** A GraphQL query: graphql-request sends its own, POSTed to /v1/graphql as the others do. */
      const query: ClientRequest = { method: 'POST', body: { query: DEFAULT_QUERY } };
      /** A write through `client`: an object created, then deleted; resolves with both statuses. */
      const writeAndDelete = async (client: Client) => {
        const created = await client.send('/v1/objects', {
          method: 'POST',
          body: { class: 'LeastPrivilege', properties: { title: adapter.label } },
        });
        const id = (created.body as { id?: string } | undefined)?.id;
        return [created.status, id && (await client.request(`/v1/objects/${id}`, { method: 'DELETE' }))];
      };

      test('at the server: reads as the read-only key’s user, writes with the admin key (not the read-only key’s 403)', async ({
        server,
        createAuth,
      }) => {
        const credentials = apiKey({ read: server.keys.readOnly, write: server.keys.admin });
        const client = adapter.create(createAuth({ baseUrl: server.url, credentials }), server.url);
        expect(await client.request('/v1/graphql', query)).toBe(200);
        if (adapter.graphql) return;
        expect(await client.send('/v1/users/own-info')).toMatchObject({
          status: 200,
          body: { username: 'reader' },
        });
        expect(await writeAndDelete(client)).toEqual([200, 204]);
        expect(server.stats.requests).toMatchObject({ total: 4, 200: 4, 401: 0, 403: 0 });
      });

      test('at the server: a read key it does not know fails every read (GraphQL too) with a 401, the writes succeed', async ({
        server,
        createAuth,
      }) => {
        const unknown = server.keys.create('read-only');
        server.keys.delete(unknown);
        const credentials = apiKey({ read: unknown, write: server.keys.admin });
        const client = adapter.create(createAuth({ baseUrl: server.url, credentials }), server.url);
        expect(await client.request('/v1/graphql', query)).toBe(401);
        expect(server.stats.byPath('/v1/graphql')).toMatchObject({ total: 1, 401: 1 });
        if (adapter.graphql) return;
        expect(await client.request('/v1/schema')).toBe(401);
        expect(await writeAndDelete(client)).toEqual([200, 204]);
        expect(server.stats.requests).toMatchObject({ total: 4, 200: 2, 401: 2 });
      });

      test('each request carries the key its method and path call for, from the method the adapter gives authorize()', async ({
        home,
        createAuth,
      }) => {
        const calls: string[] = [];
        const auth = createAuth({
          baseUrl: home.url,
          credentials: apiKey({ read: READ_KEY, write: WRITE_KEY }),
        });
        const client = adapter.create(notingMethods(auth, calls), home.url);
        // graphql-request only POSTs its queries to /v1/graphql: a read.
        const routes = adapter.graphql
          ? leastPrivilegeRoutes.filter(([, path]) => path === '/v1/graphql')
          : leastPrivilegeRoutes;
        for (const [method, path] of routes) {
          const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined : { n: 1 };
          expect(await client.request(path, { method, ...(body ? { body } : {}) }), `${method} ${path}`).toBe(
            200,
          );
        }
        const key = { read: READ_KEY, write: WRITE_KEY };
        expect(
          home.seen.map((entry) => `${entry.method} ${entry.path} ${entry.headers.authorization}`),
        ).toEqual(routes.map(([method, path, role]) => `${method} ${path} Bearer ${key[role]}`));
        expect(calls).toEqual(routes.map(([method, path]) => `${method} ${path}`));
      });
    });

    describe('origins and headers', () => {
      test('sends the credential and the extra headers to its own origin', async ({ home, homeAuth }) => {
        expect(await adapter.create(homeAuth(), home.url).request(echo)).toBe(200);
        expect(home.seen.map((entry) => entry.path)).toEqual([echo]);
        expect(home.seen[0]?.headers).toMatchObject(credential);
      });

      test('sends nothing to another origin: an instance made for it, or an absolute URL', async ({
        home,
        foreign,
        homeAuth,
      }) => {
        expect(await adapter.create(homeAuth(), foreign.url).request('/elsewhere/graphql')).toBe(200);
        expect(await adapter.create(homeAuth(), home.url).request(`${foreign.url}/absolute/graphql`)).toBe(
          200,
        );
        expect(home.seen).toEqual([]);
        expect(foreign.seen.map((entry) => entry.path)).toEqual(['/elsewhere/graphql', '/absolute/graphql']);
        expect(foreign.seen.map((entry) => credentialOf(entry.headers))).toEqual([none, none]);
      });

      test('drops every credential header on a redirect to another origin, keeps them on a same-origin one', async ({
        home,
        foreign,
        homeAuth,
      }) => {
        home.redirect('/away/graphql', `${foreign.url}/landed/graphql`, 307);
        home.redirect('/around/graphql', echo, 307);
        const client = adapter.create(homeAuth(), home.url);
        expect(await client.request('/away/graphql')).toBe(200);
        expect(home.seen[0]?.headers).toMatchObject(credential);
        expect(foreign.seen.map((entry) => entry.path)).toEqual(['/landed/graphql']);
        expect(credentialOf(foreign.seen[0]?.headers)).toEqual(none);
        expect(await client.request('/around/graphql', { headers: { 'X-Trace': '1' } })).toBe(200);
        expect(home.seen.at(-1)).toMatchObject({ path: echo, headers: { ...credential, 'x-trace': '1' } });
      });

      test('a POST redirected 302 (so it becomes a GET) to another origin and 307 back gets no credential abroad', async ({
        home,
        foreign,
        homeAuth,
      }) => {
        home.redirect('/post/graphql', `${foreign.url}/via/graphql`, 302);
        foreign.redirect('/via/graphql', `${home.url}/back/graphql`, 307);
        const client = adapter.create(homeAuth(), home.url);
        expect(await client.request('/post/graphql', { method: 'POST', body: { n: 1 } })).toBe(200);
        expect(foreign.seen.map((entry) => [entry.method, entry.path, entry.headers.authorization])).toEqual([
          ['GET', '/via/graphql', undefined],
        ]);
        expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual([
          'POST /post/graphql',
          'GET /back/graphql',
        ]);
        // Back home: none of the old body's headers.
        expect(home.seen[1]?.headers['content-type']).toBeUndefined();
      });

      test.for([301, 302, 303, 307, 308] as const)(
        'a %i to another origin drops the Fetch standard’s list (Authorization, Cookie, Proxy-Authorization), whoever set it, and every header from auth',
        async (status, { home, foreign, createAuth }) => {
          const auth = createAuth({
            baseUrl: home.url,
            credentials: apiKey(CUSTOM_HEADER_KEY, { header: 'X-Api-Key' }),
            headers: { 'X-Module-Key': MODULE_SECRET },
          });
          home.redirect('/away/graphql', `${foreign.url}/landed/graphql`, status);
          const headers = { ...callersOwn, 'X-Trace': 'kept' };
          expect(await adapter.create(auth, home.url).request('/away/graphql', { headers })).toBe(200);
          expect(home.seen[0]?.headers).toMatchObject({
            authorization: callersOwn.Authorization,
            cookie: callersOwn.Cookie,
            'proxy-authorization': callersOwn['Proxy-Authorization'],
            'x-api-key': CUSTOM_HEADER_KEY,
            'x-module-key': MODULE_SECRET,
          });
          expect(foreign.seen.map((entry) => entry.path)).toEqual(['/landed/graphql']);
          const abroad = foreign.seen[0]?.headers ?? {};
          expect(dropped.filter((name) => name in abroad)).toEqual([]);
          expect(abroad['x-trace']).toBe('kept');
        },
      );

      test('a 401 from another origin a redirect led to renews nothing and is not retried', async ({
        home,
        foreign,
        createAuth,
      }) => {
        const tokens = numberedTokens();
        const auth = createAuth({ baseUrl: home.url, credentials: tokens.credentials });
        home.redirect('/away/graphql', `${foreign.url}/denied/graphql`, 307);
        foreign.respond('/denied/graphql', 401);
        expect(await adapter.create(auth, home.url).request('/away/graphql')).toBe(401);
        expect(tokens.issued()).toBe(1);
        expect(home.seen.map((entry) => entry.path)).toEqual(['/away/graphql']);
        expect(foreign.seen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
          ['/denied/graphql', undefined],
        ]);
      });

      test('a header the caller sets (per request or on the instance) wins over the credential; the others are added', async ({
        home,
        homeAuth,
      }) => {
        await adapter
          .create(homeAuth(), home.url)
          .request(echo, { headers: { Authorization: 'Bearer mine' } });
        await adapter.create(homeAuth(), home.url, { headers: { 'X-Module-Key': 'instance' } }).request(echo);
        expect(
          home.seen.map((entry) => [entry.headers.authorization, entry.headers['x-module-key']]),
        ).toEqual([
          ['Bearer mine', MODULE_SECRET],
          [`Bearer ${HOME_KEY}`, 'instance'],
        ]);
      });

      if (!adapter.graphql) {
        test('against the server, the caller’s own key is the one that counts', async ({
          server,
          createAuth,
        }) => {
          const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) });
          const reply = await adapter
            .create(auth, server.url)
            .send('/v1/users/own-info', { headers: { authorization: `Bearer ${server.keys.readOnly}` } });
          expect(reply).toMatchObject({ status: 200, body: { username: 'reader' } });
        });
      }
    });

    describe('what users of other auth libraries reach for', () => {
      test('skipAuth sends a request as it is: no credential, no token asked for, no renewal of its 401', async ({
        home,
        createAuth,
      }) => {
        const tokens = numberedTokens();
        const auth = createAuth({
          baseUrl: home.url,
          credentials: tokens.credentials,
          headers: { 'X-Module-Key': MODULE_SECRET },
        });
        home.accept('Bearer token-2'); // anything else is a 401
        const client = adapter.create(auth, home.url);
        expect(await client.request(echo, { skipAuth: true })).toBe(401);
        expect(tokens.issued()).toBe(0);
        // The next request, without it: the credential, a 401, one renewal, one retry.
        expect(await client.request(echo)).toBe(200);
        expect(home.seen.map((entry) => credentialOf(entry.headers))).toEqual([
          none,
          ['Bearer token-1', MODULE_SECRET],
          ['Bearer token-2', MODULE_SECRET],
        ]);
      });

      test('the one retry after an auth failure is marked authRetry, for the caller’s own hooks', async ({
        home,
        createAuth,
      }) => {
        const marks: boolean[] = [];
        home.accept('Bearer token-2');
        const auth = createAuth({ baseUrl: home.url, credentials: numberedTokens().credentials });
        expect(await adapter.create(auth, home.url, { authRetries: marks }).request(echo)).toBe(200);
        expect(marks).toEqual([false, true]);
      });

      // axios reads every answer's body itself: there is none that the adapter drops.
      if (adapter.name !== 'axios') {
        test('an answer it drops (a 401 it sends again, a redirect it follows) has its body cancelled, with a reason', async ({
          home,
          createAuth,
        }) => {
          // Without a reason, fetch builds an AbortError (with its stack) per cancel: a 401 storm pays it per request.
          const reasons: unknown[] = [];
          const watching = async (input: FetchInput, init?: RequestInit): Promise<Response> => {
            const answer = await fetch(input, init);
            if (answer.status === 200 || !answer.body) return answer;
            const reader = answer.body.getReader();
            const body = new ReadableStream<Uint8Array>({
              async pull(controller) {
                const { done, value } = await reader.read();
                if (done) controller.close();
                else controller.enqueue(value);
              },
              cancel(reason) {
                reasons.push(reason);
                return reader.cancel(reason);
              },
            });
            const watched = new Response(body, answer);
            return Object.defineProperty(watched, 'url', { value: answer.url });
          };
          home.accept('Bearer token-2');
          home.redirect('/around/graphql', echo, 307);
          const auth = createAuth({ baseUrl: home.url, credentials: numberedTokens().credentials });
          const client = adapter.create(auth, home.url, { fetch: watching });
          expect(await client.request(echo)).toBe(200);
          expect(await client.request('/around/graphql')).toBe(200);
          expect(reasons).toHaveLength(2);
          expect(reasons.map((reason) => typeof reason)).toEqual(['string', 'string']);
        });
      }

      test.for(refusals)(
        '%s that isAuthFailure counts: renewed, sent again once, with the new token',
        async ([, refusal, isAuthFailure], { home, createAuth }) => {
          const tokens = numberedTokens();
          home.accept('Bearer token-2', refusal);
          const auth = createAuth({ baseUrl: home.url, credentials: tokens.credentials, isAuthFailure });
          expect(await adapter.create(auth, home.url).request(echo)).toBe(200);
          expect(tokens.issued()).toBe(2);
          expect(home.seen.map((entry) => entry.headers.authorization)).toEqual([
            'Bearer token-1',
            'Bearer token-2',
          ]);
        },
      );

      test('an answer isAuthFailure reads and does not count reaches the caller, its body unread', async ({
        home,
        createAuth,
      }) => {
        const tokens = numberedTokens();
        home.accept('Bearer never', { status: 400, body: { error: 'bad_query' } });
        const auth = createAuth({
          baseUrl: home.url,
          credentials: tokens.credentials,
          isAuthFailure: expiredIn400,
        });
        const reply = await adapter.create(auth, home.url).send(echo);
        // graphql-request reads the body itself for its ClientError: the status shows it could.
        expect(reply.status).toBe(400);
        if (!adapter.graphql) expect(reply.body).toEqual({ error: 'bad_query' });
        expect([tokens.issued(), home.seen.length]).toEqual([1, 1]);
      });

      test('a hand-made auth without isAuthFailure: a 401 alone is renewed', async ({ home, createAuth }) => {
        const tokens = numberedTokens();
        const auth = createAuth({
          baseUrl: home.url,
          credentials: tokens.credentials,
          isAuthFailure: ({ status }) => status === 401 || status === 403,
        });
        const handMade = {
          authorize: auth.authorize.bind(auth),
          handleUnauthorized: auth.handleUnauthorized.bind(auth),
        };
        const client = adapter.create(handMade as Auth, home.url);
        home.accept('Bearer token-2', { status: 403 });
        expect(await client.request(echo)).toBe(403);
        expect(tokens.issued()).toBe(1);
        home.accept('Bearer token-2');
        expect(await client.request(echo)).toBe(200);
        expect(tokens.issued()).toBe(2);
      });
    });

    test('the error a request that times out rejects with carries no credential (console.log, a deep inspect, JSON)', async ({
      stalling,
      createAuth,
    }) => {
      const auth = createAuth({
        baseUrl: stalling.url,
        credentials: apiKey(HOME_KEY),
        headers: { 'X-Module-Key': MODULE_SECRET },
      });
      const thrown: unknown[] = [];
      const client = adapter.create(auth, stalling.url, { timeout: 300, thrown });
      await expect(client.request('/slow/graphql')).rejects.toBeDefined();
      // It was sent with the credential, and the error came from the HTTP library.
      expect(stalling.seen.map((headers) => credentialOf(headers))).toEqual([
        [`Bearer ${HOME_KEY}`, MODULE_SECRET],
      ]);
      expect(thrown).toHaveLength(1);
      for (const text of renderings(thrown[0])) {
        expect(text).not.toContain(HOME_KEY);
        expect(text).not.toContain(MODULE_SECRET);
      }
    });

    test('the caller’s AbortSignal aborts a request waiting on a hung token request', async ({
      server,
      createAuth,
    }) => {
      server.faults.hangTokenRequests(20_000);
      const auth = createAuth({ baseUrl: server.url, credentials: await passwordGrant(server) });
      const controller = new AbortController();
      const pending = adapter.create(auth, server.url).request(read, { signal: controller.signal });
      await sleep(200);
      controller.abort();
      // The abort reason, or the library's own error for an aborted request (axios' CanceledError).
      const error = await pending.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(['AbortError', 'CanceledError']).toContain((error as Error | undefined)?.name);
      expect(server.stats.byPath(read).total).toBe(0);
    });

    test('the caller’s AbortSignal aborts a request waiting on the renewal after a 401: the error the bare client gives for an abort', async ({
      home,
      createAuth,
    }) => {
      home.accept('Bearer token-2'); // the first token is refused
      const controller = new AbortController();
      let issued = 0;
      const auth = createAuth({
        baseUrl: home.url,
        credentials: tokenSource(async (signal) => {
          if (++issued === 1) return { accessToken: 'token-1', expiresIn: 60 };
          controller.abort(); // the caller gives up while the renewal waits
          return new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          });
        }),
      });
      const error = await adapter
        .create(auth, home.url)
        .request(echo, { signal: controller.signal })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      // What each library rejects with for an aborted request: axios its CanceledError, the others the reason.
      if (adapter.name === 'axios')
        expect(error).toMatchObject({ name: 'CanceledError', code: 'ERR_CANCELED' });
      else expect(error).toBe(controller.signal.reason);
      expect(home.seen).toHaveLength(1); // the 401; nothing after the abort
    });

    if (adapter.streams) {
      test('does not re-send a one-shot stream body: the 401 as is; the stale token is dropped all the same', async ({
        server,
        createAuth,
      }) => {
        const client = await staleClient(server, createAuth);
        const body = { class: 'Article', properties: { title: 'stream' } };
        expect(await client.request('/v1/objects', { method: 'POST', body, stream: true })).toBe(401);
        expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 1, 401: 1 });
        expect(await client.request(read)).toBe(200);
      });
    }
  });
}
