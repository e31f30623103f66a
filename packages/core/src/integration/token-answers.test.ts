import { describe, expect, it } from 'vitest';
import { LeakCheck } from '../__test__/leaks.js';
import { type Answer, json, scriptedProviderForFile } from '../__test__/scripted-provider.js';
import { type Auth, createAuth } from '../create-auth.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { AuthClosedError } from '../errors/auth-closed-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import type { AuthEvent } from '../events.js';

// Every way a token endpoint (or what stands in front of it) answers, by status x content type x headers:
// the error keeps the status, the body's media type and the OAuth fields wherever they were (JSON body or
// WWW-Authenticate), and a rate limit or an outage is retried whatever the body says.

const PASSWORD = 'answers-password-1';
const leaks = new LeakCheck();
leaks.secret(PASSWORD);
const scripted = scriptedProviderForFile(leaks);

const html = (status: number, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
  body: '<!doctype html><html><body><h1>Access denied</h1><form action="/login"></form></body></html>',
});
const text = (status: number, body: string, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': 'text/plain', ...headers },
  body,
});

function auth(issuer: string, events: AuthEvent[] = []): Auth {
  return leaks.watch(
    createAuth({
      baseUrl: scripted.current.origin,
      credentials: oidcPassword({ username: 'alice', password: PASSWORD }),
      oidc: { issuer, clientId: 'weaviate' },
      onEvent: (event) => {
        leaks.onEvent(event);
        events.push(event);
      },
    }),
  );
}

