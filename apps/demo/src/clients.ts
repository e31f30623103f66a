import { withAuth as withAxios } from '@auth/axios';
import type { Auth } from '@auth/core';
import { withAuth as withFetch } from '@auth/fetch';
import { withAuth as withGraphqlRequest } from '@auth/graphql-request';
import { withAuth as withKy } from '@auth/ky';
import axios from 'axios';
import { GraphQLClient } from 'graphql-request';
import ky from 'ky';

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
}

interface ObjectList {
  objects?: Array<{ id: string }>;
}

interface GraphqlAnswer {
  data?: Record<string, unknown>;
  errors?: Array<{ message: string }>;
}

function graphqlData(answer: GraphqlAnswer): Record<string, unknown> {
  if (answer.errors?.length) throw new Error(`GraphQL error: ${answer.errors[0]?.message}`);
  return answer.data ?? {};
}

const ids = (list: ObjectList) => (list.objects ?? []).map((object) => object.id);

function axiosClient(baseUrl: string, auth: Auth): DemoClient {
  const api = withAxios(
    axios.create({ baseURL: `${baseUrl}/v1`, validateStatus: (status) => status < 500 }),
    auth,
  );
  const ok = <T>(response: { status: number; data: T }) => {
    if (response.status >= 400) throw new Error(`HTTP ${response.status}`);
    return response.data;
  };
  return {
    createObject: async (className, properties) =>
      (await api.post('/objects', { class: className, properties })).status,
    listObjects: async (className) =>
      ids(ok(await api.get<ObjectList>('/objects', { params: { class: className } }))),
    graphql: async (query) => graphqlData(ok(await api.post<GraphqlAnswer>('/graphql', { query }))),
  };
}

function kyClient(baseUrl: string, auth: Auth): DemoClient {
  const api = withKy(ky.create({ prefixUrl: `${baseUrl}/v1`, throwHttpErrors: false, retry: 0 }), auth);
  const ok = async <T>(response: Response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    createObject: async (className, properties) =>
      (await api.post('objects', { json: { class: className, properties } })).status,
    listObjects: async (className) =>
      ids(await ok<ObjectList>(await api.get('objects', { searchParams: { class: className } }))),
    graphql: async (query) =>
      graphqlData(await ok<GraphqlAnswer>(await api.post('graphql', { json: { query } }))),
  };
}

function fetchClient(baseUrl: string, auth: Auth): DemoClient {
  const authedFetch = withFetch(fetch, auth);
  const json = async <T>(path: string, init?: RequestInit) => {
    const response = await authedFetch(`${baseUrl}/v1${path}`, init);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const post = (body: unknown): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    createObject: async (className, properties) =>
      (await authedFetch(`${baseUrl}/v1/objects`, post({ class: className, properties }))).status,
    listObjects: async (className) =>
      ids(await json<ObjectList>(`/objects?class=${encodeURIComponent(className)}`)),
    graphql: async (query) => graphqlData(await json<GraphqlAnswer>('/graphql', post({ query }))),
  };
}

/** graphql-request speaks GraphQL only: its writes and lists go through @auth/fetch on the same `auth`. */
function graphqlRequestClient(baseUrl: string, auth: Auth): DemoClient {
  const rest = fetchClient(baseUrl, auth);
  const client = new GraphQLClient(`${baseUrl}/v1/graphql`, withGraphqlRequest({}, auth));
  return { ...rest, graphql: (query) => client.request<Record<string, unknown>>(query) };
}

/** Builds the demo client for one adapter on one `auth` object. */
export function createDemoClient(adapter: AdapterName, baseUrl: string, auth: Auth): DemoClient {
  switch (adapter) {
    case 'axios':
      return axiosClient(baseUrl, auth);
    case 'ky':
      return kyClient(baseUrl, auth);
    case 'graphql-request':
      return graphqlRequestClient(baseUrl, auth);
    case 'fetch':
      return fetchClient(baseUrl, auth);
  }
}
