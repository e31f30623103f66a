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
import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
const statusOf = (error: unknown) => (error instanceof ClientError ? error.response.status : undefined);

const count = gql`
  {
    Aggregate {
      Article {
        meta {
          count
        }
      }
    }
  }
`;
const titles = gql`
  {
    Get {
      Article {
        title
      }
    }
  }
`;
type Count = { Aggregate: { Article: { meta: { count: number } }[] } };
type Titles = { Get: { Article: { title: string }[] } };
const ok = gql`
  {
    ok
  }
`;

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

async function seed(s: WeaviateServer): Promise<void> {
  for (const title of ['first', 'second']) {
    const response = await fetch(`${s.url}/v1/objects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.keys.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ class: 'Article', properties: { title } }),
    });
    expect(response.status).toBe(200);
  }
}

beforeAll(async () => {
  [server, fast, home, foreign] = await Promise.all([
    startWeaviateServer(),
    startWeaviateServer({ accessTokenTtl: 2 }),
    startRecordingServer(),
    startRecordingServer(),
  ]);
  await Promise.all([seed(server), seed(fast)]);
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

const client = (s: WeaviateServer, auth: Auth) =>
  new GraphQLClient(`${s.url}/v1/graphql`, withAuth({}, auth));

describe('withAuth(GraphQLClient options, auth)', () => {
  it.each(kinds)('runs Get and Aggregate queries with %s', async (_name, credentials) => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await credentials(server) }));
    const gqlClient = client(server, auth);
    const aggregate = await gqlClient.request<Count>(count);
    expect(aggregate.Aggregate.Article[0]?.meta.count).toBe(2);
    const get = await gqlClient.request<Titles>(titles);
    expect(get.Get.Article.map((article) => article.title).sort()).toEqual(['first', 'second']);
  });

  it.each(kinds.slice(1))('refreshes a 2 s %s token without one failed query', async (_name, credentials) => {
    const auth = track(createAuth({ baseUrl: fast.url, credentials: await credentials(fast) }));
    const gqlClient = client(fast, auth);
    const before = fast.stats.tokenRequests.total;
    const counts: number[] = [];
    for (let i = 0; i < 200 && fast.stats.tokenRequests.total < before + 2; i++) {
      counts.push((await gqlClient.request<Count>(count)).Aggregate.Article[0]?.meta.count ?? -1); // a failure throws
      await sleep(50);
    }
    expect(fast.stats.tokenRequests.total).toBeGreaterThanOrEqual(before + 2);
    expect(new Set(counts)).toEqual(new Set([2]));
    // The server served each of them once with a 200 (a token dying early at the server is retried unseen).
    expect(fast.stats.byPath('/v1/graphql')[200]).toBe(counts.length);
  });

  it('50 concurrent queries at expiry make exactly one token request', async () => {
    const auth = track(createAuth({ baseUrl: fast.url, credentials: await password(fast) }));
    const gqlClient = client(fast, auth);
    await gqlClient.request(count);
    await sleep(2200); // the 2 s token has expired
    const before = fast.stats.tokenRequests.total;
    const results = await Promise.all(Array.from({ length: 50 }, () => gqlClient.request<Count>(count)));
    expect(results.map((result) => result.Aggregate.Article[0]?.meta.count)).toEqual(Array(50).fill(2));
    expect(fast.stats.tokenRequests.total - before).toBe(1);
  });

  it('20 concurrent 401s for one stale token: one refresh, each retried once, all succeed', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await service(server) }));
    const gqlClient = client(server, auth);
    await gqlClient.request(count);
    server.faults.revokeAllTokens();
    server.stats.reset();
    const results = await Promise.all(Array.from({ length: 20 }, () => gqlClient.request<Count>(count)));
    expect(results.map((result) => result.Aggregate.Article[0]?.meta.count)).toEqual(Array(20).fill(2));
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(server.stats.byPath('/v1/graphql')).toMatchObject({ total: 40, 401: 20, 200: 20 });
  });

  it('a deleted API key: graphql-request’s ClientError 401 after a single request', async () => {
    const key = server.keys.create('admin');
    server.keys.delete(key);
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(key) }));
    const error = await client(server, auth)
      .request(count)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect(statusOf(error)).toBe(401);
    expect(server.stats.byPath('/v1/graphql')).toMatchObject({ total: 1, 401: 1 });
  });

  it('a credential that stays invalid: ClientError 401 after exactly one retry', async () => {
    const tokens = [await server.issueTokens(), await server.issueTokens()].map((t) => t.accessToken);
    server.faults.revokeAllTokens();
    const auth = track(createAuth({ baseUrl: server.url, credentials: revokedTokens(tokens) }));
    const error = await client(server, auth)
      .request(count)
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(401);
    expect(server.stats.byPath('/v1/graphql')).toMatchObject({ total: 2, 401: 2 });
  });

  it('a revoked grant: ClientError 401 as usual, no retry; the next call says reauthentication is required', async () => {
    const auth = track(
      createAuth({ baseUrl: server.url, credentials: bearerToken(await server.issueTokens()) }),
    );
    server.faults.revokeAllTokens();
    expect(
      statusOf(
        await client(server, auth)
          .request(count)
          .catch((e: unknown) => e),
      ),
    ).toBe(401);
    expect(server.stats.byPath('/v1/graphql')).toMatchObject({ total: 1, 401: 1 });
    await expect(client(server, auth).request(count)).rejects.toBeInstanceOf(ReauthenticationRequiredError);
  });

  it('a read-only key can query (GraphQL has no writes here, so there is no 403 to provoke)', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.readOnly) }));
    expect((await client(server, auth).request<Count>(count)).Aggregate.Article[0]?.meta.count).toBe(2);
    expect(server.stats.byPath('/v1/graphql')).toMatchObject({ total: 1, 200: 1 });
  });

  it('keeps the caller’s own requestMiddleware and fetch', async () => {
    const auth = track(createAuth({ baseUrl: server.url, credentials: await service(server) }));
    let middleware = 0;
    let fetches = 0;
    const options = withAuth(
      {
        requestMiddleware: (request) => {
          middleware++;
          return request;
        },
        fetch: (input: RequestInfo | URL, init?: RequestInit) => {
          fetches++;
          return fetch(input, init);
        },
      },
      auth,
    );
    const gqlClient = new GraphQLClient(`${server.url}/v1/graphql`, options);
    await gqlClient.request(count);
    server.faults.revokeAllTokens();
    await gqlClient.request(count); // 401, then the retry
    expect([middleware, fetches]).toEqual([2, 3]);
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
      await new GraphQLClient(`${home.url}/graphql`, withAuth({}, homeAuth())).request(ok);
      expect(home.seen[0]?.headers).toMatchObject({
        authorization: 'Bearer home-key',
        'x-module-key': 'module-secret',
      });
    });

    it('sends nothing to another origin', async () => {
      await new GraphQLClient(`${foreign.url}/graphql`, withAuth({}, homeAuth())).request(ok);
      expect(foreign.seen).toHaveLength(1);
      expect(foreign.seen[0]?.headers.authorization).toBeUndefined();
      expect(foreign.seen[0]?.headers['x-module-key']).toBeUndefined();
    });

    it('drops every credential header on a redirect to another origin', async () => {
      home.redirect('/graphql', `${foreign.url}/graphql`, 307);
      expect(await new GraphQLClient(`${home.url}/graphql`, withAuth({}, homeAuth())).request(ok)).toEqual({
        ok: true,
      });
      expect(home.seen[0]?.headers.authorization).toBe('Bearer home-key');
      expect(foreign.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /graphql']);
      expect(foreign.seen[0]?.headers.authorization).toBeUndefined();
      expect(foreign.seen[0]?.headers['x-module-key']).toBeUndefined();
    });

    it('a query redirected 302 (so it becomes a GET) to another origin, then 307 back, is followed without a credential abroad', async () => {
      home.redirect('/graphql', `${foreign.url}/via`, 302);
      foreign.redirect('/via', `${home.url}/back/graphql`, 307);
      expect(await new GraphQLClient(`${home.url}/graphql`, withAuth({}, homeAuth())).request(ok)).toEqual({
        ok: true,
      });
      expect(foreign.seen.map((entry) => [entry.method, entry.path, entry.headers.authorization])).toEqual([
        ['GET', '/via', undefined],
      ]);
      expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual([
        'POST /graphql',
        'GET /back/graphql',
      ]);
    });

    it('a header the caller sets (client or per request) wins over the credential; the others are added', async () => {
      const gqlClient = new GraphQLClient(
        `${home.url}/graphql`,
        withAuth({ headers: { Authorization: 'Bearer client-level' } }, homeAuth()),
      );
      await gqlClient.request(ok);
      await gqlClient.request(ok, {}, { 'X-Module-Key': 'per-request' });
      expect(home.seen.map((entry) => [entry.headers.authorization, entry.headers['x-module-key']])).toEqual([
        ['Bearer client-level', 'module-secret'],
        ['Bearer client-level', 'per-request'],
      ]);
    });
  });

  it('the caller’s AbortSignal aborts a query waiting on a hung token request', async () => {
    server.faults.hangTokenRequests(20_000);
    const auth = track(createAuth({ baseUrl: server.url, credentials: await password(server) }));
    const controller = new AbortController();
    const pending = client(server, auth).request({ document: count, signal: controller.signal });
    await sleep(200);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.stats.byPath('/v1/graphql').total).toBe(0);
  });
});
