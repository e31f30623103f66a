import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

async function statusWith(headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${server.url}/v1/schema`, { headers });
  await response.body?.cancel();
  return response.status;
}

/** The credential options and environment for each kind the CLI accepts. */
function kinds(): Array<{ name: string; args: string[]; env: Record<string, string> }> {
  return [
    { name: 'admin API key', args: [], env: { WEAVIATE_API_KEY: server.keys.admin } },
    { name: 'read-only API key', args: [], env: { WEAVIATE_API_KEY: server.keys.readOnly } },
    {
      name: 'username + password',
      args: ['--username', server.users.admin.username],
      env: { WEAVIATE_PASSWORD: server.users.admin.password },
    },
    {
      name: 'client secret',
      args: ['--client-id', server.clients.service.clientId],
      env: { WEAVIATE_CLIENT_SECRET: server.clients.service.clientSecret },
    },
  ];
}

describe('weaviate-auth headers', () => {
  it('prints the Headers-tab JSON for every credential kind, and the server accepts those headers', async () => {
    for (const kind of kinds()) {
      const result = await runCli(['headers', '--url', server.url, ...kind.args], { env: kind.env });
      expect(result.code, `${kind.name}: ${result.stderr}`).toBe(0);
      expect(result.stderr).toBe('');
      const headers = JSON.parse(result.stdout) as Record<string, string>;
      expect(Object.keys(headers)).toContain('Authorization');
      expect(headers.Authorization).toMatch(/^Bearer \S+$/);
      if (kind.env.WEAVIATE_API_KEY !== undefined) {
        expect(headers.Authorization).toBe(`Bearer ${kind.env.WEAVIATE_API_KEY}`);
      }
      expect(await statusWith(headers), kind.name).toBe(200);
    }
  });

  it('--curl prints -H flags that a POSIX shell splits into exactly the header', async () => {
    const result = await runCli(
      ['headers', '--url', server.url, '--curl', '-u', server.users.readOnly.username],
      {
        env: { WEAVIATE_PASSWORD: server.users.readOnly.password },
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^-H 'Authorization: Bearer [^']+'\n$/);
    // What `eval "curl $(weaviate-auth headers --curl) ..."` would pass to curl.
    const { stdout } = await promisify(execFile)('sh', ['-c', `eval "set -- $FLAGS"; printf '%s\\n' "$@"`], {
      env: { FLAGS: result.stdout.trim() },
    });
    const [flag, header, ...rest] = stdout.split('\n');
    expect(flag).toBe('-H');
    expect(rest).toEqual(['']);
    const token = header?.replace(/^Authorization: Bearer /, '') ?? '';
    expect(await statusWith({ authorization: `Bearer ${token}` })).toBe(200);
  });

  it('--json wraps the headers with the grant and lifetime', async () => {
    const result = await runCli(['headers', '--url', server.url, '--json'], {
      env: {
        WEAVIATE_CLIENT_SECRET: server.clients.service.clientSecret,
        WEAVIATE_CLIENT_ID: server.clients.service.clientId,
      },
    });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({
      ok: true,
      credential: 'client-credentials',
      grant: 'client_credentials',
      verified: true,
    });
    expect(body.expiresIn).toBeGreaterThan(0);
    expect(await statusWith(body.headers)).toBe(200);
  });

  it('exits 1 on a wrong password and on an unknown key, without printing either', async () => {
    const password = 'wrong-password-for-headers';
    const wrong = await runCli(['headers', '--url', server.url, '-u', server.users.admin.username], {
      env: { WEAVIATE_PASSWORD: password },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe('');
    expectNoSecrets(wrong.stderr, [password]);

    const key = 'no-such-key-for-headers';
    const unknown = await runCli(['headers', '--url', server.url, '--json'], {
      env: { WEAVIATE_API_KEY: key },
    });
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error.code).toBe('unauthorized');
    expectNoSecrets(unknown.stdout + unknown.stderr, [key]);
  });

  it('exits 1 with a client secret when OIDC is off', async () => {
    const plain = await startWeaviateServer({ oidc: false });
    try {
      const secret = 'a-client-secret-for-no-oidc';
      const result = await runCli(['headers', '--url', plain.url], {
        env: { WEAVIATE_CLIENT_SECRET: secret },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/does not have OIDC enabled/);
      expectNoSecrets(result.stderr, [secret]);
    } finally {
      await plain.close();
    }
  });
});
