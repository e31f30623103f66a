import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, runCli } from './__test__/bin.js';
import type { CheckReport } from './commands/check.js';

let server: WeaviateServer;

beforeAll(async () => {
  server = await startWeaviateServer({ accessTokenTtl: 3 });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

async function check(args: string[], env: Record<string, string>) {
  const result = await runCli(['check', '--url', server.url, '--json', ...args], { env });
  return { ...result, report: JSON.parse(result.stdout) as CheckReport };
}

describe('weaviate-auth check', () => {
  it('an admin API key: reachable, OIDC announced, who the key is, can read', async () => {
    const { code, report, stdout, stderr } = await check([], { WEAVIATE_API_KEY: server.keys.admin });
    expect(code).toBe(0);
    expect(report).toMatchObject({
      ok: true,
      exitCode: 0,
      server: { reachable: true },
      oidc: { enabled: true, issuer: server.issuer, clientId: server.clientId, source: 'server' },
      credential: { kind: 'api-key', source: 'WEAVIATE_API_KEY' },
      token: { grant: 'api_key', expiresIn: null },
      identity: { status: 200, roles: ['admin'] },
      read: { path: '/v1/schema', status: 200, ok: true },
      problems: [],
    });
    expect(report.identity?.username).toEqual(expect.any(String));
    expectNoSecrets(stdout + stderr, [server.keys.admin]);
  });

  it('a read-only API key: identity with the read-only role, can read', async () => {
    const { code, report } = await check(['--api-key', server.keys.readOnly], {});
    expect(code).toBe(0);
    expect(report.identity).toMatchObject({ status: 200, roles: ['read-only'] });
    expect(report.read).toMatchObject({ ok: true });
  });

  it('username + password: discovery from core, the password grant, lifetime and refresh token', async () => {
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
    expect(report.identity).toMatchObject({ status: 200, username, roles: ['admin'] });
    expect(report.notes.join(' ')).not.toMatch(/offline_access/);
    expectNoSecrets(stdout + stderr, [password]);
    // No token in a check report: every string that looks like a JWT is absent.
    expect(stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });

  it('client credentials with --client-id: the grant, and no offline_access hint (no refresh token is normal)', async () => {
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

  it('a wrong password: exit 1 and what to do, without the password', async () => {
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

  it('an unknown API key: the 401 explained, in the human report too', async () => {
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

  it('no credential: anonymous access refused with advice, or allowed', async () => {
    const refused = await check([], {});
    expect(refused.code).toBe(1);
    expect(refused.report.credential.kind).toBe('none');
    expect(refused.report.problems[0]?.summary).toMatch(/requires authentication/);

    const open = await startWeaviateServer({ anonymousAccess: true, oidc: false });
    try {
      const result = await runCli(['check', '--url', open.url, '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        ok: true,
        oidc: { enabled: false },
        read: { ok: true },
      });
    } finally {
      await open.close();
    }
  });

  it('OIDC off: a password is refused up front, an API key works', async () => {
    const plain = await startWeaviateServer({ oidc: false });
    try {
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
    } finally {
      await plain.close();
    }
  });

  it('the human report lists each step and never the token or password', async () => {
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
