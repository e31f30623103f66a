import { test as base, statusWith } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import { type CliResult, expectNoSecrets, runCli, runInPty } from './__test__/bin.js';

/** `weaviate-auth keys ...args` against the file's server, with the admin key unless `key` says otherwise. */
const test = base.extend(
  'keys',
  ({ server }) =>
    (args: string[], key = server.keys.admin): Promise<CliResult> =>
      runCli(['keys', ...args, '--url', server.url], { env: { WEAVIATE_API_KEY: key } }),
);

// Weaviate with RBAC and database users, as Weaviate Cloud runs it; the admin key's user is a root user.
test.override('serverOptions', { scope: 'file' }, { authorization: 'rbac' });

const json = (result: CliResult) => JSON.parse(result.stdout) as Record<string, unknown>;

describe('weaviate-auth keys', () => {
  test('create prints the new key alone on stdout, once; it works at once, with the role asked for', async ({
    server,
    keys,
  }) => {
    const created = await keys(['create', 'etl-job']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^[A-Za-z0-9+/]{88}\n$/);
    const key = created.stdout.trim();
    expect(created.stderr).toMatch(/created user 'etl-job' with role viewer\. Store the key now/);
    expectNoSecrets(created.stderr, [key, server.keys.admin]);
    expect(await statusWith(server, key, '/v1/objects')).toBe(200);
    const write = await fetch(`${server.url}/v1/objects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ class: 'Article', properties: {} }),
    });
    expect(write.status).toBe(403);

    const admin = await keys(['create', 'loader', '--role', 'admin', '--json']);
    expect(admin.code).toBe(0);
    expect(json(admin)).toEqual({ ok: true, user: 'loader', role: 'admin', apiKey: expect.any(String) });
    const loaderKey = json(admin).apiKey as string;
    const ownInfo = await fetch(`${server.url}/v1/users/own-info`, {
      headers: { authorization: `Bearer ${loaderKey}` },
    });
    expect(await ownInfo.json()).toMatchObject({ username: 'loader', roles: [{ name: 'admin' }] });

    const again = await keys(['create', 'etl-job']);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/user 'etl-job' already exists/);
  });

  test('list: user, type, roles, active, created, last used and key prefix; --json', async ({
    server,
    keys,
  }) => {
    const key = (await keys(['create', 'dashboard'])).stdout.trim();
    expect(await statusWith(server, key)).toBe(200);
    const table = await keys(['list']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^USER +TYPE +ROLES +ACTIVE +CREATED +LAST USED +KEY$/);
    expect(lines.find((line) => line.startsWith('dashboard '))).toMatch(
      new RegExp(
        `^dashboard +database +viewer +yes +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +\\d{4}-[\\d:T-]+Z +${key.slice(0, 3).replace(/[+/]/g, '\\$&')}\\.\\.\\.$`,
      ),
    );
    expect(lines.find((line) => line.startsWith('admin '))).toMatch(/^admin +static +root +yes +- +- +-$/);
    expectNoSecrets(table.stdout + table.stderr, [key, server.keys.admin, server.keys.readOnly]);

    const listed = json(await keys(['list', '--json']));
    expect(listed.ok).toBe(true);
    expect(listed.users).toEqual(
      expect.arrayContaining([
        {
          user: 'dashboard',
          type: 'database',
          roles: ['viewer'],
          active: true,
          createdAt: expect.stringMatching(/Z$/),
          lastUsedAt: expect.stringMatching(/Z$/),
          keyPrefix: key.slice(0, 3),
        },
        {
          user: 'reader',
          type: 'static',
          roles: ['viewer'],
          active: true,
          createdAt: null,
          lastUsedAt: null,
          keyPrefix: null,
        },
      ]),
    );
  });

  test('an OIDC login works as the admin credential too', async ({ server }) => {
    const { username, password } = server.users.admin;
    const result = await runCli(['keys', 'list', '--json', '--url', server.url, '-u', username], {
      env: { WEAVIATE_PASSWORD: password },
    });
    expect(result.code).toBe(0);
    expect(json(result).users).toContainEqual(expect.objectContaining({ user: 'admin', type: 'static' }));
    expectNoSecrets(result.stdout + result.stderr, [password]);
  });

  test('rotate: the old key gets 401 from the next request on, the new one works', async ({
    server,
    keys,
  }) => {
    const old = (await keys(['create', 'rotating'])).stdout.trim();
    const rotated = await keys(['rotate', 'rotating']);
    expect(rotated.code).toBe(0);
    const fresh = rotated.stdout.trim();
    expect(fresh).not.toBe(old);
    expect(rotated.stderr).toMatch(/new key for 'rotating'; the old one is refused from now on/);
    expect(await statusWith(server, old)).toBe(401);
    expect(await statusWith(server, fresh)).toBe(200);
    expect(json(await keys(['rotate', 'rotating', '--json']))).toEqual({
      ok: true,
      user: 'rotating',
      apiKey: expect.any(String),
    });
  });

  test('deactivate and activate, --revoke-key, and a second deactivate says so', async ({ server, keys }) => {
    const key = (await keys(['create', 'seasonal'])).stdout.trim();
    const off = await keys(['deactivate', 'seasonal']);
    expect(off).toMatchObject({
      code: 0,
      stdout: "User 'seasonal' is inactive: its key is refused until it is activated again.\n",
    });
    expect(await statusWith(server, key)).toBe(401);
    expect((await keys(['deactivate', 'seasonal'])).stdout).toBe("User 'seasonal' was already inactive.\n");
    expect(json(await keys(['activate', 'seasonal', '--json']))).toEqual({
      ok: true,
      user: 'seasonal',
      active: true,
      changed: true,
    });
    expect(await statusWith(server, key)).toBe(200);

    expect((await keys(['deactivate', 'seasonal', '--revoke-key'])).code).toBe(0);
    expect((await keys(['activate', 'seasonal'])).code).toBe(0);
    expect(await statusWith(server, key)).toBe(401);
  });

  test('delete --yes: the deleted key’s next request gets 401', async ({ server, keys }) => {
    const key = (await keys(['create', 'leaving'])).stdout.trim();
    expect(await statusWith(server, key)).toBe(200);
    const deleted = await keys(['delete', 'leaving', '--yes']);
    expect(deleted).toMatchObject({
      code: 0,
      stdout: "Deleted user 'leaving': its key is refused from now on.\n",
    });
    expect(await statusWith(server, key)).toBe(401);
    expect(json(await keys(['list', '--json'])).users).not.toContainEqual(
      expect.objectContaining({ user: 'leaving' }),
    );
  });

  test('delete without --yes: refused without a terminal, asked on one', async ({ server, keys }) => {
    const key = (await keys(['create', 'careful'])).stdout.trim();
    const noTerminal = await keys(['delete', 'careful']);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toMatch(/without one, pass --yes/);
    expect(await statusWith(server, key)).toBe(200);

    const env = { WEAVIATE_API_KEY: server.keys.admin };
    const declined = runInPty(['keys', 'delete', 'careful', '--url', server.url], { env });
    await declined.waitFor('[y/N]');
    declined.type('n\r');
    expect(await declined.exited).toBe(130);
    expect(await statusWith(server, key)).toBe(200);

    const confirmed = runInPty(['keys', 'delete', 'careful', '--url', server.url], { env });
    await confirmed.waitFor("Delete user 'careful' and its API key?");
    confirmed.type('y\r');
    expect(await confirmed.exited).toBe(0);
    expect(confirmed.output()).toMatch(/Deleted user 'careful'/);
    expect(await statusWith(server, key)).toBe(401);
  });

  test('a read-only caller: "this needs an admin key", and nothing changes', async ({ server, keys }) => {
    const result = await keys(['create', 'intruder'], server.keys.readOnly);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^weaviate-auth: this needs an admin key \(POST \/v1\/users\/db\/intruder -> 403: "rbac: /,
    );
    expect(result.stderr).toMatch(/read-only or viewer key/);
    expectNoSecrets(result.stderr, [server.keys.readOnly]);
    const listed = json(await keys(['list', '--json']));
    expect(listed.users).not.toContainEqual(expect.objectContaining({ user: 'intruder' }));

    const rotate = await runCli(['keys', 'rotate', 'reader', '--json', '--url', server.url], {
      env: { WEAVIATE_API_KEY: server.keys.readOnly },
    });
    expect(json(rotate)).toMatchObject({ ok: false, error: { code: 'forbidden', exitCode: 1 } });
  });

  test('an unknown user: exit 1, and what to do', async ({ keys }) => {
    for (const action of ['rotate', 'activate', 'deactivate']) {
      const result = await keys([action, 'nobody']);
      expect(result.code, action).toBe(1);
      expect(result.stderr, action).toMatch(/there is no database user 'nobody' on this server/);
      expect(result.stderr, action).toMatch(/keys list/);
    }
    expect(json(await keys(['delete', 'nobody', '--yes', '--json']))).toMatchObject({
      ok: false,
      error: { code: 'not_found', exitCode: 1 },
    });
  });

  test('usage mistakes: exit 2 before anything is sent', async ({ server, keys }) => {
    const before = server.stats.requests.total;
    for (const args of [
      [],
      ['frobnicate'],
      ['rotate'],
      ['list', 'someone'],
      ['create', 'x', '--role', 'owner'],
      ['rotate', 'x', '--yes'],
    ]) {
      const result = await keys(args);
      expect(result.code, args.join(' ')).toBe(2);
    }
    expect(server.stats.requests.total).toBe(before);
    const pasted = await keys(['3xAmPlE+sEcReT/kEy==']);
    expect(pasted.stderr).toMatch(/unknown keys subcommand \(not shown, in case it is a secret\)/);
    expect(pasted.stderr).not.toContain('sEcReT');
  });

  test('a server without database users (the admin list): explained', async ({ startServer }) => {
    const plain = await startServer({ oidc: false });
    const result = await runCli(['keys', 'create', 'someone', '--url', plain.url], {
      env: { WEAVIATE_API_KEY: plain.keys.admin },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /this server manages no API keys through its API .*db user management is not enabled/,
    );
    expect(result.stderr).toMatch(/AUTHENTICATION_DB_USERS_ENABLED/);
  });
});
