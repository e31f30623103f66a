import { describe, expect, it } from 'vitest';
import { closedPort, expectNoSecrets, runCli } from './__test__/bin.js';

describe('weaviate-auth usage', () => {
  it('--help prints the overview with every command, the exit codes and examples; each command has its own', async () => {
    const main = await runCli(['--help']);
    expect(main.code).toBe(0);
    for (const text of ['token', 'headers', 'check', 'Exit codes', 'Examples', 'WEAVIATE_API_KEY']) {
      expect(main.stdout).toContain(text);
    }
    for (const command of ['token', 'headers', 'check']) {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^weaviate-auth ${command}:`));
      expect(help.stdout).toMatch(/Examples\n {2}\S/);
      expect((await runCli(['help', command])).stdout).toBe(help.stdout);
    }
  });

  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on usage mistakes, with a message that says what to do', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [[], {}, /no command given/],
      [['tokn'], {}, /unknown command: did you mean 'token'\?/],
      [['token', '--api-kee', 'x'], {}, /unknown option '--api-kee'/],
      [['token', '--api-key', 'key-one'], {}, /no cluster URL: pass --url/],
      [['token', '--url', 'http://127.0.0.1:1'], {}, /no credentials given/],
      [
        ['token', '--url', 'http://127.0.0.1:1', '--api-key', 'key-one', '--username', 'me'],
        {},
        /more than one kind of credential on the command line/,
      ],
      [
        ['token', '--url', 'http://127.0.0.1:1'],
        { WEAVIATE_API_KEY: 'key-one', WEAVIATE_USERNAME: 'me' },
        /more than one kind of credential in the environment \(WEAVIATE_API_KEY, WEAVIATE_USERNAME\)/,
      ],
      [
        ['token', '--url', 'http://127.0.0.1:1', '--username', 'me'],
        {},
        /no password for me, and stdin is not a terminal/,
      ],
      [['check', '--url', 'ftp://example.com'], {}, /must be http:\/\/ or https:\/\//],
      [
        ['token', '--url', 'http://127.0.0.1:1', '--timeout', 'soon'],
        {},
        /--timeout must be a number of seconds from 0.001 to 2147483/,
      ],
      [['check', '--url', 'http://127.0.0.1:1', '--curl'], {}, /--curl only applies to the headers command/],
      [
        ['token', '--url', 'http://10.0.0.1:8080'],
        { WEAVIATE_API_KEY: 'key-one' },
        /refusing to send a credential over plain http to http:\/\/10.0.0.1:8080[\s\S]*--allow-insecure-http/,
      ],
      [
        ['check', '--url', 'https://example.com', '--api-key', 'key-one', '--client-id', 'svc'],
        {},
        /--client-id goes with --client-secret/,
      ],
      [
        ['check', '--url', 'http://127.0.0.1:1', '--api-key', '-key-with-a-dash'],
        {},
        /--api-key needs a value[\s\S]*starts with '-' goes after an equals sign: --api-key=-value/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const result = await runCli(args, { env });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
    }
  });

  it('never echoes a stray argument that may be a password typed without its flag', async () => {
    const result = await runCli([
      'token',
      '--url',
      'http://127.0.0.1:1',
      '--username',
      'me',
      'hunter2-secret',
    ]);
    expect(result.code).toBe(2);
    expectNoSecrets(result.stderr, ['hunter2-secret']);
  });

  it('--json makes a usage error a JSON document on stdout', async () => {
    const result = await runCli(['token', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'usage', exitCode: 2 } });
  });

  it('exits 3 for a closed port, for every command and credential kind', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const credentials: Array<[string[], Record<string, string>]> = [
      [[], { WEAVIATE_API_KEY: 'some-api-key' }],
      [['-u', 'me'], { WEAVIATE_PASSWORD: 'some-password' }],
      [['--client-id', 'svc'], { WEAVIATE_CLIENT_SECRET: 'some-client-secret' }],
    ];
    for (const command of ['token', 'headers', 'check']) {
      for (const [args, env] of credentials) {
        const result = await runCli([command, '--url', url, ...args], { env });
        expect(result.code, `${command} ${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(3);
        expect(result.stdout + result.stderr).toMatch(/connection refused/);
        expectNoSecrets(result.stdout + result.stderr, Object.values(env));
      }
    }
    const json = await runCli(['check', '--url', url, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 3, server: { reachable: false } });
  });
});
