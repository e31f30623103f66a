import { test } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import { expectNoSecrets, runCli } from './__test__/bin.js';

describe('a URL where no Weaviate answers (a wrong path, another service)', () => {
  test('token, headers and check fail with exit 3 and say to check --url; none says OK or prints the key', async ({
    server,
  }) => {
    const url = `${server.url}/not-weaviate`;
    const env = { WEAVIATE_API_KEY: server.keys.admin };
    for (const command of ['token', 'headers']) {
      const result = await runCli([command, '--url', url], { env });
      expect(result.code, command).toBe(3);
      expect(result.stdout, command).toBe('');
      expect(result.stderr).toMatch(
        /there is no Weaviate API at http:\/\/127\.0\.0\.1:\d+\/not-weaviate \(GET \/v1\/meta -> 404/,
      );
      expect(result.stderr).toMatch(/Check --url[\s\S]*--no-verify/);
      expectNoSecrets(result.stderr, [server.keys.admin]);
    }
    const check = await runCli(['check', '--url', url], { env });
    expect(check.code).toBe(3);
    expect(check.stdout).toMatch(/✗ read {7}GET \/v1\/schema -> 404/);
    expect(check.stdout).toMatch(/Problem: there is no Weaviate API at/);
    expect(check.stdout).not.toMatch(/^OK/m);
    expect(check.stdout).toMatch(/FAILED \(exit code 3\)\.\n$/);
    const json = await runCli(['check', '--url', url, '--json'], { env });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      exitCode: 3,
      read: { path: '/v1/schema', status: 404, ok: false },
      problems: [{ code: 'unreachable' }],
    });
    // The same server at its root is fine: the failure is the path.
    expect((await runCli(['check', '--url', server.url], { env })).code).toBe(0);
  });
});
