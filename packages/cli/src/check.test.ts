import { test as base } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import { expectNoSecrets, runCli } from './__test__/bin.js';
import type { CheckReport } from './commands/check.js';

/** `weaviate-auth check --json` against the file's server. */
const test = base.extend('check', ({ server }) => async (args: string[], env: Record<string, string>) => {
  const result = await runCli(['check', '--url', server.url, '--json', ...args], { env });
  return { ...result, report: JSON.parse(result.stdout) as CheckReport };
});

// 3 s tokens: the report's lifetime is checked against the provider's setting.
test.override('serverOptions', { scope: 'file' }, { accessTokenTtl: 3 });

describe('weaviate-auth check', () => {
  test('an admin API key: reachable, OIDC announced, who the key is, can read', async ({ server, check }) => {
    const { code, report, stdout, stderr } = await check([], { WEAVIATE_API_KEY: server.keys.admin });
    expect(code).toBe(0);
    expect(report).toMatchObject({
      ok: true,
      exitCode: 0,
      server: { reachable: true },
      oidc: { enabled: true, issuer: server.issuer, clientId: server.clientId, source: 'server' },
      credential: { kind: 'api-key', source: 'WEAVIATE_API_KEY' },
      token: { grant: 'api_key', expiresIn: null },
      // The admin list reports no roles (own-info's roles: null).
      identity: { status: 200, username: 'admin' },
      read: { path: '/v1/schema', status: 200, ok: true },
      problems: [],
    });
    expect(report.identity?.username).toEqual(expect.any(String));
    expectNoSecrets(stdout + stderr, [server.keys.admin]);
  });

  test('a read-only API key under RBAC: identity with the viewer role, can read', async ({ startServer }) => {
    const rbac = await startServer({ authorization: 'rbac' });
    const { code, stdout } = await runCli([
      'check',
      '--url',
      rbac.url,
      '--json',
      '--api-key',
      rbac.keys.readOnly,
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as CheckReport;
    expect(report.identity).toMatchObject({ status: 200, username: 'reader', roles: ['viewer'] });
    expect(report.read).toMatchObject({ ok: true });
  });

  test('username + password: discovery from core, the password grant, lifetime and refresh token', async ({
    server,
    check,
  }) => {
    const { username, password } = server.users.admin;
    const { code, report, stdout, stderr } = await check(['--username', username], {
      WEAVIATE_PASSWORD: password,
    });
    expect(code).toBe(0);
    expect(report.oidc).toMatchObject({
      enabled: true,
      issuer: server.issuer,
      clientId: server.clientId,
      source: 'core',
    });
    expect(report.oidc.scopes).toEqual(expect.arrayContaining([...server.scopes]));
    expect(report.credential).toMatchObject({
      kind: 'password',
      username,
      passwordSource: 'WEAVIATE_PASSWORD',
    });
    expect(report.token).toMatchObject({ grant: 'password', hasRefreshToken: true });
    expect(report.token?.expiresIn).toBeGreaterThan(0);
    expect(report.token?.expiresIn).toBeLessThanOrEqual(3);
    expect(report.token?.claims).toMatchObject({ iss: server.issuer });
    expect(report.identity).toMatchObject({ status: 200, username });
    expect(report.notes.join(' ')).not.toMatch(/offline_access/);
    expectNoSecrets(stdout + stderr, [password]);
    // No token in a check report: every string that looks like a JWT is absent.
    expect(stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  test('client credentials with --client-id: the grant, and no offline_access hint (no refresh token is normal)', async ({
    server,
    check,
  }) => {
    const { clientId, clientSecret } = server.clients.service;
    const { code, report, stdout } = await check(['--client-id', clientId], {
      WEAVIATE_CLIENT_SECRET: clientSecret,
    });
    expect(code).toBe(0);
    expect(report.oidc).toMatchObject({ source: 'core', clientIdOverride: clientId });
    expect(report.token).toMatchObject({ grant: 'client_credentials' });
    expect(report.identity).toMatchObject({ status: 200 });
    expect(report.read).toMatchObject({ ok: true });
    expect(report.notes.join(' ')).not.toMatch(/offline_access/);
    expectNoSecrets(stdout, [clientSecret]);
  });

  test('a wrong password: exit 1 and what to do, without the password', async ({ server, check }) => {
    const password = 'this-is-the-wrong-one';
    const { code, report, stdout, stderr } = await check(['-u', server.users.readOnly.username], {
      WEAVIATE_PASSWORD: password,
    });
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.code).toBe('invalid_credentials');
    expect(report.problems[0]?.todo.join(' ')).toMatch(/username and password/);
    expect(report.identity).toBeNull();
    expectNoSecrets(stdout + stderr, [password]);
  });

  test('an unknown API key: the 401 explained, in the human report too', async ({ server, check }) => {
    const key = 'an-unknown-api-key-42';
    const { code, report } = await check([], { WEAVIATE_API_KEY: key });
    expect(code).toBe(1);
    expect(report.identity).toMatchObject({ status: 401 });
    expect(report.problems[0]).toMatchObject({ code: 'unauthorized' });
    expect(report.problems[0]?.likely.join(' ')).toMatch(/does not know this API key/);

    const human = await runCli(['check', '--url', server.url], { env: { WEAVIATE_API_KEY: key } });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/✗ identity +GET \/v1\/users\/own-info -> 401/);
    expect(human.stdout).toMatch(/Problem: the server refused the credential/);
    expect(human.stdout).toMatch(/What to do:/);
    expectNoSecrets(human.stdout + human.stderr, [key]);
  });

  test('no credential: anonymous access refused with advice, or allowed', async ({ check, startServer }) => {
    const refused = await check([], {});
    expect(refused.code).toBe(1);
    expect(refused.report.credential.kind).toBe('none');
    expect(refused.report.problems[0]?.summary).toMatch(/requires authentication/);

    const open = await startServer({ anonymousAccess: true, oidc: false });
    const result = await runCli(['check', '--url', open.url, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      oidc: { enabled: false },
      read: { ok: true },
    });
  });

  test('OIDC off: a password is refused up front, an API key works', async ({ startServer }) => {
    const plain = await startServer({ oidc: false });
    const password = 'a-password-for-no-oidc';
    const oidc = await runCli(['check', '--url', plain.url, '--json', '-u', 'someone'], {
      env: { WEAVIATE_PASSWORD: password },
    });
    expect(oidc.code).toBe(1);
    const report = JSON.parse(oidc.stdout) as CheckReport;
    expect(report.oidc.enabled).toBe(false);
    expect(report.problems[0]?.code).toBe('oidc_disabled');
    expectNoSecrets(oidc.stdout + oidc.stderr, [password]);

    const key = await runCli(['check', '--url', plain.url], {
      env: { WEAVIATE_API_KEY: plain.keys.readOnly },
    });
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(/- OIDC +off/);
    expect(key.stdout).toMatch(/OK: the credential works and can read/);
  });

  test('the human report lists each step and never the token or password', async ({ server }) => {
    const { username, password } = server.users.admin;
    const result = await runCli(['check', '--url', server.url, '-u', username], {
      env: { WEAVIATE_PASSWORD: password },
    });
    expect(result.code).toBe(0);
    for (const step of ['server', 'OIDC', 'credential', 'token', 'identity', 'read']) {
      expect(result.stdout).toMatch(new RegExp(`✓ ${step} `));
    }
    expect(result.stdout).toMatch(/password grant, valid for \d s .*refresh token: yes/);
    expect(result.stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expectNoSecrets(result.stdout + result.stderr, [password]);
  });
});
