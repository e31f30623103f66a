import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { type AuthOptions, createAuth } from '../create-auth.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { AuthClosedError } from '../errors/auth-closed-error.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import type { AuthEvent } from '../events.js';
import { DEFAULT_EXPIRES_IN, MAX_EXPIRES_IN } from '../lifetime.js';

let server: WeaviateServer;
const leaks = embeddedServerForFile({ accessTokenTtl: 2 }, (started) => {
  server = started;
});

function passwordAuth(extra: Partial<AuthOptions> = {}, user = server.users.admin) {
  const events: AuthEvent[] = [];
  const auth = createAuth({
    baseUrl: server.url,
    credentials: leaks.watch(oidcPassword(user)),
    store: leaks.store(),
    onEvent: (event) => {
      leaks.onEvent(event);
      events.push(event);
    },
    ...extra,
  });
  return { auth: leaks.watch(auth), events };
}

function claims(headers: Record<string, string>): Record<string, unknown> {
  const token = headers.Authorization!.replace(/^Bearer /, '');
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('oidcPassword against the embedded server and its OpenID Provider', () => {
  it('discovers once, runs one password grant for 1,000 concurrent callers, and the server accepts the token', async () => {
    const { auth, events } = passwordAuth();
    const all = await Promise.all(Array.from({ length: 1_000 }, () => auth.authorize('/v1/meta')));
    expect(new Set(all.map((headers) => headers.Authorization)).size).toBe(1);
    leaks.headers(all[0]!);
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(server.stats.tokenRequests.password).toBe(1);
    expect(server.stats.discoveryRequests).toBe(1);
    expect((await send(auth, leaks, '/v1/users/own-info')).status).toBe(200);
    expect(events.find((event) => event.type === 'discovery')).toEqual({
      type: 'discovery',
      issuer: server.issuer,
      clientId: server.clientId,
      scopes: ['openid', 'email'],
      tokenEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
    });
    expect(events.find((event) => event.type === 'refresh-succeeded')).toEqual({
      type: 'refresh-succeeded',
      grant: 'password',
      expiresIn: 2,
      hasRefreshToken: true,
    });
    await auth.close();
  });

  it('asks for server scopes + user scopes + offline_access, space-joined, without duplicates, stable across refreshes', async () => {
    const { auth } = passwordAuth({}, { ...server.users.admin, scopes: ['email', 'profile'] } as never);
    const first = leaks.headers(await auth.authorize('/v1/meta'));
    expect(claims(first).scope).toBe('openid email profile offline_access');
    await sleep(2_100);
    const second = leaks.headers(await auth.authorize('/v1/meta'));
    expect(second.Authorization).not.toBe(first.Authorization);
    expect(claims(second).scope).toBe('openid email profile offline_access');
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    await auth.close();
  });

  it('uses the refresh token at expiry and keeps the rotated one (the provider revokes a grant on reuse)', async () => {
    const { auth } = passwordAuth();
    for (let round = 0; round < 2; round++) {
      expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
      await sleep(2_000);
    }
    expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.password).toBe(1);
    expect(server.stats.tokenRequests.refresh_token).toBe(2);
    expect(server.stats.requests[401]).toBe(0);
    await auth.close();
  });

  it('falls back to the password when every token was revoked, and one 401 storm causes one refresh', async () => {
    // 60 s tokens: on a loaded machine 100 requests can outlast a 2 s token, which would (rightly) refresh again.
    const long = await startWeaviateServer({ accessTokenTtl: 60 });
    leaks.secret(long.users.admin.password);
    try {
      const { auth, events } = passwordAuth({ baseUrl: long.url }, long.users.admin);
      expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
      long.faults.revokeAllTokens();
      long.stats.reset();
      const responses = await Promise.all(Array.from({ length: 100 }, () => send(auth, leaks, '/v1/meta')));
      expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
      expect(long.stats.tokenRequests.refresh_token).toBe(1);
      expect(long.stats.tokenRequests.password).toBe(1);
      expect(long.stats.requests[401]).toBe(100);
      expect(events).toContainEqual({ type: 'refresh-started', grant: 'password', reason: 'invalid_grant' });
      await auth.close();
    } finally {
      await long.close();
    }
  });

  it('retries transient provider failures (503) with backoff', async () => {
    const { auth, events } = passwordAuth();
    server.faults.failTokenRequests(2, 503);
    expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.total).toBe(3);
    const failures = events.filter((event) => event.type === 'refresh-failed');
    expect(failures.map((event) => event.willRetry)).toEqual([true, true]);
    expect(failures[0]).toMatchObject({ error: { status: 503, transient: true } });
    await auth.close();
  });

  it("reads the provider's Retry-After on a 429 (honoured before the retry)", async () => {
    const { auth, events } = passwordAuth();
    server.faults.failTokenRequests(1, 429); // with Retry-After: 1
    expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.total).toBe(2);
    const failures = events.filter((event) => event.type === 'refresh-failed');
    expect(failures).toMatchObject([
      { willRetry: true, error: { status: 429, transient: true, retryAfter: 1 } },
    ]);
    await auth.close();
  });

  it('reports a wrong password as a TokenRequestError with the OAuth fields, and does not retry it', async () => {
    const { auth } = passwordAuth(
      {},
      { username: server.users.admin.username, password: 'wrong-password-123' },
    );
    leaks.secret('wrong-password-123');
    const error = await leaks.catching(auth.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({
      code: 'AUTH_TOKEN_REQUEST_FAILED',
      grant: 'password',
      error: 'invalid_grant',
      status: 400,
    });
    expect((error as Error).message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/\S+ \(password grant\) was refused: 400 invalid_grant/,
    );
    expect(server.stats.tokenRequests.total).toBe(1);
    await auth.close();
  });

  it('times out a hanging token request, retries, and lets an impatient caller abort alone', async () => {
    const { auth, events } = passwordAuth({ timeout: 300 });
    server.faults.hangTokenRequests(5_000, 1);
    const impatient = auth.authorize('/v1/meta', { signal: AbortSignal.timeout(100) });
    const patient = auth.authorize('/v1/meta');
    await expect(impatient).rejects.toThrow(/aborted|timed out|timeout/i);
    leaks.headers(await patient);
    expect(server.stats.tokenRequests.total).toBe(2);
    const failed = events.find((event) => event.type === 'refresh-failed');
    expect(failed).toMatchObject({
      willRetry: true,
      error: { name: 'TimeoutError', code: 'AUTH_TIMEOUT', timeout: 300 },
    });
    await auth.close();
  });

  it('close() aborts a hanging token request and rejects its waiters', async () => {
    const { auth } = passwordAuth();
    server.faults.hangTokenRequests(10_000, 1);
    const waiting = leaks.catching(auth.authorize('/v1/meta'));
    const assertion = expect(waiting).rejects.toThrow(AuthClosedError);
    await sleep(200);
    await auth.close();
    await assertion;
  });

  it.each([
    ['non-json', /answered 200 with a body that is not valid JSON \(though labelled application\/json\)/],
    ['html', /answered 200 with an HTML page: a proxy or login page is in the way/],
    ['no-access-token', /no access_token/],
    ['token-type-mac', /token_type other than Bearer|only Bearer/],
  ] as const)(
    'turns a malformed answer (%s) into InvalidTokenResponseError, never "Bearer undefined"',
    async (kind, message) => {
      const { auth } = passwordAuth();
      server.faults.malformedTokenResponses(kind, 1);
      const error = await leaks.catching(auth.authorize('/v1/meta')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidTokenResponseError);
      expect(error).toMatchObject({ status: 200 });
      expect((error as Error).message).toMatch(message);
      expect(leaks.headers(await auth.authorize('/v1/meta')).Authorization).toMatch(
        /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/,
      );
      await auth.close();
    },
  );

  it.each([
    ['expires-in-negative', DEFAULT_EXPIRES_IN],
    ['expires-in-zero', DEFAULT_EXPIRES_IN],
    ['expires-in-huge', MAX_EXPIRES_IN],
    ['expires-in-string', 2],
  ] as const)(
    'accepts a token whose expires_in is odd (%s) with a safe lifetime',
    async (kind, expiresIn) => {
      const { auth, events } = passwordAuth();
      server.faults.malformedTokenResponses(kind, 1);
      expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
      expect(events.find((event) => event.type === 'refresh-succeeded')).toMatchObject({ expiresIn });
      await auth.close();
    },
  );

  it('says OIDC is off when the server answers 404, and tries discovery again next time', async () => {
    const plain = await startWeaviateServer({ oidc: false });
    try {
      const auth = leaks.watch(
        createAuth({
          baseUrl: plain.url,
          credentials: oidcPassword({ username: 'a', password: 'secret-pw-1' }),
        }),
      );
      leaks.secret('secret-pw-1');
      for (let i = 0; i < 2; i++) {
        const error = await leaks.catching(auth.authorize('/v1/meta')).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toMatch(
          /GET http:\/\/127\.0\.0\.1:\d+\/v1\/\.well-known\/openid-configuration answered 404: OIDC is not enabled.*apiKey/,
        );
      }
      expect(plain.stats.discoveryRequests).toBe(2);
      await auth.close();
    } finally {
      await plain.close();
    }
  });

  it('discovers with a baseUrl that ends in /v1 (as an axios baseURL does), and sends the token', async () => {
    const { auth } = passwordAuth({ baseUrl: `${server.url}/v1` });
    expect((await send(auth, leaks, `${server.url}/v1/meta`)).status).toBe(200);
    expect(server.stats.discoveryRequests).toBe(1);
    expect(server.stats.tokenRequests.password).toBe(1);
    await auth.close();
  });

  it('skips Weaviate discovery with the oidc option', async () => {
    const { auth } = passwordAuth({ oidc: { issuer: server.issuer, clientId: server.clientId } });
    expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.discoveryRequests).toBe(0);
    await auth.close();
  });

  it('lets a read-only user read but not write', async () => {
    const { auth } = passwordAuth({}, server.users.readOnly);
    expect((await send(auth, leaks, '/v1/schema')).status).toBe(200);
    expect(
      (await send(auth, leaks, '/v1/objects', { method: 'POST', body: { class: 'Thing' } })).status,
    ).toBe(403);
    await auth.close();
  });

  it('keeps serving the valid token while the provider is down', async () => {
    const slow = await startWeaviateServer({ accessTokenTtl: 4 });
    try {
      const auth = leaks.watch(
        createAuth({
          baseUrl: slow.url,
          credentials: oidcPassword(slow.users.admin),
          onEvent: leaks.onEvent,
        }),
      );
      leaks.secret(slow.users.admin.password);
      const before = leaks.headers(await auth.authorize('/v1/meta'));
      await slow.faults.stopProvider();
      await sleep(2_300); // inside the refresh-ahead window of a 4 s token: 2 s to 3 s
      const during = leaks.headers(await auth.authorize('/v1/meta'));
      expect(during.Authorization).toBe(before.Authorization);
      expect((await fetch(`${slow.url}/v1/meta`, { headers: during })).status).toBe(200);
      await auth.close();
    } finally {
      await slow.close();
    }
  });
});
