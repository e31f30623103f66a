import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Auth, type AuthOptions, apiKey, createAuth } from '@auth/core';
import {
  type RecordingServer,
  startRecordingServer,
  startWeaviateServer,
  type WeaviateServer,
  type WeaviateServerOptions,
} from '@auth/testing';
import { test as base } from 'vitest';

/** The API key {@link test}'s `homeAuth()` sends to `home`. */
export const HOME_KEY = 'home-key';
/** The extra header value `homeAuth()` sends with it (as `X-Module-Key`). */
export const MODULE_SECRET = 'module-secret';

const started = async (server: Promise<WeaviateServer>, onCleanup: (fn: () => Promise<void>) => void) => {
  const ready = await server;
  onCleanup(() => ready.close());
  return ready;
};

const resetting = (server: WeaviateServer, onCleanup: (fn: () => void) => void) => {
  onCleanup(() => {
    server.faults.reset();
    server.stats.reset();
  });
  return server;
};

/** A server that takes every request and never answers (for timeouts); it records what arrived. */
export interface StallingServer {
  readonly url: string;
  /** The headers of every request that arrived, oldest first. */
  readonly seen: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Starts a {@link StallingServer} on 127.0.0.1. */
export async function startStallingServer(): Promise<StallingServer> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request) => {
    seen.push({ ...request.headers });
    request.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * vitest's `test` with the servers the integration tests share, each started once per file on first use and
 * closed after it, and reset after every test that used it:
 *
 * - `server`: an embedded Weaviate with 60 s tokens (`serverOptions`, overridable per file with
 *   `test.override('serverOptions', { scope: 'file' }, {...})`); its faults and stats are reset after each test;
 * - `fast`: the same with 2 s tokens (oidc-provider sets `exp = floor(now) + ttl`: a token lives 1-2 s);
 * - `home` and `foreign`: two recording servers (two origins), reset after each test;
 * - `stalling`: a server that never answers (a {@link StallingServer}), its record cleared after each test;
 * - `createAuth(options)`: core's `createAuth`, every object closed after the test;
 * - `startServer(options)`: one more embedded Weaviate for this test only (e.g. with OIDC off), closed after it;
 * - `homeAuth()`: an API key for `home` plus an `X-Module-Key` header, both of which must reach `home` only.
 *
 * In `beforeAll`, use the file-scoped `weaviate`, `weaviateFast` and `recording` (`test.beforeAll`).
 */
export const test = base
  .extend('serverOptions', { scope: 'file' }, {} as WeaviateServerOptions)
  .extend('weaviate', { scope: 'file' }, ({ serverOptions }, { onCleanup }) =>
    started(startWeaviateServer(serverOptions), onCleanup),
  )
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  .extend('weaviateFast', { scope: 'file' }, ({}, { onCleanup }) =>
    started(startWeaviateServer({ accessTokenTtl: 2 }), onCleanup),
  )
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  .extend('recording', { scope: 'file' }, async ({}, { onCleanup }) => {
    const [home, foreign] = await Promise.all([startRecordingServer(), startRecordingServer()]);
    onCleanup(() => Promise.all([home.close(), foreign.close()]).then(() => undefined));
    return { home, foreign };
  })
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  .extend('stallingServer', { scope: 'file' }, async ({}, { onCleanup }) => {
    const server = await startStallingServer();
    onCleanup(() => server.close());
    return server;
  })
  .extend('stalling', ({ stallingServer }, { onCleanup }): StallingServer => {
    onCleanup(() => {
      stallingServer.seen.length = 0;
    });
    return stallingServer;
  })
  .extend('server', ({ weaviate }, { onCleanup }) => resetting(weaviate, onCleanup))
  .extend('fast', ({ weaviateFast }, { onCleanup }) => resetting(weaviateFast, onCleanup))
  .extend('home', ({ recording }, { onCleanup }): RecordingServer => {
    onCleanup(() => recording.home.reset());
    return recording.home;
  })
  .extend('foreign', ({ recording }, { onCleanup }): RecordingServer => {
    onCleanup(() => recording.foreign.reset());
    return recording.foreign;
  })
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  .extend('createAuth', ({}, { onCleanup }) => {
    const auths: Auth[] = [];
    onCleanup(async () => {
      await Promise.all(auths.splice(0).map((auth) => auth.close()));
    });
    return (options: AuthOptions): Auth => {
      const auth = createAuth(options);
      auths.push(auth);
      return auth;
    };
  })
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  .extend('startServer', ({}, { onCleanup }) => {
    const servers: WeaviateServer[] = [];
    onCleanup(async () => {
      await Promise.all(servers.splice(0).map((server) => server.close()));
    });
    return async (options?: WeaviateServerOptions): Promise<WeaviateServer> => {
      const server = await startWeaviateServer(options);
      servers.push(server);
      return server;
    };
  })
  .extend(
    'homeAuth',
    ({ home, createAuth }) =>
      (): Auth =>
        createAuth({
          baseUrl: home.url,
          credentials: apiKey(HOME_KEY),
          headers: { 'X-Module-Key': MODULE_SECRET },
        }),
  );

/** `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
