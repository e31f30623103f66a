import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { statusWith, test } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import {
  cliCredentials,
  expectNoSecrets,
  runCli,
  runJsonToken,
  runWithWrongPassword,
} from './__test__/bin.js';

describe('weaviate-auth headers', () => {
  test('prints the Headers-tab JSON for every credential kind, and the server accepts those headers', async ({
    server,
  }) => {
    for (const kind of cliCredentials(server)) {
      const result = await runCli(['headers', '--url', server.url, ...kind.args], { env: kind.env });
      expect(result.code, `${kind.name}: ${result.stderr}`).toBe(0);
      expect(result.stderr).toBe('');
      const headers = JSON.parse(result.stdout) as Record<string, string>;
      expect(Object.keys(headers)).toContain('Authorization');
      expect(headers.Authorization).toMatch(/^Bearer \S+$/);
      if (kind.env.WEAVIATE_API_KEY !== undefined) {
        expect(headers.Authorization).toBe(`Bearer ${kind.env.WEAVIATE_API_KEY}`);
      }
      expect(await statusWith(server, headers), kind.name).toBe(200);
    }
  });

  test('--curl prints -H flags that a POSIX shell splits into exactly the header', async ({ server }) => {
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
    expect(await statusWith(server, { authorization: `Bearer ${token}` })).toBe(200);
  });

  test('--json wraps the headers with the grant and lifetime', async ({ server }) => {
    const { body } = await runJsonToken(
      ['headers', '--url', server.url],
      {
        WEAVIATE_CLIENT_SECRET: server.clients.service.clientSecret,
        WEAVIATE_CLIENT_ID: server.clients.service.clientId,
      },
      { credential: 'client-credentials', grant: 'client_credentials' },
    );
    expect(await statusWith(server, body.headers as Record<string, string>)).toBe(200);
  });

  test('exits 1 on a wrong password and on an unknown key, without printing either', async ({ server }) => {
    await runWithWrongPassword(server, 'headers', 'wrong-password-for-headers');

    const key = 'no-such-key-for-headers';
    const unknown = await runCli(['headers', '--url', server.url, '--json'], {
      env: { WEAVIATE_API_KEY: key },
    });
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error.code).toBe('unauthorized');
    expectNoSecrets(unknown.stdout + unknown.stderr, [key]);
  });

  test('exits 1 with a client secret when OIDC is off', async ({ startServer }) => {
    const plain = await startServer({ oidc: false });
    const secret = 'a-client-secret-for-no-oidc';
    const result = await runCli(['headers', '--url', plain.url], {
      env: { WEAVIATE_CLIENT_SECRET: secret },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not have OIDC enabled/);
    expectNoSecrets(result.stderr, [secret]);
  });
});
