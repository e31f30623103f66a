import { apiKey } from '@auth/core';
import { withAuth } from '@auth/fetch';
import { statusWith, test } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import { createDbUsersClient, DbUsersError, isDbUsersError } from './index.js';

test.override('serverOptions', { scope: 'file' }, { authorization: 'rbac', oidc: false });

describe('createDbUsersClient', () => {
  test('create, get, roles, rotate, deactivate, activate, delete, through @auth/fetch', async ({
    server,
    createAuth,
  }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) });
    const users = createDbUsersClient({ baseUrl: `${server.url}/v1/`, fetch: withAuth(fetch, auth) });

    const key = await users.create('svc');
    await users.assignRoles('svc', ['viewer', 'admin']);
    await users.revokeRoles('svc', ['admin']);
    expect(await users.get('svc')).toEqual({
      userId: 'svc',
      dbUserType: 'db_user',
      roles: ['viewer'],
      active: true,
      createdAt: expect.any(Date),
      lastUsedAt: undefined,
      apiKeyFirstLetters: key.slice(0, 3),
    });
    expect(await statusWith(server, key)).toBe(200);
    expect((await users.get('svc', { includeLastUsedTime: true })).lastUsedAt).toEqual(expect.any(Date));
    expect((await users.list()).map((user) => [user.userId, user.dbUserType])).toEqual([
      ['svc', 'db_user'],
      ['admin', 'db_env_user'],
      ['reader', 'db_env_user'],
    ]);

    const rotated = await users.rotateKey('svc');
    expect(await statusWith(server, key)).toBe(401);
    expect(await users.deactivate('svc', { revokeKey: true })).toBe(true);
    expect(await users.deactivate('svc')).toBe(false);
    expect(await users.activate('svc')).toBe(true);
    expect(await users.activate('svc')).toBe(false);
    expect(await statusWith(server, rotated)).toBe(401); // revoked until the next rotation
    await users.delete('svc');
    await expect(users.get('svc')).rejects.toMatchObject({
      name: 'DbUsersError',
      code: 'not_found',
      status: 404,
    });
  });

  test('Weaviate’s refusals as typed errors, without a key in them', async ({ server, startServer }) => {
    const asReader = createDbUsersClient({
      baseUrl: server.url,
      fetch: (url, init) =>
        fetch(url, {
          ...init,
          headers: { ...init?.headers, authorization: `Bearer ${server.keys.readOnly}` },
        }),
    });
    const forbidden = await asReader.create('x').catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(DbUsersError);
    expect(forbidden).toMatchObject({
      code: 'forbidden',
      status: 403,
      request: 'POST /v1/users/db/x',
      serverMessage: expect.stringMatching(/^rbac: /),
    });
    expect(String((forbidden as Error).message)).not.toContain(server.keys.readOnly);
    expect(isDbUsersError(forbidden)).toBe(true);

    const plain = await startServer({ oidc: false });
    const adminList = createDbUsersClient({
      baseUrl: plain.url,
      fetch: (url, init) =>
        fetch(url, { ...init, headers: { ...init?.headers, authorization: `Bearer ${plain.keys.admin}` } }),
    });
    expect(await adminList.list()).toEqual([]);
    await expect(adminList.create('x')).rejects.toMatchObject({ code: 'not_enabled', status: 422 });

    const other = createDbUsersClient({
      baseUrl: server.url,
      fetch: async () => new Response(null, { status: 404 }),
    });
    await expect(other.list()).rejects.toMatchObject({ code: 'unsupported' });
    expect(() => createDbUsersClient({ baseUrl: 'not a url', fetch })).toThrow(TypeError);
    await expect(asReader.get('')).rejects.toThrow(/non-empty string/);
  });
});
