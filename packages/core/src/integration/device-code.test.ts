import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LeakCheck, send } from '../__test__/leaks.js';
import { json, scriptedProviderForFile } from '../__test__/scripted-provider.js';
import { createAuth } from '../create-auth.js';
import { type DeviceCodeOptions, type DevicePrompt, deviceCode } from '../credentials/device-code.js';
import { AuthClosedError } from '../errors/auth-closed-error.js';
import { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { SignInError } from '../errors/sign-in-error.js';
import type { AuthEvent } from '../events.js';

let server: WeaviateServer;
const leaks = new LeakCheck();
const scripted = scriptedProviderForFile(leaks);

beforeAll(async () => {
  server = await startWeaviateServer({ deviceInterval: 0.2 });
});
beforeEach(() => {
  server.stats.reset();
  server.faults.reset();
});
afterAll(async () => {
  await server.close();
});

/** A device sign-in against `server`: the prompts it showed, and the auth object. */
function deviceAuth(options: Partial<DeviceCodeOptions> = {}, baseUrl = server.url) {
  const prompts: DevicePrompt[] = [];
  const events: AuthEvent[] = [];
  const auth = leaks.watch(
    createAuth({
      baseUrl,
      credentials: leaks.watch(
        deviceCode({
          onPrompt: (prompt) => {
            leaks.secret(prompt.userCode);
            prompts.push(prompt);
          },
          ...options,
        }),
      ),
      onEvent: (event) => {
        events.push(event);
        leaks.onEvent(event);
      },
    }),
  );
  return { auth, prompts, events };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('deviceCode()', () => {
  it('shows where to sign in, waits for the approval, and its token is the approver', async () => {
    const { auth, prompts } = deviceAuth();
    const next = server.deviceFlow.next();
    const response = send(auth, leaks, '/v1/users/own-info');
    const { userCode } = await next;
    // Approved after a few polls: authorization_pending answers go on polling.
    await pause(700);
    await server.deviceFlow.approve(userCode, 'read-only');
    const answer = await response;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ username: server.users.readOnly.username });
    expect(prompts).toEqual([
      {
        verificationUri: `${server.issuer}/device`,
        verificationUriComplete: expect.stringContaining(`${server.issuer}/device?user_code=`),
        userCode,
        expiresIn: 600,
        reason: 'initial',
      },
    ]);
    expect(server.deviceFlow.polls(userCode).length).toBeGreaterThanOrEqual(3);
    await auth.close();
  });

  it('then behaves like any credential: one sign-in for concurrent callers, refreshes with its refresh token', async () => {
    const { auth, prompts, events } = deviceAuth();
    const next = server.deviceFlow.next();
    const callers = Array.from({ length: 5 }, () => auth.authorize('/v1/meta'));
    await server.deviceFlow.approve((await next).userCode);
    const headers = await Promise.all(callers);
    expect(new Set(headers.map((h) => h.Authorization)).size).toBe(1);
    expect(prompts).toHaveLength(1);
    // A 401 for the token: the refresh-token grant, no second prompt.
    expect(await auth.handleUnauthorized('/v1/meta', headers[0])).toBe(true);
    const renewed = leaks.headers(await auth.authorize('/v1/meta'));
    expect(renewed.Authorization).not.toBe(headers[0]?.Authorization);
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    expect(prompts).toHaveLength(1);
    expect(events.filter((e) => e.type === 'refresh-succeeded').map((e) => 'grant' in e && e.grant)).toEqual([
      'device_code',
      'refresh_token',
    ]);
    await auth.close();
  });

  it('honours slow_down: 5 s more between polls from then on', async () => {
    const { auth } = deviceAuth();
    const next = server.deviceFlow.next();
    server.deviceFlow.slowDown(1);
    const pending = auth.authorize('/v1/meta');
    const { userCode } = await next;
    // The first poll gets slow_down; approve once it arrived, so the second poll gets the token.
    while (server.deviceFlow.polls(userCode).length === 0) await pause(50);
    await server.deviceFlow.approve(userCode);
    await pending;
    const [first, second] = server.deviceFlow.polls(userCode);
    expect(second! - first!).toBeGreaterThanOrEqual(5_200 - 50);
    await auth.close();
  }, 15_000);

  it('a denied sign-in is a SignInError saying so, and the user code echoed by the provider shows nowhere', async () => {
    const { auth, events } = deviceAuth();
    const next = server.deviceFlow.next();
    const pending = leaks.catching(auth.authorize('/v1/meta'));
    const { userCode } = await next;
    await server.deviceFlow.deny(userCode, `the code ${userCode} was declined`);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect(error).toMatchObject({ reason: 'access_denied', grant: 'device_code', error: 'access_denied' });
    expect((error as Error).message).toMatch(
      /declined .*\(access_denied: the code \[redacted\] was declined\)/,
    );
    expect((error as Error).message).not.toContain(userCode);
    expect(events.some((e) => e.type === 'refresh-failed' && e.error === error)).toBe(true);
    await auth.close();
  });

  it('an expired code is a SignInError: the provider said expired_token, or its lifetime passed', async () => {
    const { auth } = deviceAuth();
    const next = server.deviceFlow.next();
    const pending = leaks.catching(auth.authorize('/v1/meta'));
    await server.deviceFlow.expire((await next).userCode);
    await expect(pending).rejects.toMatchObject({
      name: 'SignInError',
      reason: 'expired',
      error: 'expired_token',
      message: expect.stringMatching(/expired before the sign-in was approved.*Start the sign-in again/),
    });
    await auth.close();

    await using short = await startWeaviateServer({ deviceInterval: 0.2, deviceCodeTtl: 1 });
    const local = deviceAuth({}, short.url);
    await expect(leaks.catching(local.auth.authorize('/v1/meta'))).rejects.toMatchObject({
      reason: 'expired',
    });
    await local.auth.close();
  });

  it('stops when the application cancels (a closed terminal) or the auth object closes', async () => {
    const controller = new AbortController();
    const { auth } = deviceAuth({ signal: controller.signal });
    const next = server.deviceFlow.next();
    const pending = leaks.catching(auth.authorize('/v1/meta'));
    const { userCode } = await next;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'SignInError', reason: 'cancelled' });
    const polls = server.deviceFlow.polls(userCode).length;
    await pause(600);
    expect(server.deviceFlow.polls(userCode).length).toBe(polls);
    await auth.close();

    const closing = deviceAuth();
    const second = server.deviceFlow.next();
    const waiting = closing.auth.authorize('/v1/meta');
    await second;
    await closing.auth.close();
    await expect(waiting).rejects.toBeInstanceOf(AuthClosedError);
  });

  it('an onPrompt that throws cancels the sign-in with a SignInError naming it', async () => {
    const { auth } = deviceAuth({
      onPrompt: () => {
        throw new RangeError('no terminal');
      },
    });
    await expect(leaks.catching(auth.authorize('/v1/meta'))).rejects.toMatchObject({
      reason: 'cancelled',
      message: expect.stringContaining('`onPrompt` threw RangeError'),
    });
    await auth.close();
  });

  it('a stored refresh token needs no prompt; once the provider refuses it, onPrompt decides', async () => {
    const first = deviceAuth();
    const next = server.deviceFlow.next();
    const pending = first.auth.authorize('/v1/meta');
    await server.deviceFlow.approve((await next).userCode);
    await pending;
    const tokens = await server.issueTokens();
    leaks.secret(tokens.refreshToken, tokens.accessToken);
    await first.auth.close();

    // A refresh token alone (what `weaviate-auth login` stores), no onPrompt: works, never asks.
    server.stats.reset();
    const stored = deviceAuth({ onPrompt: undefined, refreshToken: tokens.refreshToken });
    expect((await send(stored.auth, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.device_code).toBe(0);
    server.faults.revokeAllTokens();
    await stored.auth.handleUnauthorized('/v1/meta', await stored.auth.authorize('/v1/meta')).catch(() => {});
    const refused = await leaks.catching(stored.auth.authorize('/v1/meta')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ReauthenticationRequiredError);
    expect((refused as Error).message).toMatch(/no `onPrompt` to ask the person again/);
    await stored.auth.close();

    // With onPrompt, a refused refresh token asks again, saying why.
    const again = await server.issueTokens();
    leaks.secret(again.refreshToken, again.accessToken);
    server.faults.invalidGrant(1);
    const prompting = deviceAuth({ refreshToken: again.refreshToken });
    const prompted = server.deviceFlow.next();
    const waiting = prompting.auth.authorize('/v1/meta');
    await server.deviceFlow.approve((await prompted).userCode);
    await waiting;
    expect(prompting.prompts.map((p) => p.reason)).toEqual(['invalid_grant']);
    await prompting.auth.close();
  });

  it('a provider without the device endpoint: SignInError naming the grants to use instead', async () => {
    await using cognito = await startWeaviateServer({ profile: 'cognito' });
    const { auth, prompts } = deviceAuth({}, cognito.url);
    const error = await leaks.catching(auth.authorize('/v1/meta')).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'SignInError',
      reason: 'unsupported',
      alternatives: ['client_credentials', 'authorization_code'],
    });
    expect((error as Error).message).toMatch(
      /offers no device sign-in.*Sign in with a service client \(clientCredentials\(\)\); or a browser sign-in/,
    );
    expect(prompts).toEqual([]);
    await auth.close();
  });

  it('rejects options it cannot use', () => {
    expect(() => deviceCode({})).toThrow(/pass `onPrompt`.*or the `refreshToken`/);
    expect(() => deviceCode({ onPrompt: 'show' as never })).toThrow(/`onPrompt` must be a function/);
    expect(() => deviceCode({ refreshToken: 'has space' })).toThrow(/whitespace/);
    expect(String(deviceCode({ refreshToken: 'rt-secret-value' }))).toBe(
      'DeviceCodeCredentials {"kind":"device_code","prompts":false,"refreshToken":"[redacted]","scopes":[]}',
    );
  });
});

