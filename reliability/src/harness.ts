import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withAuth as withAxios } from '@auth/axios';
import type { Auth } from '@auth/core';
import { withAuth as withFetch } from '@auth/fetch';
import { withAuth as withGraphql } from '@auth/graphql-request';
import { type KyLike, withAuth as withKy } from '@auth/ky';
import axios, { isAxiosError } from 'axios';
import { ClientError, GraphQLClient } from 'graphql-request';
import ky, { HTTPError } from 'ky';
import ky2, { HTTPError as HTTPError2 } from 'ky2';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One request as the tests make it, whatever the HTTP client. */
export interface RequestInit {
  readonly method?: 'GET' | 'POST';
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

/**
 * A uniform face over an HTTP client with `withAuth` applied. `request` resolves with the HTTP status the
 * caller saw (the library's own HTTP error counts as a status) and rejects with anything else (an
 * `AuthError`, a network error). Every error the library threw is also pushed into `thrown`.
 */
export interface Client {
  readonly adapter: AdapterName;
  request(path: string, init?: RequestInit): Promise<number>;
}

export type AdapterName = 'fetch' | 'axios' | 'ky 1' | 'ky 2' | 'graphql-request';

export interface Adapter {
  readonly name: AdapterName;
  /** `base` is the origin (and optional path) the client talks to; `thrown` collects every error the client threw. */
  create(auth: Auth, base: string, thrown?: unknown[]): Client;
}

const GRAPHQL_QUERY = '{ Aggregate { Article { meta { count } } } }';

/** The HTTP status inside a library's own HTTP error, or undefined for any other error. */
export function httpStatusOf(error: unknown): number | undefined {
  if (isAxiosError(error)) return error.response?.status;
  if (error instanceof HTTPError || error instanceof HTTPError2) return error.response.status;
  if (error instanceof ClientError) return error.response.status;
  return undefined;
}

async function settle(promise: Promise<number>, thrown: unknown[] | undefined): Promise<number> {
  try {
    return await promise;
  } catch (error) {
    thrown?.push(error);
    const status = httpStatusOf(error);
    if (status !== undefined) return status;
    throw error;
  }
}

const join = (base: string, path: string): string => `${base.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;

export const adapters: readonly Adapter[] = [
  {
    name: 'fetch',
    create: (auth, base, thrown) => {
      const authed = withFetch(fetch, auth);
      return {
        adapter: 'fetch',
        request: (path, init = {}) =>
          settle(
            (async () => {
              const response = await authed(join(base, path), {
                method: init.method ?? 'GET',
                headers: {
                  ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
                  ...init.headers,
                },
                ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
                ...(init.signal ? { signal: init.signal } : {}),
              });
              await response.arrayBuffer();
              return response.status;
            })(),
            thrown,
          ),
      };
    },
  },
  {
    name: 'axios',
    create: (auth, base, thrown) => {
      const api = withAxios(axios.create({ baseURL: base }), auth);
      return {
        adapter: 'axios',
        request: (path, init = {}) =>
          settle(
            api
              .request({
                url: path,
                method: init.method ?? 'GET',
                ...(init.body === undefined ? {} : { data: init.body }),
                ...(init.headers ? { headers: init.headers } : {}),
                ...(init.signal ? { signal: init.signal } : {}),
              })
              .then((response) => response.status),
            thrown,
          ),
      };
    },
  },
  {
    name: 'ky 1',
    create: (auth, base, thrown) => {
      const api = withKy(ky.create({ prefixUrl: base, retry: { limit: 1 } }), auth);
      return {
        adapter: 'ky 1',
        request: (path, init = {}) =>
          settle(
            api(path.replace(/^\//, ''), {
              method: init.method ?? 'GET',
              ...(init.body === undefined ? {} : { json: init.body }),
              ...(init.headers ? { headers: init.headers } : {}),
              ...(init.signal ? { signal: init.signal } : {}),
            }).then(async (response) => {
              await response.arrayBuffer();
              return response.status;
            }),
            thrown,
          ),
      };
    },
  },
  {
    name: 'ky 2',
    create: (auth, base, thrown) => {
      const api = withKy(
        ky2.create({ prefix: base, retry: { limit: 1 } }) as unknown as KyLike,
        auth,
      ) as never as typeof ky2;
      return {
        adapter: 'ky 2',
        request: (path, init = {}) =>
          settle(
            api(path.replace(/^\//, ''), {
              method: init.method ?? 'GET',
              ...(init.body === undefined ? {} : { json: init.body }),
              ...(init.headers ? { headers: init.headers } : {}),
              ...(init.signal ? { signal: init.signal } : {}),
            }).then(async (response) => {
              await response.arrayBuffer();
              return response.status;
            }),
            thrown,
          ),
      };
    },
  },
  {
    name: 'graphql-request',
    create: (auth, base, thrown) => {
      const client = new GraphQLClient(join(base, '/v1/graphql'), withGraphql({}, auth));
      return {
        adapter: 'graphql-request',
        // GraphQL has one endpoint: every request is a query to /v1/graphql, whatever `path` says.
        request: (_path, init = {}) =>
          settle(
            client
              .request({
                document: GRAPHQL_QUERY,
                ...(init.headers ? { requestHeaders: init.headers } : {}),
                ...(init.signal ? { signal: init.signal } : {}),
              })
              .then(() => 200),
            thrown,
          ),
      };
    },
  },
];

export const adapterNames = adapters.map((adapter) => adapter.name);

/** What a recording proxy saw: one entry per request that reached it. */
export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  status?: number;
}

/**
 * A reverse proxy in front of the embedded server that records every request (method, path, headers as
 * they arrived) and the status the server answered: what the server actually received.
 */
export interface RecordingProxy {
  readonly url: string;
  readonly seen: Seen[];
  /** Authorization headers that arrived, in order. */
  authorizations(): (string | undefined)[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const seen: Seen[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const entry: Seen = { method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers } };
    seen.push(entry);
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    authorizations: () => seen.map((entry) => entry.headers.authorization),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Repeats `task` for `ms` milliseconds, `concurrency` loops at a time with `pause` ms between calls; returns every outcome. */
export async function traffic<T>(
  ms: number,
  task: (index: number) => Promise<T>,
  { concurrency = 3, pause = 50 }: { concurrency?: number; pause?: number } = {},
): Promise<T[]> {
  const end = Date.now() + ms;
  const results: T[] = [];
  let index = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        results.push(await task(index++));
        await sleep(pause);
      }
    }),
  );
  return results;
}
