import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeaviateServer, type WeaviateServer } from './index.js';
import { rest, tokenRequest } from './test-helpers.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function deviceAuthorization(server: WeaviateServer, scope = 'openid offline_access') {
  const response = await fetch(`${server.issuer}/device/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: server.clientId, scope }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function poll(server: WeaviateServer, deviceCode: string) {
  return tokenRequest(server, {
    grant_type: DEVICE_GRANT,
    client_id: server.clientId,
    device_code: deviceCode,
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the device flow of the embedded provider, driven by the test', () => {
  let server: WeaviateServer;
  beforeAll(async () => {
    server = await startWeaviateServer({ deviceInterval: 0.2 });
  });
  afterAll(() => server.close());

  it('names its interval, answers authorization_pending, then tokens once approved', async () => {
    const next = server.deviceFlow.next();
    const { status, json } = await deviceAuthorization(server);
    expect(status).toBe(200);
    expect(json).toMatchObject({ interval: 0.2, expires_in: 600 });
    const pending = await next;
    expect(pending.userCode).toBe(json.user_code);
    expect(pending.verificationUri).toBe(`${server.issuer}/device`);
    await pause(250);
    const early = await poll(server, String(json.device_code));
    expect(early.json.error).toBe('authorization_pending');
    await server.deviceFlow.approve(pending.userCode, 'read-only');
    await pause(250);
    const done = await poll(server, String(json.device_code));
    expect(done.status).toBe(200);
    expect(typeof done.json.refresh_token).toBe('string');
    const info = await rest(server, '/v1/users/own-info', String(done.json.access_token));
    expect(info.json).toMatchObject({ username: server.users.readOnly.username });
    expect(server.deviceFlow.polls(pending.userCode)).toHaveLength(2);
    expect(server.stats.tokenRequests.device_code).toBeGreaterThanOrEqual(2);
  });

  it('answers slow_down to a poll sooner than the interval, and when a test says so', async () => {
    const next = server.deviceFlow.next();
    const { json } = await deviceAuthorization(server);
    await next;
    const tooSoon = await poll(server, String(json.device_code));
    expect(tooSoon.json.error).toBe('slow_down');
    server.deviceFlow.slowDown();
    await pause(5_300);
    expect((await poll(server, String(json.device_code))).json.error).toBe('slow_down');
  }, 10_000);

  it('answers access_denied to a denied code and expired_token to an expired one', async () => {
    const first = server.deviceFlow.next();
    const denied = await deviceAuthorization(server);
    await server.deviceFlow.deny((await first).userCode);
    await pause(250);
    expect((await poll(server, String(denied.json.device_code))).json.error).toBe('access_denied');

    const second = server.deviceFlow.next();
    const expired = await deviceAuthorization(server);
    const { userCode } = await second;
    await server.deviceFlow.expire(userCode);
    await pause(250);
    expect((await poll(server, String(expired.json.device_code))).json.error).toBe('expired_token');
    await expect(server.deviceFlow.approve(userCode)).rejects.toThrow(/has expired/);
  });
});

describe('the authorization code flow of the embedded provider', () => {
  let server: WeaviateServer;
  beforeAll(async () => {
    server = await startWeaviateServer();
  });
  afterAll(() => server.close());

  function authorizationUrl(redirectUri = 'http://127.0.0.1:4173/callback') {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('base64url');
    const url = new URL(`${server.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: server.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid offline_access',
      state,
      nonce: 'n-1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return { url: url.href, verifier, state, redirectUri };
  }

  it('signs in at its page and sends the browser back with a code that PKCE exchanges once', async () => {
    const { url, verifier, state, redirectUri } = authorizationUrl();
    const back = new URL(await server.signIn(url, { user: 'read-only' }));
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe(state);
    const code = back.searchParams.get('code') ?? '';
    const exchange = () =>
      tokenRequest(server, {
        grant_type: 'authorization_code',
        client_id: server.clientId,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      });
    const tokens = await exchange();
    expect(tokens.status).toBe(200);
    expect(typeof tokens.json.refresh_token).toBe('string');
    expect(typeof tokens.json.id_token).toBe('string');
    const info = await rest(server, '/v1/users/own-info', String(tokens.json.access_token));
    expect(info.json).toMatchObject({ username: server.users.readOnly.username });
    const replayed = await exchange();
    expect(replayed.json.error).toBe('invalid_grant');
    expect(server.stats.tokenRequests.authorization_code).toBe(2);
  });

  it('sends the browser back with access_denied when the user cancels, and rejects a wrong password', async () => {
    const denied = new URL(await server.signIn(authorizationUrl().url, { deny: true }));
    expect(denied.searchParams.get('error')).toBe('access_denied');
    await expect(
      server.signIn(authorizationUrl().url, {
        user: { username: server.users.admin.username, password: 'not-it' },
      }),
    ).rejects.toThrow(/refused the user name or password/);
  });

  it('refuses a redirect URI it does not know', async () => {
    await expect(server.signIn(authorizationUrl('https://evil.example/cb').url)).rejects.toThrow(
      /answered 400/,
    );
  });
});

describe('a profile without the device flow', () => {
  it('names no device_authorization_endpoint and refuses the grant', async () => {
    await using server = await startWeaviateServer({ profile: 'cognito' });
    const discovery = (await (
      await fetch(`${server.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery.device_authorization_endpoint).toBeUndefined();
    const response = await fetch(`${new URL(server.issuer).origin}/device/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: server.clientId }),
    });
    expect(response.status).toBe(404);
  });
});