describe('deviceCode() against a provider that echoes what it was sent', () => {
  it('never shows the device code or user code, even when the provider repeats them', async () => {
    const deviceCodeValue = 'device-code-secret-0123456789';
    const userCode = 'WDJB-MJHT';
    leaks.secret(deviceCodeValue, userCode);
    const { issuer, weaviate } = scripted.current.issuer('echo', {
      metadata: { device_authorization_endpoint: `${scripted.current.origin}/p/echo/device` },
      device: json(200, {
        device_code: deviceCodeValue,
        user_code: userCode,
        verification_uri: `${scripted.current.origin}/p/echo/verify`,
        expires_in: 30,
        interval: 0.1,
      }),
      token: (form) =>
        json(400, {
          error: 'invalid_request',
          error_description: `unknown device_code ${form.get('device_code')} for ${userCode}`,
        }),
    });
    const { auth, events } = deviceAuth({}, weaviate);
    const error = await leaks.catching(auth.authorize('/v1/meta')).catch((e: unknown) => e);
    expect(issuer).toContain('/p/echo');
    expect(error).toMatchObject({ name: 'TokenRequestError', error: 'invalid_request' });
    expect((error as Error).message).toContain('unknown device_code [redacted] for [redacted]');
    expect(events.length).toBeGreaterThan(0);
    await auth.close();
  });
});
