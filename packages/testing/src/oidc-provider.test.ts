import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeaviateServer, type WeaviateServer } from './index.js';
import {
  clientCredentialsGrant,
  passwordGrant,
  refreshGrant,
  rest,
  sleep,
  tokenRequest,
} from './test-helpers.js';

function claims(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('OpenID Provider: grants issue tokens the REST side accepts', () => {
  let server: WeaviateServer;

  beforeAll(async () => {
    server = await startWeaviateServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('password grant: a JWT access token for aud=clientId and a refresh token', async () => {
    const res = await passwordGrant(server);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: 'openid offline_access' });
    const accessToken = res.json.access_token as string;
    expect(typeof res.json.refresh_token).toBe('string');
    expect(claims(accessToken)).toMatchObject({ iss: server.issuer, aud: 'weaviate', sub: 'admin' });
    const info = await rest(server, '/v1/users/own-info', accessToken);
    expect(info.status).toBe(200);
    expect(info.json).toEqual({ username: 'admin', roles: null, groups: null });
  });

  it('password grant for the read-only user: reads pass, writes get 403', async () => {
    const res = await passwordGrant(server, server.users.readOnly);
    const token = res.json.access_token as string;
    expect((await rest(server, '/v1/objects', token)).status).toBe(200);
    expect((await rest(server, '/v1/objects', token, { method: 'POST', body: { class: 'A' } })).status).toBe(
      403,
    );
  });

  it('password grant with a wrong password or unknown scope is refused', async () => {
    const wrong = await passwordGrant(server, { username: server.users.admin.username, password: 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toBe('invalid_grant');
    const commas = await passwordGrant(server, server.users.admin, 'openid,offline_access');
    expect(commas.status).toBe(400);
    expect(commas.json.error).toBe('invalid_scope');
    const missing = await tokenRequest(server, { grant_type: 'password', client_id: server.clientId });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe('invalid_request');
  });

  it('client credentials (client_secret_post): a JWT the REST side accepts as the service client', async () => {
    const res = await clientCredentialsGrant(server);
    expect(res.status).toBe(200);
    expect(res.json.refresh_token).toBeUndefined();
    const token = res.json.access_token as string;
    expect(claims(token)).toMatchObject({ aud: 'weaviate', sub: server.clients.service.clientId });
    expect((await rest(server, '/v1/users/own-info', token)).json).toMatchObject({
      username: server.clients.service.clientId,
      roles: null,
    });
    expect(
      (await rest(server, '/v1/objects', token, { method: 'POST', body: { class: 'Svc' } })).status,
    ).toBe(200);
  });

  it('client credentials with a wrong secret is refused with invalid_client', async () => {
    const res = await tokenRequest(server, {
      grant_type: 'client_credentials',
      client_id: server.clients.service.clientId,
      client_secret: 'wrong',
    });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_client');
  });

  it('the public client may not use client_credentials; a confidential client may use password with its secret', async () => {
    const pub = await tokenRequest(server, { grant_type: 'client_credentials', client_id: server.clientId });
    expect(pub.status).toBe(400);
    const svc = await tokenRequest(server, {
      grant_type: 'password',
      client_id: server.clients.service.clientId,
      client_secret: server.clients.service.clientSecret,
      username: server.users.admin.username,
      password: server.users.admin.password,
    });
    expect(svc.status).toBe(200);
    expect(claims(svc.json.access_token as string)).toMatchObject({ aud: 'weaviate', sub: 'admin' });
  });

  it('refresh_token grant rotates the refresh token; the new access token is accepted', async () => {
    const first = await passwordGrant(server);
    const rt1 = first.json.refresh_token as string;
    const second = await refreshGrant(server, rt1);
    expect(second.status).toBe(200);
    const rt2 = second.json.refresh_token as string;
    expect(rt2).toBeTruthy();
    expect(rt2).not.toBe(rt1);
    expect(claims(second.json.access_token as string)).toMatchObject({ aud: 'weaviate', sub: 'admin' });
    expect((await rest(server, '/v1/objects', second.json.access_token as string)).status).toBe(200);
    const third = await refreshGrant(server, rt2);
    expect(third.status).toBe(200);
  });

  it('reusing a consumed refresh token revokes the whole grant (also the rotated token)', async () => {
    const first = await passwordGrant(server);
    const rt1 = first.json.refresh_token as string;
    const second = await refreshGrant(server, rt1);
    const rt2 = second.json.refresh_token as string;
    const reuse = await refreshGrant(server, rt1);
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');
    const afterRevoke = await refreshGrant(server, rt2);
    expect(afterRevoke.status).toBe(400);
    expect(afterRevoke.json.error).toBe('invalid_grant');
  });

  it('issueTokens runs a real password grant and counts it', async () => {
    server.stats.reset();
    const tokens = await server.issueTokens();
    expect(tokens.expiresIn).toBe(60);
    expect(server.stats.tokenRequests).toEqual({
      total: 1,
      password: 1,
      refresh_token: 0,
      client_credentials: 0,
      device_code: 0,
      authorization_code: 0,
    });
    expect((await rest(server, '/v1/users/own-info', tokens.accessToken)).json).toMatchObject({
      username: 'admin',
    });
    const reader = await server.issueTokens('read-only');
    expect((await rest(server, '/v1/users/own-info', reader.accessToken)).json).toMatchObject({
      username: 'reader',
    });
    expect((await refreshGrant(server, tokens.refreshToken)).status).toBe(200);
    await expect(server.issueTokens({ username: 'admin', password: 'wrong' })).rejects.toThrow(
      /invalid_grant/,
    );
    await expect(server.issueTokens('admin', { scope: 'openid' })).rejects.toThrow(/offline_access/);
  });

  it('counts every token request by grant type, success or not', async () => {
    server.stats.reset();
    await passwordGrant(server);
    await passwordGrant(server, { username: 'x', password: 'y' });
    await clientCredentialsGrant(server);
    await refreshGrant(server, 'not-a-refresh-token');
    await tokenRequest(server, { grant_type: 'urn:unknown' });
    expect(server.stats.tokenRequests).toEqual({
      total: 5,
      password: 2,
      refresh_token: 1,
      client_credentials: 1,
      device_code: 0,
      authorization_code: 0,
    });
  });

  it('refuses a JWT signed by another key, for another audience, or from another issuer', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
      .setIssuer(server.issuer)
      .setAudience('weaviate')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(privateKey);
    const res = await rest(server, '/v1/objects', forged);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ code: 401 });
    expect(res.text).not.toContain(forged);

    // Same provider, but a token for another audience: a second server trusts only its own issuer/aud.
    const other = await startWeaviateServer({ clientId: 'other-weaviate' });
    try {
      const { accessToken } = await other.issueTokens();
      expect(claims(accessToken).aud).toBe('other-weaviate');
      expect((await rest(server, '/v1/objects', accessToken)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('answers the CORS preflight of the token endpoint and sets CORS headers on token responses', async () => {
    const origin = 'http://localhost:5173';
    const preflight = await fetch(`${server.issuer}/token`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const res = await tokenRequest(
      server,
      {
        grant_type: 'password',
        client_id: server.clientId,
        username: server.users.admin.username,
        password: server.users.admin.password,
        scope: 'openid offline_access',
      },
      { headers: { origin } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    const discovery = await fetch(`${server.issuer}/.well-known/openid-configuration`, {
      headers: { origin },
    });
    expect(discovery.headers.get('access-control-allow-origin')).toBe(origin);
  });
});

describe('short lifetimes, real time', () => {
  it('an access token with a 1 s lifetime is refused once expired; refresh gives a working one', async () => {
    const server = await startWeaviateServer({ accessTokenTtl: 1 });
    try {
      const issuedAt = Date.now();
      const { accessToken, refreshToken, expiresIn } = await server.issueTokens();
      expect(expiresIn).toBe(1);
      const { exp, iat } = claims(accessToken) as { exp: number; iat: number };
      // exp is rounded up: the token lives at least expires_in seconds, at most one more.
      expect(exp * 1000).toBeGreaterThanOrEqual(issuedAt + 1000);
      expect(exp - iat).toBeLessThanOrEqual(2);
      // Wait until the second after `exp` has begun: no leeway on the REST side.
      await sleep(exp * 1000 - Date.now() + 50);
      const expired = await rest(server, '/v1/objects', accessToken);
      expect(expired.status).toBe(401);
      expect(expired.json).toEqual({
        code: 401,
        message: expect.stringMatching(/^unauthorized: oidc: token is expired/),
      });
      const refreshed = await refreshGrant(server, refreshToken);
      expect(refreshed.status).toBe(200);
      expect((await rest(server, '/v1/objects', refreshed.json.access_token as string)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a refresh token with a 1 s lifetime is refused once expired', async () => {
    const server = await startWeaviateServer({ accessTokenTtl: 1, refreshTokenTtl: 1 });
    try {
      const { refreshToken } = await server.issueTokens();
      await sleep(2100);
      const res = await refreshGrant(server, refreshToken);
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_grant');
    } finally {
      await server.close();
    }
  });
});
