import { statusWith, test } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import { expectNoSecrets, runCli, runInPty } from './__test__/bin.js';

describe('password input', () => {
  test('--password-stdin reads the password from a pipe (one trailing newline dropped)', async ({
    server,
  }) => {
    const { username, password } = server.users.admin;
    const result = await runCli(['token', '--url', server.url, '-u', username, '--password-stdin'], {
      stdin: `${password}\n`,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(await statusWith(server, result.stdout.trim())).toBe(200);
  });

  test('--password-stdin with a wrong password exits 1 without printing it', async ({ server }) => {
    const result = await runCli(
      ['check', '--url', server.url, '-u', server.users.admin.username, '--password-stdin'],
      {
        stdin: 'wrong-password-on-stdin',
      },
    );
    expect(result.code).toBe(1);
    expectNoSecrets(result.stdout + result.stderr, ['wrong-password-on-stdin']);
  });

  test('--password-stdin and --password together are a usage error', async ({ server }) => {
    const result = await runCli(
      ['token', '--url', server.url, '-u', 'me', '--password-stdin', '--password', 'pw-flag'],
      { stdin: 'pw-stdin' },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--password and --password-stdin both give a password/);
  });

  test('prompts on a terminal without echo, and the typed password works', async ({ server }) => {
    const { username, password } = server.users.readOnly;
    const pty = runInPty(['token', '--url', server.url, '--username', username]);
    await pty.waitFor(`Password for ${username}: `);
    pty.type(`${password}\r`);
    expect(await pty.exited).toBe(0);
    const output = pty.output();
    expectNoSecrets(output, [password]);
    const token = /(eyJ[\w-]+\.[\w-]+\.[\w-]+)/.exec(output)?.[1];
    expect(token).toBeDefined();
    expect(await statusWith(server, token ?? '')).toBe(200);
  });

  test('the prompt handles backspace, and check reports the password came from the prompt', async ({
    server,
  }) => {
    const { username, password } = server.users.admin;
    const pty = runInPty(['check', '--url', server.url, '-u', username]);
    await pty.waitFor('Password for');
    pty.type(`xy\u007f\u007f${password.slice(0, 3)}Q\u007f`);
    pty.type(`${password.slice(3)}\r`);
    expect(await pty.exited).toBe(0);
    expect(pty.output()).toMatch(/password from prompt/);
    expect(pty.output()).toMatch(/OK: the credential works/);
    expectNoSecrets(pty.output(), [password]);
  });

  test('Ctrl-C at the prompt exits 130 and sends nothing', async ({ server }) => {
    const before = server.stats.tokenRequests.total;
    const pty = runInPty(['token', '--url', server.url, '-u', server.users.admin.username]);
    await pty.waitFor('Password for');
    pty.type('abc\u0003');
    expect(await pty.exited).toBe(130);
    expect(pty.output()).toMatch(/interrupted/);
    expect(server.stats.tokenRequests.total).toBe(before);
  });
});
