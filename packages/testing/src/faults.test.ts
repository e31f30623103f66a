import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MalformedKind, startWeaviateServer, type WeaviateServer } from './index.js';
import { clientCredentialsGrant, passwordGrant, refreshGrant, rest } from './test-helpers.js';

describe('faults on the token endpoint', () => {
  let server: WeaviateServer;

  beforeAll(async () => {
    server = await startWeaviateServer();
  });
  afterEach(() => {
    server.faults.reset();
    server.stats.reset();
  });
  afterAll(async () => {
    await server.close();
  });

  it('failTokenRequests: the next N token requests answer the status (503 by default), then normal', async () => {
    server.faults.failTokenRequests(2);
    const a = await passwordGrant(server);
    const b = await clientCredentialsGrant(server);
    const c = await passwordGrant(server);
    expect([a.status, b.status, c.status]).toEqual([503, 503, 200]);
    expect(a.json).toMatchObject({ error: 'temporarily_unavailable' });
    expect(server.stats.tokenRequests).toEqual({
      total: 3,
      password: 2,
      refresh_token: 0,
      client_credentials: 1,
      device_code: 0,
      authorization_code: 0,
    });

    server.faults.failTokenRequests(1, 500);
    const d = await passwordGrant(server);
    expect(d.status).toBe(500);
    expect(d.json).toMatchObject({ error: 'server_error' });
    server.faults.failTokenRequests(1, 429);
    const e = await passwordGrant(server);
    expect(e.status).toBe(429);
    expect(e.headers.get('retry-after')).toBe('1');
    expect(e.json).toMatchObject({ error: 'temporarily_unavailable' });
    expect(() => server.faults.failTokenRequests(1, 404)).toThrow(/429 or 500-599/);
  });

  it('hangTokenRequests: the next request waits, then is answered normally', async () => {
    server.faults.hangTokenRequests(10_000);
    // The hang outlasts a 300 ms client timeout by far.
    await expect(
      passwordGrant(server, server.users.admin, 'openid', AbortSignal.timeout(300)),
    ).rejects.toThrow();
    // The count was used up by that request: the next one is answered normally.
    const next = await passwordGrant(server, server.users.admin, 'openid', AbortSignal.timeout(10_000));
    expect(next.status).toBe(200);

    server.faults.hangTokenRequests(200);
    const delayed = await passwordGrant(server);
    expect(delayed.status).toBe(200);
    expect(server.stats.tokenRequests.password).toBe(3);
  });

  it('invalidGrant: the next N token requests answer 400 invalid_grant, even with good credentials', async () => {
    const { refreshToken } = await server.issueTokens();
    server.faults.invalidGrant(2);
    const a = await refreshGrant(server, refreshToken);
    const b = await passwordGrant(server);
    expect([a.status, b.status]).toEqual([400, 400]);
    expect(a.json).toMatchObject({ error: 'invalid_grant' });
    expect(b.json).toMatchObject({ error: 'invalid_grant' });
    // The refresh token was not consumed by the faulted request.
    expect((await refreshGrant(server, refreshToken)).status).toBe(200);
  });

  it('malformedTokenResponses non-json: 200 with a body that is not JSON', async () => {
    server.faults.malformedTokenResponses('non-json');
    const res = await passwordGrant(server);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(() => JSON.parse(res.text)).toThrow();
    expect((await passwordGrant(server)).status).toBe(200);
    expect((await passwordGrant(server)).json.access_token).toEqual(expect.any(String));
  });

  it('malformedTokenResponses html: 200 with an HTML page', async () => {
    server.faults.malformedTokenResponses('html', 2);
    for (let i = 0; i < 2; i += 1) {
      const res = await passwordGrant(server);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text).toMatch(/^<!doctype html>/);
    }
    expect((await passwordGrant(server)).json.access_token).toEqual(expect.any(String));
  });

  it('malformedTokenResponses no-access-token: 200 JSON without access_token', async () => {
    server.faults.malformedTokenResponses('no-access-token');
    const res = await clientCredentialsGrant(server);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer' });
    expect(res.json.access_token).toBeUndefined();
  });

  const rewritten: [MalformedKind, string, unknown][] = [
    ['expires-in-negative', 'expires_in', -60],
    ['expires-in-zero', 'expires_in', 0],
    ['expires-in-huge', 'expires_in', 315_360_000],
    ['expires-in-string', 'expires_in', '60'],
    ['token-type-mac', 'token_type', 'mac'],
  ];
  for (const [kind, field, value] of rewritten) {
    it(`malformedTokenResponses ${kind}: a real token whose ${field} is ${JSON.stringify(value)}`, async () => {
      server.faults.malformedTokenResponses(kind);
      const res = await passwordGrant(server);
      expect(res.status).toBe(200);
      expect(res.json[field]).toEqual(value);
      expect(res.json.refresh_token).toEqual(expect.any(String));
      expect((await rest(server, '/v1/objects', res.json.access_token as string)).status).toBe(200);
      const next = await passwordGrant(server);
      expect(next.json).toMatchObject({ expires_in: 60, token_type: 'Bearer' });
    });
  }

  it('malformedTokenResponses refuses an unknown kind with the list of kinds', () => {
    expect(() => server.faults.malformedTokenResponses('weird' as MalformedKind)).toThrow(/non-json, html/);
  });

  it('revokeAllTokens: every issued access and refresh token is refused; new grants work', async () => {
    const user = await server.issueTokens();
    const service = await clientCredentialsGrant(server);
    const serviceToken = service.json.access_token as string;
    expect((await rest(server, '/v1/objects', user.accessToken)).status).toBe(200);
    expect((await rest(server, '/v1/objects', serviceToken)).status).toBe(200);

    server.faults.revokeAllTokens();

    const refused = await rest(server, '/v1/objects', user.accessToken);
    expect(refused.status).toBe(401);
    expect(refused.json).toEqual({ code: 401, message: 'unauthorized: oidc: token has been revoked' });
    expect((await rest(server, '/v1/objects', serviceToken)).status).toBe(401);
    const refresh = await refreshGrant(server, user.refreshToken);
    expect(refresh.status).toBe(400);
    expect(refresh.json.error).toBe('invalid_grant');

    const fresh = await server.issueTokens();
    expect((await rest(server, '/v1/objects', fresh.accessToken)).status).toBe(200);
    expect((await refreshGrant(server, fresh.refreshToken)).status).toBe(200);
    // API keys are not tokens: they keep working.
    expect((await rest(server, '/v1/objects', server.keys.admin)).status).toBe(200);
  });

  it('reset clears pending faults', async () => {
    server.faults.failTokenRequests(5);
    server.faults.invalidGrant(5);
    server.faults.malformedTokenResponses('html', 5);
    server.faults.hangTokenRequests(10_000, 5);
    server.faults.reset();
    expect((await passwordGrant(server)).status).toBe(200);
  });
});