/** The first failure of `issuer`'s token request, as the caller or (for a retried one) the event shows it. */
async function firstFailure(issuer: string): Promise<{ error: unknown; willRetry: boolean }> {
  const events: AuthEvent[] = [];
  const client = auth(issuer, events);
  const outcome = leaks.catching(client.authorize('/v1/meta')).then(
    () => undefined,
    (error: unknown) => error,
  );
  for (;;) {
    const failed = events.find((event) => event.type === 'refresh-failed');
    if (failed?.type === 'refresh-failed') {
      if (failed.willRetry) await client.close();
      const final = await outcome;
      if (failed.willRetry) expect(final).toBeInstanceOf(AuthClosedError);
      else expect(final).toBe(failed.error);
      await client.close();
      return { error: failed.error, willRetry: failed.willRetry };
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const inTwoSeconds = () => new Date(Date.now() + 2_000).toUTCString();

interface Row {
  readonly name: string;
  readonly answer: () => Answer;
  readonly expected: Record<string, unknown>;
  readonly message: RegExp;
  readonly type?: typeof TokenRequestError;
}

const rows: Row[] = [
  {
    name: '403 text/html (a gateway page)',
    answer: () => html(403),
    expected: { status: 403, contentType: 'text/html', transient: false, error: undefined },
    message: /answered 403 with an HTML page: a proxy or login page is in the way\. Check the client id/,
  },
  {
    name: '404 text/plain (a wrong path)',
    answer: () => text(404, 'Not Found'),
    expected: { status: 404, contentType: 'text/plain', transient: false },
    message: /answered 404 with a body of type text\/plain, not JSON\. Check the token endpoint URL/,
  },
  {
    name: '418 application/problem+json',
    answer: () => ({
      status: 418,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({ type: 'about:blank', title: "I'm a teapot" }),
    }),
    expected: { status: 418, contentType: 'application/problem+json', transient: false, error: undefined },
    message: /answered 418 with JSON without an OAuth error/,
  },
  {
    name: '429 text/plain with Retry-After in seconds',
    answer: () => text(429, 'slow down', { 'retry-after': '1' }),
    expected: { status: 429, contentType: 'text/plain', transient: true, retryAfter: 1 },
    message: /answered 429 .*the request is retried/,
  },
  {
    name: '429 application/json slow_down with Retry-After',
    answer: () => json(429, { error: 'slow_down' }, { 'retry-after': '1' }),
    expected: { status: 429, error: 'slow_down', transient: true, retryAfter: 1 },
    message: /was refused: 429 slow_down\. The provider has a problem; the request is retried\./,
  },
  {
    name: '503 text/html with Retry-After as an HTTP date',
    answer: () => html(503, { 'retry-after': inTwoSeconds() }),
    expected: { status: 503, contentType: 'text/html', transient: true },
    message:
      /answered 503 with an HTML page: a proxy or login page is in the way\. The provider has a problem/,
  },
  {
    name: '500 with an empty body',
    answer: () => ({ status: 500 }),
    expected: { status: 500, transient: true, contentType: undefined },
    message: /answered 500 with an empty body/,
  },
  {
    name: '401 invalid_client in JSON, with WWW-Authenticate: Basic (RFC 6749 §5.2)',
    answer: () =>
      json(
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
        { 'www-authenticate': 'Basic realm="token"' },
      ),
    expected: {
      status: 401,
      error: 'invalid_client',
      error_description: 'Client authentication failed',
      transient: false,
    },
    message:
      /was refused: 401 invalid_client \(Client authentication failed\)\. Check the client id and client secret \(if both are right, `tokenEndpointAuthMethod`/,
  },
  {
    name: '401 without a body, the OAuth error in WWW-Authenticate only',
    answer: () => ({
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="example", error="invalid_client", error_description="The client \\"x\\" is unknown", error_uri="https://provider.example/errors/invalid_client"',
      },
    }),
    expected: {
      status: 401,
      error: 'invalid_client',
      error_description: 'The client "x" is unknown',
      error_uri: 'https://provider.example/errors/invalid_client',
    },
    message:
      /was refused: 401 invalid_client \(The client "x" is unknown\)\. Check the client id and client secret \(if both are right, `tokenEndpointAuthMethod`/,
  },
  {
    name: "401 unauthorized_client (Keycloak's wrong client secret) is reported as invalid_client",
    answer: () =>
      json(401, {
        error: 'unauthorized_client',
        error_description: 'Invalid client or Invalid client credentials',
      }),
    expected: {
      status: 401,
      error: 'invalid_client',
      error_description: 'Invalid client or Invalid client credentials',
    },
    message:
      /was refused: 401 unauthorized_client \(Invalid client or Invalid client credentials\): the client authentication failed \(invalid_client\)\. Check the client id and client secret/,
  },
  {
    name: "401 access_denied (Auth0's wrong client secret) is reported as invalid_client",
    answer: () => json(401, { error: 'access_denied', error_description: 'Unauthorized' }),
    expected: { status: 401, error: 'invalid_client' },
    message:
      /was refused: 401 access_denied \(Unauthorized\): the client authentication failed \(invalid_client\)\. Check the client id/,
  },
  {
    name: '401 text/html with WWW-Authenticate: Basic and no OAuth error (a gateway asking for a login)',
    answer: () => html(401, { 'www-authenticate': 'Basic realm="corp-gateway"' }),
    expected: { status: 401, contentType: 'text/html', error: undefined },
    message: /answered 401 with an HTML page: a proxy or login page is in the way/,
  },
  {
    name: '400 invalid_request with error_uri',
    answer: () =>
      json(400, {
        error: 'invalid_request',
        error_uri: 'https://provider.example/docs/token#errors',
      }),
    expected: {
      status: 400,
      error: 'invalid_request',
      error_uri: 'https://provider.example/docs/token#errors',
      contentType: 'application/json',
    },
    message: /was refused: 400 invalid_request\. /,
  },
  {
    name: '200 text/html (a login page in the way)',
    answer: () => html(200),
    expected: { status: 200, contentType: 'text/html' },
    message:
      /answered 200 with an HTML page: a proxy or login page is in the way\. Check that the URL is the provider's token endpoint\./,
    type: InvalidTokenResponseError,
  },
  {
    name: '200 application/json carrying an OAuth error and no token',
    answer: () => json(200, { error: 'invalid_grant', error_description: 'user locked' }),
    expected: { status: 200, error: 'invalid_grant', error_description: 'user locked' },
    message: /was refused: 200 invalid_grant \(user locked\)/,
  },
  {
    name: '307 redirect (never followed)',
    answer: () => ({ status: 307, headers: { location: 'http://provider.invalid/token?x=1' } }),
    expected: { status: 307, transient: false },
    message:
      /answered 307, a redirect to http:\/\/provider\.invalid\/token\. Token and discovery requests do not follow redirects/,
  },
];

describe.concurrent('token endpoint answers, status x content type x headers', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const name = row.name.replace(/\W+/g, '-');
      const { issuer, seen } = scripted.current.issuer(name, { token: [row.answer()] });
      const { error, willRetry } = await firstFailure(issuer);
      expect(error).toBeInstanceOf(row.type ?? TokenRequestError);
      expect(error).toMatchObject({ grant: 'password', ...row.expected });
      expect((error as Error).message).toMatch(row.message);
      expect(willRetry).toBe(row.expected.transient === true);
      if (!row.expected.transient) expect(seen.token).toHaveLength(1);
    });
  }

  it('reads an HTTP-date Retry-After as the seconds left until then', async () => {
    const { issuer } = scripted.current.issuer('retry-date', {
      token: [text(503, 'maintenance', { 'retry-after': inTwoSeconds() })],
    });
    const { error } = await firstFailure(issuer);
    const seconds = (error as TokenRequestError).retryAfter;
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(2);
  });

  it('retries a text/plain 429 (no sooner than its Retry-After) and then gets the token', async () => {
    const { issuer, seen } = scripted.current.issuer('retried-429', {
      token: [text(429, 'Too Many Requests', { 'retry-after': '1' })],
    });
    const client = auth(issuer);
    const started = Date.now();
    expect(leaks.headers(await client.authorize('/v1/meta'))).toEqual({
      Authorization: 'Bearer token-retried-429-2',
    });
    // The backoff alone would have retried after 125-250 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(seen.token).toHaveLength(2);
    await client.close();
  });

  for (const { name, refusal } of [
    {
      name: 'invalid_grant with a WWW-Authenticate header',
      refusal: json(
        400,
        { error: 'invalid_grant', error_description: 'Session not active' },
        { 'www-authenticate': 'Bearer error="invalid_grant"' },
      ),
    },
    { name: 'an empty 400 (Glewlwyd, a spent refresh token)', refusal: { status: 400 } as Answer },
  ]) {
    it(`falls back to the password when a refresh is refused: ${name}`, async () => {
      const issuerName = `refused-refresh-${name.length}`;
      const { issuer, seen } = scripted.current.issuer(issuerName, {
        token: [
          json(200, { access_token: 'first', token_type: 'Bearer', expires_in: 1, refresh_token: 'rt-1' }),
          refusal,
        ],
      });
      const events: AuthEvent[] = [];
      const client = auth(issuer, events);
      leaks.secret('rt-1');
      expect(leaks.headers(await client.authorize('/v1/meta'))).toEqual({ Authorization: 'Bearer first' });
      // Refused: the refresh token was presented once, then the password grant ran again.
      expect(await client.handleUnauthorized('/v1/meta', { authorization: 'Bearer first' })).toBe(true);
      expect(leaks.headers(await client.authorize('/v1/meta'))).toEqual({
        Authorization: `Bearer token-${issuerName}-3`,
      });
      expect(seen.token.map((request) => request.form.get('grant_type'))).toEqual([
        'password',
        'refresh_token',
        'password',
      ]);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'refresh-started', grant: 'password', reason: 'invalid_grant' }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'refresh-failed',
          error: expect.objectContaining({ status: 400, error: 'invalid_grant' }),
        }),
      );
      await client.close();
    });
  }
});

