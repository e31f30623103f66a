import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeaviateServer, type WeaviateServer } from './index.js';
import { rest } from './test-helpers.js';

// The database-user API (`/v1/users/db`, Weaviate 1.30+) and role assignment (`/v1/authz`), with the shapes
// and status codes of Weaviate's OpenAPI spec and the behaviour of its handlers.

const ZERO_TIME = '0001-01-01T00:00:00.000Z';

describe('database users under RBAC', () => {
  let server: WeaviateServer;
  const admin = () => server.keys.admin;

  beforeAll(async () => {
    server = await startWeaviateServer({ authorization: 'rbac', oidc: false });
  });
  afterAll(() => server.close());

  const create = async (user: string) => {
    const res = await rest(server, `/v1/users/db/${user}`, admin(), { method: 'POST' });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return (res.json as { apikey: string }).apikey;
  };
  const assign = (user: string, roles: string[], key = admin()) =>
    rest(server, `/v1/authz/users/${user}/assign`, key, { method: 'POST', body: { roles, userType: 'db' } });

  it('create answers 201 with a key that authenticates at once; the user has no role until one is assigned', async () => {
    const key = await create('etl-job');
    expect(key).toMatch(/^[A-Za-z0-9+/]{88}$/);
    expect((await rest(server, '/v1/users/own-info', key)).json).toEqual({
      username: 'etl-job',
      roles: null,
      groups: null,
    });
    const denied = await rest(server, '/v1/objects', key);
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({
      error: [
        {
          message:
            "rbac: authorization, forbidden action: user 'etl-job' has insufficient permissions to read_data [Domain: data, Collection: *, Tenant: *, Object: *]",
        },
      ],
    });

    expect((await assign('etl-job', ['viewer'])).status).toBe(200);
    expect((await rest(server, '/v1/objects', key)).status).toBe(200);
    expect(
      (await rest(server, '/v1/objects', key, { method: 'POST', body: { class: 'A', properties: {} } }))
        .status,
    ).toBe(403);
    expect((await assign('etl-job', ['admin'])).status).toBe(200);
    expect(
      (await rest(server, '/v1/objects', key, { method: 'POST', body: { class: 'A', properties: {} } }))
        .status,
    ).toBe(200);
    const roles = await rest(server, '/v1/authz/users/etl-job/roles/db', admin());
    expect(roles.json).toEqual([{ name: 'admin' }, { name: 'viewer' }]);
    expect(
      (
        await rest(server, '/v1/authz/users/etl-job/revoke', admin(), {
          method: 'POST',
          body: { roles: ['admin'], userType: 'db' },
        })
      ).status,
    ).toBe(200);
    expect((await rest(server, '/v1/authz/users/etl-job/roles/db', admin())).json).toEqual([
      { name: 'viewer' },
    ]);
  });

  it('refuses a taken name (409), a bad name (422), and assigning a role that is unknown or set by the environment', async () => {
    await create('taken');
    const again = await rest(server, '/v1/users/db/taken', admin(), { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ error: [{ message: "user 'taken' already exists" }] });
    const staticName = await rest(server, '/v1/users/db/reader', admin(), { method: 'POST' });
    expect(staticName.status).toBe(409);
    const bad = await rest(server, '/v1/users/db/1bad', admin(), { method: 'POST' });
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual({ error: [{ message: "'1bad' is not a valid user name" }] });

    expect((await assign('taken', ['no-such-role'])).json).toEqual({
      error: [{ message: "one or more of the roles requested doesn't exist" }],
    });
    const root = await assign('taken', ['root']);
    expect(root.status).toBe(403);
    expect(root.json).toEqual({
      error: [{ message: "assigning: modifying 'root' role or changing its assignments is not allowed" }],
    });
    const nobody = await assign('nobody', ['viewer']);
    expect(nobody.status).toBe(404);
    expect(nobody.json).toEqual({ error: [{ message: "username to assign role to doesn't exist" }] });
  });

  it('get and list: Weaviate’s DBUserInfo, static users shown to a root user only, last use on request', async () => {
    const key = await create('dashboard');
    await assign('dashboard', ['viewer']);
    const info = await rest(server, '/v1/users/db/dashboard', admin());
    expect(info.status).toBe(200);
    expect(info.json).toEqual({
      userId: 'dashboard',
      dbUserType: 'db_user',
      roles: ['viewer'],
      active: true,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      lastUsedAt: ZERO_TIME,
      apiKeyFirstLetters: key.slice(0, 3),
    });

    expect((await rest(server, '/v1/objects', key)).status).toBe(200);
    const used = (await rest(server, '/v1/users/db/dashboard?includeLastUsedTime=true', admin())).json as {
      lastUsedAt: string;
      createdAt: string;
    };
    expect(Date.parse(used.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(used.createdAt));

    const list = (await rest(server, '/v1/users/db', admin())).json as {
      userId: string;
      dbUserType: string;
    }[];
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: 'dashboard', dbUserType: 'db_user', roles: ['viewer'] }),
        {
          userId: 'admin',
          dbUserType: 'db_env_user',
          roles: ['root'],
          active: true,
          createdAt: ZERO_TIME,
          lastUsedAt: ZERO_TIME,
        },
        expect.objectContaining({ userId: 'reader', dbUserType: 'db_env_user', roles: ['viewer'] }),
      ]),
    );

    // An admin that is not a root user sees database users only, without the key's first letters.
    const manager = await create('manager');
    await assign('manager', ['admin']);
    const seen = (await rest(server, '/v1/users/db', manager)).json as Record<string, unknown>[];
    expect(seen.map((user) => user.dbUserType)).not.toContain('db_env_user');
    expect(seen.find((user) => user.userId === 'dashboard')).not.toHaveProperty('apiKeyFirstLetters');

    const unknown = await rest(server, '/v1/users/db/nobody', admin());
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('');
  });

  it('rotate-key: the old key gets 401 from the next request on, the new one 200', async () => {
    const old = await create('rotating');
    const res = await rest(server, '/v1/users/db/rotating/rotate-key', admin(), { method: 'POST' });
    expect(res.status).toBe(200);
    const { apikey } = res.json as { apikey: string };
    expect(apikey).not.toBe(old);
    const refused = await rest(server, '/v1/users/own-info', old);
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({ code: 401, message: 'unauthorized: invalid api key: invalid token' });
    expect((await rest(server, '/v1/users/own-info', apikey)).status).toBe(200);
    const staticUser = await rest(server, '/v1/users/db/reader/rotate-key', admin(), { method: 'POST' });
    expect(staticUser.status).toBe(422);
    expect(staticUser.json).toEqual({ error: [{ message: "user 'reader' is static user" }] });
    expect((await rest(server, '/v1/users/db/nobody/rotate-key', admin(), { method: 'POST' })).status).toBe(
      404,
    );
  });

  it('deactivate and activate: 401 while inactive, 409 when already so; revoke_key keeps the key dead', async () => {
    const key = await create('seasonal');
    const deactivate = (body?: unknown) =>
      rest(server, '/v1/users/db/seasonal/deactivate', admin(), {
        method: 'POST',
        ...(body === undefined ? {} : { body }),
      });
    expect((await deactivate()).status).toBe(200);
    expect((await rest(server, '/v1/users/own-info', key)).json).toEqual({
      code: 401,
      message: 'unauthorized: invalid api key: user deactivated',
    });
    expect((await deactivate()).status).toBe(409);
    expect((await rest(server, '/v1/users/db/seasonal', admin())).json).toMatchObject({ active: false });
    const activate = () => rest(server, '/v1/users/db/seasonal/activate', admin(), { method: 'POST' });
    expect((await activate()).status).toBe(200);
    expect((await activate()).status).toBe(409);
    expect((await rest(server, '/v1/users/own-info', key)).status).toBe(200);

    expect((await deactivate({ revoke_key: true })).status).toBe(200);
    expect((await activate()).status).toBe(200);
    expect((await rest(server, '/v1/users/own-info', key)).json).toEqual({
      code: 401,
      message: 'unauthorized: invalid api key: key is revoked',
    });
    const rotated = await rest(server, '/v1/users/db/seasonal/rotate-key', admin(), { method: 'POST' });
    expect(
      (await rest(server, '/v1/users/own-info', (rotated.json as { apikey: string }).apikey)).status,
    ).toBe(200);
  });

  it('a user cannot deactivate itself; root users cannot be deleted or deactivated', async () => {
    const key = await create('selfish');
    await assign('selfish', ['admin']);
    const self = await rest(server, '/v1/users/db/selfish/deactivate', key, { method: 'POST' });
    expect(self.status).toBe(422);
    expect(self.json).toEqual({ error: [{ message: "user 'selfish' cannot self-deactivate" }] });
    const root = await rest(server, '/v1/users/db/admin', admin(), { method: 'DELETE' });
    expect(root.status).toBe(422);
    expect(root.json).toEqual({ error: [{ message: 'cannot delete root user' }] });
  });

  it('delete: 204, then the key gets 401 and the user 404', async () => {
    const key = await create('leaving');
    expect((await rest(server, '/v1/users/db/leaving', admin(), { method: 'DELETE' })).status).toBe(204);
    expect((await rest(server, '/v1/users/own-info', key)).json).toEqual({
      code: 401,
      message: 'unauthorized: invalid api key: invalid token',
    });
    expect((await rest(server, '/v1/users/db/leaving', admin())).status).toBe(404);
    expect((await rest(server, '/v1/users/db/leaving', admin(), { method: 'DELETE' })).status).toBe(404);
  });

  it('a viewer may list and read users but not change them: the 403 names the permission', async () => {
    expect((await rest(server, '/v1/users/db', server.keys.readOnly)).status).toBe(200);
    const res = await rest(server, '/v1/users/db/intruder', server.keys.readOnly, { method: 'POST' });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      error: [
        {
          message:
            "rbac: authorization, forbidden action: user 'reader' has insufficient permissions to create_users [Domain: users, User: intruder]",
        },
      ],
    });
    const rotate = await rest(server, '/v1/users/db/dashboard/rotate-key', server.keys.readOnly, {
      method: 'POST',
    });
    expect(rotate.status).toBe(403);
  });

  it('GET /v1/authz/roles lists the built-in roles a root user may see, with their permissions', async () => {
    const roles = (await rest(server, '/v1/authz/roles', admin())).json as {
      name: string;
      permissions: unknown[];
    }[];
    expect(roles.map((role) => role.name)).toEqual(['admin', 'read-only', 'root', 'viewer']);
    for (const role of roles) expect(role.permissions.length).toBeGreaterThan(0);
  });
});

