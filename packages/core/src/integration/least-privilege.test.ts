import { startRecordingServer, type WeaviateServer } from '@auth/testing';
import { describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { createAuth } from '../create-auth.js';
import { apiKey, isWeaviateRead } from '../credentials/api-key.js';
import { memoryStore } from '../store.js';

let server: WeaviateServer;
const leaks = embeddedServerForFile(undefined, (started) => {
  server = started;
});

/** apiKey({ read, write }) with the embedded server's read-only and admin keys. */
function auth(
  options: Parameters<typeof apiKey>[0] = { read: server.keys.readOnly, write: server.keys.admin },
) {
  return leaks.watch(
    createAuth({ baseUrl: server.url, credentials: leaks.watch(apiKey(options)), onEvent: leaks.onEvent }),
  );
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('least privilege: apiKey({ read, write })', () => {
  it('reads go out with the read-only key, writes with the admin key, a request without a method as a write', async () => {
    const client = auth();
    const { readOnly, admin } = server.keys;
    expect(await client.authorize('/v1/schema', { method: 'GET' })).toEqual(bearer(readOnly));
    expect(await client.authorize('/v1/objects/x', { method: 'head' })).toEqual(bearer(readOnly));
    expect(await client.authorize('/v1/graphql', { method: 'POST' })).toEqual(bearer(readOnly));
    expect(await client.authorize('/v1/graphql/batch', { method: 'POST' })).toEqual(bearer(readOnly));
    expect(await client.authorize('/v1/objects/validate', { method: 'POST' })).toEqual(bearer(readOnly));
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(await client.authorize('/v1/objects', { method })).toEqual(bearer(admin));
    }
    expect(await client.authorize('/v1/schema')).toEqual(bearer(admin));
    await client.close();
  });

  it('the server agrees: reads as the read-only user, writes succeed (never the 403 a read-only write gets)', async () => {
    const client = auth();
    const me = await send(client, leaks, '/v1/users/own-info', { method: 'GET' });
    expect(await me.json()).toMatchObject({ username: server.users.readOnly.username });
    const write = await send(client, leaks, '/v1/objects', {
      method: 'POST',
      body: { class: 'LeastPrivilege', properties: { n: 1 } },
    });
    expect(write.status).toBe(200);
    const query = await send(client, leaks, '/v1/graphql', {
      method: 'POST',
      body: { query: '{ Get { LeastPrivilege { n } } }' },
    });
    expect(query.status).toBe(200);
    await client.close();
  });

  it('keeps the rule under a base path, and another API can bring its own rule', async () => {
    const recording = await startRecordingServer();
    try {
      const client = leaks.watch(
        createAuth({
          baseUrl: `${recording.url}/weaviate`,
          credentials: apiKey({ read: 'read-key-1', write: 'write-key-1' }),
        }),
      );
      expect(await client.authorize('graphql', { method: 'POST' })).toEqual(bearer('write-key-1'));
      expect(await client.authorize('v1/graphql', { method: 'POST' })).toEqual(bearer('read-key-1'));
      await client.close();
      const custom = leaks.watch(
        createAuth({
          baseUrl: recording.url,
          credentials: apiKey({
            read: 'read-key-2',
            write: 'write-key-2',
            isRead: (method, url) => method === 'GET' || url.pathname === '/search',
          }),
        }),
      );
      expect(await custom.authorize('/search', { method: 'POST' })).toEqual(bearer('read-key-2'));
      expect(await custom.authorize('/items', { method: 'POST' })).toEqual(bearer('write-key-2'));
      await custom.close();
    } finally {
      await recording.close();
    }
  });

  it('key functions: each key is re-read after its own 401, and their tokens never mix in a shared store', async () => {
    const readKey = server.keys.create('read-only');
    const writeKey = server.keys.create('admin');
    leaks.secret(readKey, writeKey);
    let reads = 0;
    let writes = 0;
    let currentRead = readKey;
    const store = memoryStore();
    const client = leaks.watch(
      createAuth({
        baseUrl: server.url,
        store,
        credentials: apiKey({
          read: () => {
            reads++;
            return currentRead;
          },
          write: () => {
            writes++;
            return writeKey;
          },
        }),
      }),
    );
    expect(await client.authorize('/v1/meta', { method: 'GET' })).toEqual(bearer(readKey));
    expect(await client.authorize('/v1/objects', { method: 'POST' })).toEqual(bearer(writeKey));
    // The read-only key is rotated: a read gets a 401, only the read key is read again.
    const rotated = server.keys.create('read-only');
    leaks.secret(rotated);
    server.keys.delete(readKey);
    currentRead = rotated;
    expect((await send(client, leaks, '/v1/schema', { method: 'GET' })).status).toBe(200);
    expect([reads, writes]).toEqual([2, 1]);
    expect(await client.authorize('/v1/objects', { method: 'POST' })).toEqual(bearer(writeKey));
    await client.close();
  });

  it('refuses a key pair it cannot use, and never shows the keys', () => {
    expect(() => apiKey({ read: '', write: 'w-key' })).toThrow(/apiKey\(\): the `read` key is empty/);
    expect(() => apiKey({ read: 'r-key', write: 'w key\n' })).toThrow(/the `write` key contains whitespace/);
    expect(() => apiKey({ read: 'r-key', write: 'w-key', isRead: true as never })).toThrow(
      /`isRead` must be a function/,
    );
    expect(JSON.stringify(apiKey({ read: 'r-key-secret', write: 'w-key-secret' }))).not.toMatch(/key-secret/);
  });

  it('the POSTs Weaviate authorizes as reads (tokenize, has-permission, search, aggregate) go out with the read-only key', async () => {
    // Weaviate checks the READ verb on each (adapters/handlers/rest/handlers_tokenize.go, authz/handlers_authz.go,
    // search/handler.go): the read-only key may send them.
    const client = auth();
    const { readOnly, admin } = server.keys;
    for (const path of [
      '/v1/tokenize',
      '/v1/schema/Article/properties/title/tokenize',
      '/v1/authz/roles/viewer/has-permission',
      '/v1/search/Article/bm25',
      '/v1/search/Article/near-text/',
      '/v1/aggregate/Article',
    ]) {
      expect(await client.authorize(path, { method: 'POST' }), path).toEqual(bearer(readOnly));
    }
    // Their neighbours write.
    for (const path of [
      '/v1/schema/Article/properties',
      '/v1/authz/roles',
      '/v1/authz/roles/viewer/add-permissions',
      '/v1/search/Article',
      '/v1/aggregate/Article/x',
    ]) {
      expect(await client.authorize(path, { method: 'POST' }), path).toEqual(bearer(admin));
    }
    await client.close();
  });

  it("isWeaviateRead: Weaviate's reads", () => {
    const url = (path: string) => new URL(path, 'https://x.weaviate.cloud');
    expect(isWeaviateRead('GET', url('/v1/objects'))).toBe(true);
    expect(isWeaviateRead('POST', url('/v1/graphql'))).toBe(true);
    expect(isWeaviateRead('POST', url('/v1/objects'))).toBe(false);
    expect(isWeaviateRead('POST', url('/v1/batch/objects'))).toBe(false);
    expect(isWeaviateRead('DELETE', url('/v1/objects/x'))).toBe(false);
    expect(isWeaviateRead('', url('/v1/objects'))).toBe(false);
  });
});
