import { createServer, type Server } from 'node:http';
import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, runCli } from './__test__/bin.js';

// What the CLI shows of text it did not write: server answers are scrubbed of the run's secrets, the CLI's
// own sentences are left alone, and words typed by the user are echoed only when they cannot be a secret.

let server: WeaviateServer;
let echoing: Server;
let echoingUrl: string;

/**
 * A server that misbehaves the way some do: its 401 body repeats the credential it was sent. OIDC is off
 * (discovery answers 404), so an API key is the credential to use.
 */
async function startEchoingServer(): Promise<void> {
  echoing = createServer((request, response) => {
    if (request.url === '/v1/.well-known/openid-configuration') {
      response.writeHead(404).end();
      return;
    }
    const sent = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ code: 401, message: `invalid api key: ${sent}` }));
  });
  await new Promise<void>((done) => echoing.listen(0, '127.0.0.1', done));
  const address = echoing.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  echoingUrl = `http://127.0.0.1:${address.port}`;
}

beforeAll(async () => {
  server = await startWeaviateServer();
  await startEchoingServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await new Promise((done) => echoing?.close(done));
});

describe('text from outside is scrubbed, the CLI’s own sentences are not', () => {
  // Quotes and a backslash: JSON escaping changes how the key is written, so a scrubber that ran on the
  // serialised document would miss it.
  const key = 'key-"quoted"-back\\slash-4f1e';
  const escaped = JSON.stringify(key).slice(1, -1);

  it('a server that echoes the API key in its 401: token and check, as text and as --json', async () => {
    for (const command of ['token', 'check']) {
      for (const json of [[], ['--json']]) {
        const result = await runCli([command, '--url', echoingUrl, ...json], {
          env: { WEAVIATE_API_KEY: key },
        });
        const shown = result.stdout + result.stderr;
        expect(result.code, `${command} ${json.join(' ')}: ${shown}`).toBe(1);
        expect(shown).toContain('invalid api key: ***');
        expectNoSecrets(shown, [key, escaped]);
      }
    }
  });

  it('a wrong password that is an ordinary word leaves the hint readable (and says nothing about it)', async () => {
    for (const json of [[], ['--json']]) {
      const result = await runCli(['token', '--url', server.url, '-u', 'admin', ...json], {
        env: { WEAVIATE_PASSWORD: 'wrong' },
      });
      expect(result.code).toBe(1);
      const shown = result.stdout + result.stderr;
      expect(shown).toContain('A wrong password or username');
      expect(shown).not.toContain('***');
    }
  });
});

describe('words typed on the command line', () => {
  it('an unknown option gets our own message, with the option it most likely meant', async () => {
    const result = await runCli(['token', '--api-kee', 'some-key', '--url', server.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^weaviate-auth: unknown option '--api-kee': did you mean '--api-key'\?/);
    expect(result.stderr).not.toMatch(/positional argument|To specify/);
    expectNoSecrets(result.stderr, ['some-key']);
  });

  it('a mistyped command gets "did you mean", without repeating the word', async () => {
    const result = await runCli(['chekc', '--url', server.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command: did you mean 'check'\?/);
    expect(result.stderr).not.toContain('chekc');
  });

  it('a stray word before the command (a password without its flag) is never echoed', async () => {
    const result = await runCli(['-u', 'admin', 'sunshinepass', 'token', '--url', server.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/a stray word before the command 'token'/);
    expectNoSecrets(result.stderr, ['sunshinepass']);
    const unknown = await runCli(['sunshinepass', '--url', server.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command \(not shown/);
    expectNoSecrets(unknown.stderr, ['sunshinepass']);
  });

  it('a URL that cannot be parsed is echoed without its user name and password, also as --json', async () => {
    for (const json of [[], ['--json']]) {
      const result = await runCli(['token', '--url', 'https://admin:pw-9c1d@host:99999', ...json], {
        env: { WEAVIATE_API_KEY: 'some-key' },
      });
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).toContain("not a valid URL: 'https://***@host:99999'");
      expectNoSecrets(result.stdout + result.stderr, ['pw-9c1d', 'admin:']);
    }
  });

  it('a URL without a scheme: http:// for a loopback host, and a hint when https:// was assumed', async () => {
    const local = await runCli(['token', '--url', server.url.replace('http://', '')], {
      env: { WEAVIATE_API_KEY: server.keys.admin },
    });
    expect(local).toMatchObject({ code: 0, stdout: `${server.keys.admin}\n`, stderr: '' });
    const remote = await runCli(['token', '--url', 'no-such-host.invalid:8080'], {
      env: { WEAVIATE_API_KEY: 'some-key' },
    });
    expect(remote.code).toBe(3);
    expect(remote.stderr).toContain('https://no-such-host.invalid:8080');
    expect(remote.stderr).toMatch(/no scheme, so https:\/\/ was assumed/);
  });

  it('--help lists every exit code, 130 included', async () => {
    const result = await runCli(['--help']);
    // As the README's table says: every way a run is cancelled.
    expect(result.stdout).toMatch(
      /130 +the password prompt or a login was interrupted \(Ctrl-C, Ctrl-D, the terminal closed\),\s+or keys delete was not confirmed/,
    );
  });
});