describe('database users under the admin list', () => {
  it('answer as Weaviate without the database-user API: an empty list, then 422', async () => {
    const server = await startWeaviateServer({ oidc: false });
    try {
      const list = await rest(server, '/v1/users/db', server.keys.admin);
      expect(list.status).toBe(200);
      expect(list.json).toEqual([]);
      const create = await rest(server, '/v1/users/db/someone', server.keys.admin, { method: 'POST' });
      expect(create.status).toBe(422);
      expect(create.json).toEqual({ error: [{ message: 'db user management is not enabled' }] });
      const readOnly = await rest(server, '/v1/users/db/someone', server.keys.readOnly, { method: 'POST' });
      expect(readOnly.status).toBe(403);
      expect(readOnly.json).toEqual({
        error: [
          {
            message:
              "adminlist: authorization, forbidden action: user 'reader' has insufficient permissions to C [users/someone]",
          },
        ],
      });
    } finally {
      await server.close();
    }
  });

  it('with dbUsers on, created users authenticate but are on neither list: 403', async () => {
    const server = await startWeaviateServer({ oidc: false, dbUsers: true });
    try {
      const created = await rest(server, '/v1/users/db/outsider', server.keys.admin, { method: 'POST' });
      const { apikey } = created.json as { apikey: string };
      expect((await rest(server, '/v1/users/own-info', apikey)).json).toEqual({
        username: 'outsider',
        roles: null,
        groups: null,
      });
      expect((await rest(server, '/v1/objects', apikey)).status).toBe(403);
      expect(
        (await rest(server, '/v1/users/db/adminlisted', server.keys.admin, { method: 'POST' })).status,
      ).toBe(201);
      expect((await rest(server, '/v1/users/db/admin', server.keys.admin, { method: 'POST' })).status).toBe(
        409,
      );
    } finally {
      await server.close();
    }
  });
});
