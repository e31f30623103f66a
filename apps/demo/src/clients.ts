import { withAuth as withAxios } from '@auth/axios';
import type { Auth } from '@auth/core';
import { withAuth as withFetch } from '@auth/fetch';
import { withAuth as withGraphqlRequest } from '@auth/graphql-request';
import { withAuth as withKy } from '@auth/ky';
import {
  type Adapter,
  axiosAdapter,
  type Client,
  fetchAdapter,
  graphqlRequestAdapter,
  kyAdapter,
} from '@auth/test-utils/clients';

/** The adapters the demo exercises, in table order. */
export const adapters = ['axios', 'ky', 'graphql-request', 'fetch'] as const;
export type AdapterName = (typeof adapters)[number];

/** What a scenario does against Weaviate, whatever the HTTP client underneath. */
export interface DemoClient {
  /** `POST /v1/objects`; resolves with the HTTP status (2xx, or the 4xx the server answered). */
  createObject(className: string, properties: Record<string, unknown>): Promise<number>;
  /** `GET /v1/objects?class=...`: the objects' ids. */
  listObjects(className: string): Promise<string[]>;
  /** `POST /v1/graphql`: the `data` of the answer. */
  graphql(query: string): Promise<Record<string, unknown>>;
  /** `GET /v1/users/own-info`: the user the server took the request for; undefined where it has no such path. */
  whoAmI(): Promise<string | undefined>;
}

interface ObjectList {
  objects?: Array<{ id: string }>;
}

interface GraphqlAnswer {
  data?: Record<string, unknown>;
  errors?: Array<{ message: string }>;
}

// The shared facades (@auth/test-utils), one per adapter; ky without its retries, as a scenario counts requests.
const facades: Record<AdapterName, Adapter> = {
  axios: axiosAdapter(withAxios),
  ky: kyAdapter(withKy, 'prefixUrl'),
  'graphql-request': graphqlRequestAdapter(withGraphqlRequest),
  fetch: fetchAdapter(withFetch),
};

/** The body of a 2xx answer; any other status is an error. */
async function ok<T>(client: Client, target: string, init?: Parameters<Client['send']>[1]): Promise<T> {
  const { status, body } = await client.send(target, init);
  if (status >= 400) throw new Error(`HTTP ${status}`);
  return body as T;
}

/** Builds the demo client for one adapter on one `auth` object. */
export function createDemoClient(adapter: AdapterName, baseUrl: string, auth: Auth): DemoClient {
  const client = facades[adapter].create(auth, `${baseUrl}/v1`, { ky: { retry: 0 } });
  // graphql-request speaks GraphQL only: its writes and lists go through @auth/fetch on the same `auth`.
  const rest = adapter === 'graphql-request' ? facades.fetch.create(auth, `${baseUrl}/v1`) : client;
  return {
    createObject: (className, properties) =>
      rest.request('/objects', { method: 'POST', body: { class: className, properties } }),
    listObjects: async (className) =>
      ((await ok<ObjectList>(rest, `/objects?class=${encodeURIComponent(className)}`)).objects ?? []).map(
        (object) => object.id,
      ),
    graphql: async (query) => {
      if (adapter === 'graphql-request') return ok(client, '/graphql', { query });
      const answer = await ok<GraphqlAnswer>(client, '/graphql', { method: 'POST', body: { query } });
      if (answer.errors?.length) throw new Error(`GraphQL error: ${answer.errors[0]?.message}`);
      return answer.data ?? {};
    },
    whoAmI: async () => {
      const { status, body } = await rest.send('/users/own-info');
      if (status === 404) return undefined;
      if (status >= 400) throw new Error(`own-info answered HTTP ${status}`);
      return (body as { username?: string }).username;
    },
  };
}