describe('stopping and starting the provider', () => {
  it('refuses connections while stopped; restarts on the same port with the same keys and grants', async () => {
    const server = await startWeaviateServer();
    try {
      const tokens = await server.issueTokens();
      await server.faults.stopProvider();
      await expect(passwordGrant(server)).rejects.toThrow(/fetch failed/);
      // The REST side keeps verifying issued tokens while the provider is down (keys are cached).
      expect((await rest(server, '/v1/objects', tokens.accessToken)).status).toBe(200);
      // Weaviate's discovery endpoint still answers: it is the REST side.
      expect((await rest(server, '/v1/.well-known/openid-configuration')).status).toBe(200);

      await server.faults.startProvider();
      const refreshed = await refreshGrant(server, tokens.refreshToken);
      expect(refreshed.status).toBe(200);
      expect((await rest(server, '/v1/objects', refreshed.json.access_token as string)).status).toBe(200);
      const doc = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
      expect(doc).toMatchObject({ issuer: server.issuer });
      // Stopping twice and starting twice are harmless.
      await server.faults.stopProvider();
      await server.faults.stopProvider();
      await server.faults.startProvider();
      await server.faults.startProvider();
      expect((await passwordGrant(server)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('faults that need the provider say so when OIDC is off', async () => {
    const server = await startWeaviateServer({ oidc: false });
    try {
      expect(() => server.faults.revokeAllTokens()).toThrow(/OIDC is off/);
      await expect(server.faults.stopProvider()).rejects.toThrow(/OIDC is off/);
    } finally {
      await server.close();
    }
  });
});
