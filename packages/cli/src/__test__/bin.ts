import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { WeaviateServer } from '@auth/testing';
import { expect } from 'vitest';

/** The repository root and the built bin the tests run (vitest's globalSetup builds it: scripts/build-for-tests.ts). */
export const ROOT = resolve(import.meta.dirname, '../../../..');
export const BIN = join(ROOT, 'packages/cli/dist/cli.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment every run starts from: no WEAVIATE_* variables of the machine running the tests. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'SYSTEMROOT', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * Runs `node dist/cli.mjs ...args` as a child process. Rejects (so the test fails) when it does not exit
 * within `killAfter` ms: nothing may hang.
 */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; killAfter?: number } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...baseEnv(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weaviate-auth ${args[0]} did not exit within ${options.killAfter ?? 60_000} ms`));
    }, options.killAfter ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** Quotes a word for sh. */
function sh(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** A run inside a pseudo-terminal (`script` from util-linux): the bin sees a TTY on stdin, stdout and stderr. */
/**
 * Runs a command with `--json` that must succeed: its result, and its JSON document matched against what a
 * successful token command reports (`ok`, the credential, a positive lifetime, `verified`).
 */
export async function runJsonToken(
  args: string[],
  env: Record<string, string>,
  expected: Record<string, unknown>,
): Promise<{ result: CliResult; body: Record<string, unknown> & { expiresIn: number } }> {
  const result = await runCli([...args, '--json'], { env });
  expect(result.code).toBe(0);
  const body = JSON.parse(result.stdout);
  expect(body).toMatchObject({ ok: true, verified: true, ...expected });
  expect(body.expiresIn).toBeGreaterThan(0);
  return { result, body };
}

export interface PtyRun {
  /** Everything the terminal showed so far (stdout and stderr together, plus what the terminal echoed). */
  readonly output: () => string;
  /** Resolves once the terminal has shown `text`. */
  waitFor(text: string): Promise<void>;
  /** Types into the terminal. */
  type(text: string): void;
  /** Resolves with the exit code of the bin. */
  exited: Promise<number | null>;
}

export function runInPty(
  args: string[],
  options: { env?: Record<string, string>; killAfter?: number } = {},
): PtyRun {
  const command = [process.execPath, BIN, ...args].map(sh).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: { ...baseEnv(), SHELL: '/bin/sh', TERM: 'dumb', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: Array<{ text: string; done: () => void }> = [];
  const onChunk = (chunk: string) => {
    output += chunk;
    for (const waiter of [...waiters]) {
      if (output.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.done();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', onChunk);
  child.stderr.setEncoding('utf8').on('data', onChunk);
  const exited = new Promise<number | null>((resolveExit, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weaviate-auth in a pty did not exit within ${options.killAfter ?? 60_000} ms`));
    }, options.killAfter ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolveExit(code);
    });
  });
  return {
    output: () => output,
    waitFor: (text) =>
      output.includes(text)
        ? Promise.resolve()
        : new Promise<void>((done, reject) => {
            waiters.push({ text, done });
            exited.then(
              () =>
                reject(
                  new Error(`the terminal never showed '${text}'; it showed: ${JSON.stringify(output)}`),
                ),
              reject,
            );
          }),
    type: (text) => {
      child.stdin.write(text);
    },
    exited,
  };
}

/** The secrets and tokens a test has seen, to assert that none of them was printed where it must not be. */
export function expectNoSecrets(text: string, secrets: Array<string | undefined>): void {
  for (const secret of secrets) {
    if (secret !== undefined && secret !== '' && text.includes(secret)) {
      throw new Error(`a secret (${secret.length} characters) appears in the output:\n${text}`);
    }
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The CLI's options and environment for each credential kind it accepts, for the server's accounts. */
export interface CliCredential {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** The grant the provider counts for it (none for an API key). */
  grant?: 'password' | 'client_credentials';
}

export function cliCredentials(server: WeaviateServer): CliCredential[] {
  return [
    { name: 'admin API key', args: [], env: { WEAVIATE_API_KEY: server.keys.admin } },
    { name: 'read-only API key', args: [], env: { WEAVIATE_API_KEY: server.keys.readOnly } },
    {
      name: 'username + password',
      args: ['--username', server.users.admin.username],
      env: { WEAVIATE_PASSWORD: server.users.admin.password },
      grant: 'password',
    },
    {
      name: 'client secret',
      args: ['--client-id', server.clients.service.clientId],
      env: { WEAVIATE_CLIENT_SECRET: server.clients.service.clientSecret },
      grant: 'client_credentials',
    },
  ];
}

/** Runs `command` as the server's admin with a wrong `password`: exit 1, nothing on stdout, the password nowhere. */
export async function runWithWrongPassword(
  server: WeaviateServer,
  command: string,
  password: string,
): Promise<CliResult> {
  const result = await runCli([command, '--url', server.url, '-u', server.users.admin.username], {
    env: { WEAVIATE_PASSWORD: password },
  });
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expectNoSecrets(result.stdout + result.stderr, [password]);
  return result;
}
