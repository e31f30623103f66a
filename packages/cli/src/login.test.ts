import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuth } from '@auth/core';
import { statusWith, test } from '@auth/test-utils';
import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { afterAll, beforeEach, describe, expect } from 'vitest';
import { expectNoSecrets, runCli, runInPty } from './__test__/bin.js';
import { LoginFileError, storedLogin } from './login/index.js';
import { configDir, loginFile, readLogin } from './login/login-file.js';

test.override('serverOptions', { scope: 'file' }, { deviceInterval: 0.2, accessTokenTtl: 2 });

/** A config folder of its own for each test: the logins it stores are its own. */
const home = mkdtempSync(join(tmpdir(), 'weaviate-auth-login-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
let env: Record<string, string>;
let counter = 0;
beforeEach(() => {
  counter += 1;
  env = { XDG_CONFIG_HOME: join(home, String(counter)) };
});

const fileOf = (server: WeaviateServer) => loginFile(server.url, configDir(env));

/** `weaviate-auth login` as a child process (not a terminal), approved or not by the test. */
async function login(
  server: WeaviateServer,
  act: (userCode: string) => Promise<void> = (userCode) => server.deviceFlow.approve(userCode),
  args: string[] = [],
) {
  const next = server.deviceFlow.next();
  const running = runCli(['login', '--url', server.url, ...args], { env });
  await act((await next).userCode);
  return running;
}

describe('weaviate-auth login', () => {
  test('signs in on a terminal: shows the page and the code, stores the login for the owner only, encrypted', async ({
    server,
  }) => {
    const pty = runInPty(['login', '--url', server.url], { env });
    await pty.waitFor('Waiting for the sign-in');
    const shown = /open this page in a browser, on any device:\s+(\S+)\s+and enter the code:\s+(\S+)/.exec(
      pty.output(),
    );
    expect(shown?.[1]).toBe(`${server.issuer}/device`);
    await server.deviceFlow.approve(shown?.[2] ?? '', 'read-only');
    expect(await pty.exited).toBe(0);
    expect(pty.output()).toMatch(
      new RegExp(`Signed in to ${server.url} as ${server.users.readOnly.username}\\. The login is stored in`),
    );

    const file = fileOf(server);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    const text = readFileSync(file, 'utf8');
    const stored = readLogin(file)!;
    expect(stored).toMatchObject({ url: server.url, encrypted: true });
    expect(typeof stored.token.refreshToken).toBe('string');
    expectNoSecrets(text, [stored.token.refreshToken, stored.token.accessToken]);
    expect(JSON.parse(text)).toMatchObject({
      format: 'weaviate-auth login 1',
      protection: expect.stringMatching(/^aes-256-gcm/),
    });
    expectNoSecrets(pty.output(), [stored.token.refreshToken, stored.token.accessToken]);
  });

  test('then token, headers and check work with no secret on the command line', async ({ server }) => {
    expect((await login(server)).code).toBe(0);
    const polls = server.stats.tokenRequests.device_code;
    const token = await runCli(['token', '--url', server.url], { env });
    expect(token.code).toBe(0);
    expect(await statusWith(server, token.stdout.trim())).toBe(200);
    const headers = await runCli(['headers', '--url', server.url], { env });
    expect(await statusWith(server, JSON.parse(headers.stdout))).toBe(200);
    const check = await runCli(['check', '--url', server.url], { env });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/credential +stored login \(weaviate-auth login\) \(from .*\.json\)/);
    expect(check.stdout).toMatch(/OK: the credential works and can read/);
    expect(server.stats.tokenRequests.device_code).toBe(polls);
  });

  test('a refresh writes the rotated refresh token back; processes at once refresh once', async ({
    server,
  }) => {
    expect((await login(server)).code).toBe(0);
    const file = fileOf(server);
    const before = readLogin(file)!.token;
    // The access token lives 2 s: once it is gone, every run needs a refresh.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const refreshes = server.stats.tokenRequests.refresh_token;
    const runs = await Promise.all([1, 2, 3].map(() => runCli(['token', '--url', server.url], { env })));
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    expect(server.stats.tokenRequests.refresh_token).toBe(refreshes + 1);
    const after = readLogin(file)!.token;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(new Set(runs.map((run) => run.stdout))).toEqual(new Set([`${after.accessToken}\n`]));
    expect(
      readdirSync(join(file, '..')).filter((name) => name.endsWith('.lock') || name.endsWith('.tmp')),
    ).toEqual([]);
  });

  test('logout revokes the refresh token at the provider and deletes the file', async ({ server }) => {
    expect((await login(server)).code).toBe(0);
    const file = fileOf(server);
    const { refreshToken } = readLogin(file)!.token;
    const logout = await runCli(['logout', '--url', server.url], { env });
    expect(logout.code).toBe(0);
    expect(logout.stderr).toMatch(
      /Signed out of .*: the refresh token was revoked at the provider, and .* was deleted/,
    );
    expect(() => statSync(file)).toThrow();
    const refresh = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: server.clientId,
        refresh_token: refreshToken!,
      }),
    });
    expect(((await refresh.json()) as { error?: string }).error).toBe('invalid_grant');
    const token = await runCli(['token', '--url', server.url], { env });
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/no credentials given[\s\S]*weaviate-auth login/);
    const again = await runCli(['logout', '--url', server.url], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not signed in to .*: there is no login file/);
  });

  test('a login file others may read, or one that was changed, is not used', async ({ server }) => {
    expect((await login(server)).code).toBe(0);
    const file = fileOf(server);
    chmodSync(file, 0o644);
    const open = await runCli(['token', '--url', server.url], { env });
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/may be read by other users \(mode 644\).*chmod 600/);
    chmodSync(file, 0o600);
    const record = JSON.parse(readFileSync(file, 'utf8'));
    record.token = Buffer.from(
      `x${Buffer.from(record.token, 'base64').toString('latin1').slice(1)}`,
      'latin1',
    ).toString('base64');
    writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
    const changed = await runCli(['token', '--url', server.url], { env });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(
      /cannot be used: it was written on another machine or by another user, or it was changed/,
    );
    expect(changed.stderr).toMatch(/weaviate-auth login --url/);
  });

  test('a declined sign-in exits 1 and stores nothing', async ({ server }) => {
    const result = await login(server, (userCode) => server.deviceFlow.deny(userCode));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/The sign-in was declined at .*access_denied/);
    expect(() => statSync(fileOf(server))).toThrow();
  });

  test('an expired code exits 1 saying to start again', async ({ server }) => {
    const result = await login(server, (userCode) => server.deviceFlow.expire(userCode));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /expired before the sign-in was approved[\s\S]*enter the code before it expires/,
    );
    expect(
      JSON.parse((await login(server, (c) => server.deviceFlow.expire(c), ['--json'])).stdout),
    ).toMatchObject({
      ok: false,
      error: { code: 'sign_in_failed' },
    });
  });

  test('Ctrl-D (the terminal closed) or Ctrl-C cancels the sign-in: exit 130, nothing stored, no more polls', async ({
    server,
  }) => {
    for (const key of ['\u0004', '\u0003']) {
      const next = server.deviceFlow.next();
      const pty = runInPty(['login', '--url', server.url], { env });
      const { userCode } = await next;
      await pty.waitFor('Waiting for the sign-in');
      pty.type(key);
      expect(await pty.exited).toBe(130);
      expect(pty.output()).toMatch(/the sign-in was cancelled before it was approved .*nothing was stored/);
      const polls = server.deviceFlow.polls(userCode).length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(server.deviceFlow.polls(userCode).length).toBe(polls);
    }
    expect(() => statSync(fileOf(server))).toThrow();
  });

  test('a provider without the device endpoint: exit 1, naming the flags to use instead', async () => {
    await using cognito = await startWeaviateServer({ profile: 'cognito' });
    const result = await runCli(['login', '--url', cognito.url], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/offers no device sign-in/);
    expect(result.stderr).toMatch(/Instead, use a service client: --client-secret with --client-id/);
  });

  test('takes no credential flags', async ({ server }) => {
    const result = await runCli(['login', '--url', server.url, '--api-key', 'k'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--api-key does not apply to login: you sign in in a browser/);
  });
});

describe('storedLogin() (@auth/cli/login)', () => {
  test('gives createAuth what it needs to use the stored login, and writes refreshed tokens back', async ({
    server,
  }) => {
    expect((await login(server)).code).toBe(0);
    const dir = configDir(env);
    const auth = createAuth({ ...storedLogin({ url: `${server.url}/v1/`, configDir: dir }) });
    const headers = await auth.authorize('/v1/meta');
    expect(await statusWith(server, headers)).toBe(200);
    const before = readLogin(fileOf(server))!.token.refreshToken;
    expect(await auth.handleUnauthorized('/v1/meta', headers)).toBe(true);
    expect(readLogin(fileOf(server))!.token.refreshToken).not.toBe(before);
    await auth.close();
    expect(() => storedLogin({ url: 'http://127.0.0.1:1', configDir: dir })).toThrow(LoginFileError);
    expect(() => storedLogin({ url: 'http://127.0.0.1:1', configDir: dir })).toThrow(
      /no stored login for http:\/\/127\.0\.0\.1:1 .*weaviate-auth login --url http:\/\/127\.0\.0\.1:1/,
    );
  });
});
