import { statusWith, test } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import {
  cliCredentials,
  expectNoSecrets,
  runCli,
  runJsonToken,
  runWithWrongPassword,
} from './__test__/bin.js';

describe('weaviate-auth token', () => {
  test('prints the admin API key, and only it, on stdout', async ({ server }) => {
    const result = await runCli(['token', '--url', server.url], {
      env: { WEAVIATE_API_KEY: server.keys.admin },
    });
    expect(result).toMatchObject({ code: 0, stdout: `${server.keys.admin}\n`, stderr: '' });
  });

  test('prints the read-only API key given as a flag, with a shell-history warning that does not repeat it', async ({
    server,
  }) => {
    const result = await runCli(['token', '--url', server.url, '--api-key', server.keys.readOnly]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${server.keys.readOnly}\n`);
    expect(result.stderr).toMatch(/warning: .*--api-key.*shell history/);
    expectNoSecrets(result.stderr, [server.keys.readOnly]);
  });

  test.for(['username + password', 'client secret'])(
    'prints a fresh access token for a %s (one token request of its grant), which the server accepts',
    async (name, { server }) => {
      const { args, env, grant = 'password' } = cliCredentials(server).find((kind) => kind.name === name)!;
      const before = server.stats.tokenRequests[grant];
      const result = await runCli(['token', '--url', server.url, ...args], { env });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      const token = result.stdout.trim();
      expect(token.split('.')).toHaveLength(3);
      expect(await statusWith(server, token)).toBe(200);
      expect(server.stats.tokenRequests[grant]).toBe(before + 1);
    },
  );

  test('takes the client id from WEAVIATE_CLIENT_ID and the URL from WEAVIATE_URL', async ({ server }) => {
    const { clientId, clientSecret } = server.clients.service;
    const result = await runCli(['token'], {
      env: { WEAVIATE_URL: server.url, WEAVIATE_CLIENT_ID: clientId, WEAVIATE_CLIENT_SECRET: clientSecret },
    });
    expect(result.code).toBe(0);
    expect(await statusWith(server, result.stdout.trim())).toBe(200);
  });

  test('--json describes the token: grant, lifetime, refresh token, verification', async ({ server }) => {
    const { username, password } = server.users.readOnly;
    const { result, body } = await runJsonToken(
      ['token', '--url', server.url, '-u', username],
      { WEAVIATE_PASSWORD: password },
      { type: 'Bearer', credential: 'password', grant: 'password', hasRefreshToken: true },
    );
    expect(Date.parse(body.expiresAt as string)).toBeGreaterThan(Date.now());
    expect(await statusWith(server, body.token as string)).toBe(200);
    expectNoSecrets(result.stdout, [password]);
  });

  test('exits 1 on a wrong password, saying so without printing it', async ({ server }) => {
    const result = await runWithWrongPassword(server, 'token', 'definitely-not-the-password');
    expect(result.stderr).toMatch(/refused the username or password .*invalid_grant/);
  });

  test('exits 1 on a wrong client secret, pointing at --client-id and the secret', async ({ server }) => {
    const secret = 'not-the-client-secret-at-all';
    const result = await runCli(
      ['token', '--url', server.url, '--client-id', server.clients.service.clientId],
      {
        env: { WEAVIATE_CLIENT_SECRET: secret },
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid_client/);
    expect(result.stderr).toMatch(/--client-id/);
    expectNoSecrets(result.stderr, [secret]);
  });

  test('exits 1 on an unknown API key: the server is asked, and its 401 explained', async ({ server }) => {
    const key = 'unknown-key-0123456789abcdef';
    const result = await runCli(['token', '--url', server.url], { env: { WEAVIATE_API_KEY: key } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/refused the credential .*401/);
    expect(result.stderr).toMatch(/does not know this API key/);
    expectNoSecrets(result.stderr, [key]);
  });

  test('--no-verify prints an API key without asking the server', async ({ server }) => {
    const key = 'unknown-key-0123456789abcdef';
    server.stats.reset();
    const result = await runCli(['token', '--url', server.url, '--no-verify'], {
      env: { WEAVIATE_API_KEY: key },
    });
    expect(result).toMatchObject({ code: 0, stdout: `${key}\n` });
    expect(server.stats.requests.total).toBe(0);
  });

  test('exits 3 when the OpenID Provider does not answer within --timeout', async ({ server }) => {
    const { username, password } = server.users.admin;
    server.faults.hangTokenRequests(20_000, 10);
    try {
      const result = await runCli(['token', '--url', server.url, '-u', username, '--timeout', '0.5'], {
        env: { WEAVIATE_PASSWORD: password },
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/OpenID Provider could not be reached/);
      expectNoSecrets(result.stderr, [password]);
    } finally {
      server.faults.reset();
    }
  });

  test('exits 1 when OIDC is off and a username is given, and says to use an API key', async ({
    startServer,
  }) => {
    const plain = await startServer({ oidc: false });
    const result = await runCli(['token', '--url', plain.url, '-u', 'admin', '--json'], {
      env: { WEAVIATE_PASSWORD: 'whatever-password' },
    });
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout);
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('oidc_disabled');
    expect(body.error.hints.join(' ')).toMatch(/--api-key/);
    // An API key still works there.
    const key = await runCli(['token', '--url', plain.url], {
      env: { WEAVIATE_API_KEY: plain.keys.admin },
    });
    expect(key).toMatchObject({ code: 0, stdout: `${plain.keys.admin}\n` });
  });
});
