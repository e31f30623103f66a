import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withAuth as withAxios } from '@auth/axios';
import { withAuth as withFetch } from '@auth/fetch';
import { withAuth as withGraphql } from '@auth/graphql-request';
import { withAuth as withKy } from '@auth/ky';
import { clientAdapters, httpStatusOf } from '@auth/test-utils/clients';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type { Adapter, AdapterName, Client } from '@auth/test-utils/clients';
export { httpStatusOf };

/**
 * The five clients (fetch, axios, ky 1, ky 2, graphql-request) through @auth/test-utils' facades: `request`
 * resolves with the HTTP status the caller saw and rejects with anything else; ky retries once.
 */
export const adapters = clientAdapters(
  { fetch: withFetch, axios: withAxios, ky: withKy, graphqlRequest: withGraphql },
  { ky: { retry: { limit: 1 } } },
);

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