describe.concurrent("the provider's discovery answers", () => {
  for (const row of [
    {
      name: '403 text/html',
      answer: html(403),
      expected: { status: 403, contentType: 'text/html', transient: false },
      message:
        /^GET \S+ answered 403 with an HTML page: a proxy or login page is in the way\. Check the issuer URL\.$/,
    },
    {
      name: '200 text/html',
      answer: html(200),
      expected: { status: 200, contentType: 'text/html', transient: false },
      message: /answered 200 with an HTML page: a proxy or login page is in the way/,
    },
    {
      name: '503 text/plain with Retry-After',
      answer: text(503, 'down', { 'retry-after': '3' }),
      expected: { status: 503, transient: true, retryAfter: 3 },
      message:
        /answered 503 with a body of type text\/plain, not JSON\. The provider has a problem; the request is retried\./,
    },
    {
      name: '302 to plain http (never followed)',
      answer: { status: 302, headers: { location: 'http://login.invalid/.well-known/openid-configuration' } },
      expected: { status: 302, transient: false },
      message:
        /answered 302, a redirect to http:\/\/login\.invalid\/\.well-known\/openid-configuration\. Token and discovery requests do not follow redirects/,
    },
  ]) {
    it(row.name, async () => {
      const { issuer, seen } = scripted.current.issuer(`discovery-${row.name.replace(/\W+/g, '-')}`, {
        discovery: row.answer,
      });
      const { error } = await firstFailure(issuer);
      expect(error).toBeInstanceOf(DiscoveryError);
      expect(error).toMatchObject(row.expected);
      expect((error as Error).message).toMatch(row.message);
      expect(seen.token).toHaveLength(0);
    });
  }

  it('accepts the issuer with or without one trailing slash, nothing looser', async () => {
    // Authentik: the document names its issuer with a trailing slash; the caller may write it either way.
    for (const written of ['', '/']) {
      const slashed = scripted.current.issuer(`slashed${written ? '-s' : ''}`);
      scripted.current.issuer(`slashed${written ? '-s' : ''}`, { issuer: `${slashed.issuer}/` });
      const client = auth(`${slashed.issuer}${written}`);
      expect(leaks.headers(await client.authorize('/v1/meta')).Authorization).toMatch(
        /^Bearer token-slashed/,
      );
      await client.close();
    }
    const other = scripted.current.issuer('looser', { issuer: `${scripted.current.origin}/p/looser/x` });
    const { error } = await firstFailure(other.issuer);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toMatch(
      /describes the issuer "http:\/\/127\.0\.0\.1:\d+\/p\/looser\/x", not "http:\/\/127\.0\.0\.1:\d+\/p\/looser"/,
    );
  });
});
