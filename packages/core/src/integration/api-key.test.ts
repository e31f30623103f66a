import type { WeaviateServer } from '@auth/testing';
import { describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { createAuth } from '../create-auth.js';
import { apiKey } from '../credentials/api-key.js';
import { AuthClosedError } from '../errors/auth-closed-error.js';

let server: WeaviateServer;
const leaks = embeddedServerForFile(undefined, (started) => {
  server = started;
});

function auth(credentials: ReturnType<typeof apiKey>) {
  return leaks.watch(
    createAuth({ baseUrl: server.url, credentials: leaks.watch(credentials), onEvent: leaks.onEvent }),
  );
}

describe('apiKey against the embedded Weaviate server', () => {
  it('sends Authorization: Bearer <key> and the server accepts it', async () => {
    const admin = auth(apiKey(server.keys.admin));
    expect(await admin.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${server.keys.admin}` });
    const response = await send(admin, leaks, '/v1/users/own-info');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ username: 'admin' });
    expect(server.stats.tokenRequests.total).toBe(0);
    expect(server.stats.discoveryRequests).toBe(0);
    await admin.close();
  });

  it('lets a read-only key read but not write (403, no retry)', async () => {
    const readOnly = auth(apiKey(server.keys.readOnly));
    expect((await send(readOnly, leaks, '/v1/schema')).status).toBe(200);
    const before = server.stats.requests.total;
    const write = await send(readOnly, leaks, '/v1/objects', {
      method: 'POST',
      body: { class: 'Thing', properties: {} },
    });
    expect(write.status).toBe(403);
    expect(server.stats.requests.total - before).toBe(1);
    await readOnly.close();
  });

  it('answers false after a 401 for a static key (a retry cannot help)', async () => {
    const key = server.keys.create('admin');
    leaks.secret(key);
    const static_ = auth(apiKey(key));
    expect((await send(static_, leaks, '/v1/meta')).status).toBe(200);
    server.keys.delete(key);
    const before = server.stats.requests[401];
    expect((await send(static_, leaks, '/v1/meta')).status).toBe(401);
    expect(server.stats.requests[401] - before).toBe(1);
    await static_.close();
  });

  it('re-reads a key from a function after a 401 (rotation)', async () => {
    let current = server.keys.create('admin');
    leaks.secret(current);
    let reads = 0;
    const rotating = auth(
      apiKey(async () => {
        reads++;
        return current;
      }),
    );
    expect((await send(rotating, leaks, '/v1/meta')).status).toBe(200);
    server.keys.delete(current);
    current = server.keys.create('admin');
    leaks.secret(current);
    const response = await send(rotating, leaks, '/v1/meta');
    expect(response.status).toBe(200);
    expect(reads).toBe(2);
    await rotating.close();
  });

  it('gives no credential to another origin, and resolves relative URLs against baseUrl', async () => {
    const admin = auth(apiKey(server.keys.admin));
    expect(await admin.authorize('https://attacker.example/v1/meta')).toEqual({});
    expect(await admin.authorize(new URL('http://localhost:1/v1/meta'))).toEqual({});
    expect(
      await admin.handleUnauthorized('https://attacker.example/', {
        Authorization: `Bearer ${server.keys.admin}`,
      }),
    ).toBe(false);
    expect(await admin.authorize('v1/meta')).toHaveProperty('Authorization');
    expect(await admin.authorize(`${server.url}/v1/meta?x=1`)).toHaveProperty('Authorization');
    await admin.close();
  });

  it('sends another header name for non-Weaviate APIs', async () => {
    const custom = auth(apiKey('key-for-another-api', { header: 'X-API-Key' }));
    leaks.secret('key-for-another-api');
    expect(await custom.authorize('/anything')).toEqual({ 'X-API-Key': 'key-for-another-api' });
    await custom.close();
  });

  it('rejects every call after close()', async () => {
    const admin = auth(apiKey(server.keys.admin));
    await admin.close();
    await admin.close();
    await expect(leaks.catching(admin.authorize('/v1/meta'))).rejects.toThrow(AuthClosedError);
    await expect(leaks.catching(admin.handleUnauthorized('/v1/meta', {}))).rejects.toThrow(/was closed/);
  });
});
