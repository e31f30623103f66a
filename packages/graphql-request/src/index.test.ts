import { apiKey } from '@auth/core';
import { adapterContract, HOME_KEY, MODULE_SECRET, serviceClient, test } from '@auth/test-utils';
import { graphqlRequestAdapter } from '@auth/test-utils/clients';
import type { WeaviateServer } from '@auth/testing';
import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { describe, expect } from 'vitest';
import { withAuth } from './index.js';

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

async function seed(server: WeaviateServer): Promise<void> {
  for (const title of ['first', 'second']) {
    const response = await fetch(`${server.url}/v1/objects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.keys.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ class: 'Article', properties: { title } }),
    });
    expect(response.status).toBe(200);
  }
}

test.beforeAll(async ({ weaviate }) => {
  await seed(weaviate);
});

const client = (server: WeaviateServer, auth: Parameters<typeof withAuth>[1]) =>
  new GraphQLClient(`${server.url}/v1/graphql`, withAuth({}, auth));

describe('withAuth(GraphQLClient options, auth)', () => {
  adapterContract(graphqlRequestAdapter(withAuth));

  test('runs Get and Aggregate queries', async ({ server, createAuth }) => {
    const gqlClient = client(
      server,
      createAuth({ baseUrl: server.url, credentials: await serviceClient(server) }),
    );
    const aggregate = await gqlClient.request<Count>(count);
    expect(aggregate.Aggregate.Article[0]?.meta.count).toBe(2);
    const get = await gqlClient.request<Titles>(titles);
    expect(get.Get.Article.map((article) => article.title).sort()).toEqual(['first', 'second']);
  });

  test('a failed query is graphql-request’s own ClientError', async ({ server, createAuth }) => {
    const key = server.keys.create('admin');
    server.keys.delete(key);
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(key) });
    const error = await client(server, auth)
      .request(count)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).response.status).toBe(401);
  });

  test('a read-only key can query (GraphQL has no writes here, so there is no 403 to provoke)', async ({
    server,
    createAuth,
  }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.readOnly) });
    expect((await client(server, auth).request<Count>(count)).Aggregate.Article[0]?.meta.count).toBe(2);
    expect(server.stats.byPath('/v1/graphql')).toMatchObject({ total: 1, 200: 1 });
  });

  test('keeps the caller’s own requestMiddleware and fetch', async ({ server, createAuth }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: await serviceClient(server) });
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

  test('a header set on the client wins over the credential; a per-request one over the client’s', async ({
    home,
    homeAuth,
  }) => {
    const gqlClient = new GraphQLClient(
      `${home.url}/graphql`,
      withAuth({ headers: { Authorization: 'Bearer client-level' } }, homeAuth()),
    );
    await gqlClient.request(ok);
    await gqlClient.request(ok, {}, { Authorization: 'Bearer per-request' });
    expect(home.seen.map((entry) => [entry.headers.authorization, entry.headers['x-module-key']])).toEqual([
      ['Bearer client-level', MODULE_SECRET],
      ['Bearer per-request', MODULE_SECRET],
    ]);
    expect(home.seen.map((entry) => entry.headers.authorization)).not.toContain(`Bearer ${HOME_KEY}`);
  });
});
