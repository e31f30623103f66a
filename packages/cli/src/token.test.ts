import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, runCli } from './__test__/bin.js';

let server: WeaviateServer;

beforeAll(async () => {
  server = await startWeaviateServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** What the server answers to a request with this bearer token. */
async function statusWith(token: string, path = '/v1/schema'): Promise<number> {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

describe('weaviate-auth token', () => {
  it('prints the admin API key, and only it, on stdout', async () => {
    const result = await runCli(['token', '--url', server.url], {
      env: { WEAVIATE_API_KEY: server.keys.admin },
    });
    expect(result).toMatchObject({ code: 0, stdout: `${server.keys.admin}\n`, stderr: '' });
  });

  it('prints the read-only API key given as a flag, with a shell-history warning that does not repeat it', async () => {
    const result = await runCli(['token', '--url', server.url, '--api-key', server.keys.readOnly]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${server.keys.readOnly}\n`);
    expect(result.stderr).toMatch(/warning: .*--api-key.*shell history/);
    expectNoSecrets(result.stderr, [server.keys.readOnly]);
  });

  it('prints a fresh access token for a username and password, which the server accepts', async () => {
    const { username, password } = server.users.admin;
    const before = server.stats.tokenRequests.password;
    const result = await runCli(['token', '--url', server.url, '--username', username], {
      env: { WEAVIATE_PASSWORD: password },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const token = result.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(await statusWith(token)).toBe(200);
    expect(server.stats.tokenRequests.password).toBe(before + 1);
  });

  it('prints an access token for a client secret with --client-id (client credentials grant)', async () => {
    const { clientId, clientSecret } = server.clients.service;
    const before = server.stats.tokenRequests.client_credentials;
    const result = await runCli(['token', '--url', server.url, '--client-id', clientId], {
      env: { WEAVIATE_CLIENT_SECRET: clientSecret },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(await statusWith(result.stdout.trim())).toBe(200);
    expect(server.stats.tokenRequests.client_credentials).toBe(before + 1);
  });

  it('takes the client id from WEAVIATE_CLIENT_ID and the URL from WEAVIATE_URL', async () => {
    const { clientId, clientSecret } = server.clients.service;
    const result = await runCli(['token'], {
      env: { WEAVIATE_URL: server.url, WEAVIATE_CLIENT_ID: clientId, WEAVIATE_CLIENT_SECRET: clientSecret },
    });
    expect(result.code).toBe(0);
    expect(await statusWith(result.stdout.trim())).toBe(200);
  });

  it('--json describes the token: grant, lifetime, refresh token, verification', async () => {
    const { username, password } = server.users.readOnly;
    const result = await runCli(['token', '--url', server.url, '-u', username, '--json'], {
      env: { WEAVIATE_PASSWORD: password },
    });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({
      ok: true,
      type: 'Bearer',
      credential: 'password',
      grant: 'password',
      hasRefreshToken: true,
      verified: true,
    });
    expect(body.expiresIn).toBeGreaterThan(0);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    expect(await statusWith(body.token)).toBe(200);
    expectNoSecrets(result.stdout, [password]);
  });

  it('exits 1 on a wrong password, saying so without printing it', async () => {
    const password = 'definitely-not-the-password';
    const result = await runCli(['token', '--url', server.url, '-u', server.users.admin.username], {
      env: { WEAVIATE_PASSWORD: password },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/refused the username or password .*invalid_grant/);
    expectNoSecrets(result.stderr, [password]);
  });

  it('exits 1 on a wrong client secret, pointing at --client-id and the secret', async () => {
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

  it('exits 1 on an unknown API key: the server is asked, and its 401 explained', async () => {
    const key = 'unknown-key-0123456789abcdef';
    const result = await runCli(['token', '--url', server.url], { env: { WEAVIATE_API_KEY: key } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/refused the credential .*401/);
    expect(result.stderr).toMatch(/does not know this API key/);
    expectNoSecrets(result.stderr, [key]);
  });

  it('--no-verify prints an API key without asking the server', async () => {
    const key = 'unknown-key-0123456789abcdef';
    server.stats.reset();
    const result = await runCli(['token', '--url', server.url, '--no-verify'], {
      env: { WEAVIATE_API_KEY: key },
    });
    expect(result).toMatchObject({ code: 0, stdout: `${key}\n` });
    expect(server.stats.requests.total).toBe(0);
  });

  it('exits 3 when the OpenID Provider does not answer within --timeout', async () => {
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

  it('exits 1 when OIDC is off and a username is given, and says to use an API key', async () => {
    const plain = await startWeaviateServer({ oidc: false });
    try {
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
    } finally {
      await plain.close();
    }
  });
});
