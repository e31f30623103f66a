import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type RecordingServer,
  startRecordingServer,
  startWeaviateServer,
  type WeaviateServer,
} from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, DiscoveryError, discoverWeaviateOidc, TimeoutError } from '../index.js';

let server: WeaviateServer;
let apiKeysOnly: WeaviateServer;
let other: RecordingServer;

beforeAll(async () => {
  [server, apiKeysOnly, other] = await Promise.all([
    startWeaviateServer(),
    startWeaviateServer({ oidc: false }),
    startRecordingServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.close(), apiKeysOnly?.close(), other?.close()]);
});

const path = '/v1/.well-known/openid-configuration';

describe('discoverWeaviateOidc', () => {
  it('reads the provider and client id the server announces, without a credential', async () => {
    const oidc = await discoverWeaviateOidc(server.url);
    expect(oidc).toEqual({
      href: `${server.issuer}/.well-known/openid-configuration`,
      clientId: server.clientId,
      scopes: expect.any(Array),
    });
    expect(await discoverWeaviateOidc(new URL(server.url), { timeout: 5_000 })).toEqual(oidc);
  });

  it('takes a baseUrl that ends in Weaviate’s own /v1 as the server’s root, not /v1/v1/... (a 404, as if OIDC were off)', async () => {
    const oidc = await discoverWeaviateOidc(server.url);
    for (const suffix of ['/v1', '/v1/']) {
      expect(await discoverWeaviateOidc(`${server.url}${suffix}`), suffix).toEqual(oidc);
    }
    // Behind a proxy's path, below it: the same URL with or without the /v1.
    const proxied = `${other.url}/weaviate${path}`;
    other.respond(`/weaviate${path}`, 503);
    for (const baseUrl of [`${other.url}/weaviate`, `${other.url}/weaviate/`, `${other.url}/weaviate/v1`]) {
      await expect(discoverWeaviateOidc(baseUrl), baseUrl).rejects.toMatchObject({
        status: 503,
        url: proxied,
      });
    }
    other.reset();
  });

  it('undefined when OIDC is off (404)', async () => {
    expect(await discoverWeaviateOidc(apiKeysOnly.url)).toBeUndefined();
  });

  it('a 404 from something that is not Weaviate (its .well-known/live is no 200 either) is a DiscoveryError that says to check baseUrl, not "OIDC off"', async () => {
    other.respond(path, 404);
    other.respond('/v1/.well-known/live', 404);
    try {
      const error = await discoverWeaviateOidc(`${other.url}/v1`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiscoveryError);
      expect(error).toMatchObject({ status: 404, transient: false });
      expect((error as Error).message).toContain(
        `there is no Weaviate API at ${other.url}/. Check \`baseUrl\``,
      );
      // A service that answers 404 to everything, behind a proxy path: the same, naming the path.
      const silent = createServer((_request, response) => void response.writeHead(404).end('Not Found'));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const at = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
        const proxied = await discoverWeaviateOidc(`${at}/weaviate`).catch((e: unknown) => e);
        expect(proxied).toMatchObject({ name: 'DiscoveryError', status: 404 });
        expect((proxied as Error).message).toContain(`no Weaviate API at ${at}/weaviate/.`);
      } finally {
        silent.closeAllConnections();
        await new Promise((resolve) => silent.close(resolve));
      }
    } finally {
      other.reset();
    }
  });

  it('a 404 whose liveness probe gets no answer it can read (a browser without CORS headers on live, a dropped connection) reads as before: OIDC off', async () => {
    // Weaviate sends no CORS headers on live, so a browser page cannot read it: a dropped connection is the
    // same thing to fetch (a TypeError), and says nothing about what is there.
    const dropping = createServer((request, response) => {
      if (request.url === path) return void response.writeHead(404).end();
      request.socket.destroy();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    try {
      const at = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`;
      expect(await discoverWeaviateOidc(at)).toBeUndefined();
    } finally {
      dropping.closeAllConnections();
      await new Promise((resolve) => dropping.close(resolve));
    }
  });

  it('a DiscoveryError with the status for an error answer or a body that is not a discovery answer', async () => {
    other.respond(path, 503);
    await expect(discoverWeaviateOidc(other.url)).rejects.toMatchObject({
      name: 'DiscoveryError',
      status: 503,
      transient: true,
    });
    other.reset(); // every path answers 200 {"ok":true}
    const error = await discoverWeaviateOidc(other.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ status: 200, transient: false, url: `${other.url}${path}` });
  });

  it('a transient DiscoveryError without a status, the network error as its cause, for a closed port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await discoverWeaviateOidc(`http://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DiscoveryError', status: undefined, transient: true });
    expect(JSON.stringify((error as Error).cause, ['cause', 'code'])).toMatch(/ECONNREFUSED/);
  });

  it('a TimeoutError after `timeout`, and the caller’s abort reason when the signal aborts', async () => {
    const silent = createServer(() => {}); // never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await expect(discoverWeaviateOidc(url, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
      const reason = new Error('stop');
      await expect(discoverWeaviateOidc(url, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it.each([
    ['not a URL', 'localhost:8080', {}],
    ['another scheme', 'ftp://example.com', {}],
    ['a zero timeout', 'http://localhost:8080', { timeout: 0 }],
    ['a timeout that is not a number', 'http://localhost:8080', { timeout: Number.NaN }],
  ])('a ConfigurationError for %s', async (_name, baseUrl, options) => {
    await expect(discoverWeaviateOidc(baseUrl, options)).rejects.toBeInstanceOf(ConfigurationError);
  });
});
