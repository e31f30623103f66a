import { test } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import { closedPort } from './__test__/bin.js';
import { formatDuration, refreshTokenNote } from './commands/check.js';
import { shellQuote } from './commands/headers.js';
import {
  decodeClaims,
  explainForbidden,
  explainUnauthorized,
  networkProblem,
  serverMessage,
} from './diagnose.js';

const password = {
  kind: 'password',
  username: 'u',
  password: 'p',
  source: '--username',
  passwordSource: 'prompt',
} as const;

describe('401 and 403 explanations', () => {
  test('reads the claims of a real access token, and names an audience the server does not expect', async ({
    server,
  }) => {
    const { accessToken } = await server.issueTokens();
    const claims = decodeClaims(accessToken);
    expect(claims).toMatchObject({ iss: server.issuer });
    expect([claims?.aud].flat()).toContain(server.clientId);

    const problem = explainUnauthorized({
      credential: password,
      path: '/v1/schema',
      message: 'unauthorized',
      claims,
      isJwt: true,
      server: { oidc: true, issuer: server.issuer, clientId: 'another-client' },
      now: Date.now(),
    });
    expect(problem.code).toBe('unauthorized');
    expect(problem.summary).toBe(
      'the server refused the credential (GET /v1/schema -> 401: "unauthorized").',
    );
    expect(problem.likely).toHaveLength(1);
    expect(problem.likely[0]).toMatch(
      /audience .* does not contain the client id the server expects \('another-client'\)/,
    );
    expect(JSON.stringify(problem)).not.toContain(accessToken);
  });

  test('names an issuer mismatch and an expired token', async ({ server }) => {
    const { accessToken } = await server.issueTokens();
    const claims = decodeClaims(accessToken);
    const problem = explainUnauthorized({
      credential: password,
      path: '/v1/users/own-info',
      message: undefined,
      claims,
      isJwt: true,
      server: { oidc: true, issuer: 'https://elsewhere.example', clientId: server.clientId },
      now: ((claims?.exp ?? 0) + 10) * 1000,
    });
    expect(problem.likely.join('\n')).toMatch(
      /issuer .* is not the issuer the server trusts \(https:\/\/elsewhere.example\)/,
    );
    expect(problem.likely.join('\n')).toMatch(/already expired/);
    expect(problem.todo.join('\n')).toMatch(/clock/);
  });

  test('a token the server should accept but does not points at the server settings', async ({ server }) => {
    const { accessToken } = await server.issueTokens();
    const problem = explainUnauthorized({
      credential: password,
      path: '/v1/schema',
      message: undefined,
      claims: decodeClaims(accessToken),
      isJwt: true,
      server: { oidc: true, issuer: server.issuer, clientId: server.clientId },
      now: Date.now(),
    });
    expect(problem.todo.join(' ')).toMatch(/AUTHENTICATION_OIDC_USERNAME_CLAIM/);
  });

  test('an opaque token is not a JWT', () => {
    expect(decodeClaims('opaque-token-value')).toBeUndefined();
    const problem = explainUnauthorized({
      credential: password,
      path: '/v1/schema',
      message: undefined,
      claims: undefined,
      isJwt: false,
      server: { oidc: true, issuer: undefined, clientId: undefined },
      now: Date.now(),
    });
    expect(problem.likely[0]).toMatch(/opaque/);
  });

  test('a 403 names the user and the missing read permission', () => {
    const body = { error: [{ message: "forbidden: user 'ro' may not read" }] };
    const problem = explainForbidden('/v1/schema', serverMessage(body), 'ro');
    expect(problem.summary).toBe(
      `authenticated as ro, but not allowed to read (GET /v1/schema -> 403: "forbidden: user 'ro' may not read").`,
    );
    expect(problem.todo[0]).toMatch(/assign a role/);
  });
});

describe('network failures', () => {
  test('a refused connection from fetch is exit 3 and names the address', async () => {
    const port = await closedPort();
    const error = await fetch(`http://127.0.0.1:${port}/v1/meta`).catch((e: unknown) => e);
    const problem = networkProblem(error, 'GET /v1/meta');
    expect(problem).toMatchObject({ code: 'unreachable', exitCode: 3 });
    expect(problem?.message).toBe(
      `cannot reach the server: connection refused (127.0.0.1:${port}) while GET /v1/meta.`,
    );
  });

  test('an abort by timeout is exit 3', async ({ server }) => {
    const error = await fetch(`${server.url}/v1/meta`, { signal: AbortSignal.timeout(0) }).catch(
      (e: unknown) => e,
    );
    expect(networkProblem(error, 'GET /v1/meta')).toMatchObject({ code: 'timeout', exitCode: 3 });
  });

  test('a port fetch refuses ("bad port") is a usage error', async () => {
    const error = await fetch('http://127.0.0.1:1/').catch((e: unknown) => e);
    expect(networkProblem(error, 'GET /')).toMatchObject({ code: 'usage', exitCode: 2 });
  });

  test('anything else is not a network problem', () => {
    expect(networkProblem(new Error('boom'), 'x')).toBeUndefined();
  });
});

describe('the offline_access note', () => {
  test('appears only for a password login without a refresh token', () => {
    expect(refreshTokenNote('password', false, 'weaviate')).toMatch(
      /No refresh token came back.*offline_access.*client 'weaviate'/,
    );
    expect(refreshTokenNote('password', true, 'weaviate')).toBeUndefined();
    expect(refreshTokenNote('client_credentials', false, 'weaviate')).toBeUndefined();
    expect(refreshTokenNote('password', null, null)).toBeUndefined();
  });
});

describe('formatting', () => {
  test('durations', () => {
    expect([3, 119, 300, 7200, 9000].map(formatDuration)).toEqual([
      '3 s',
      '119 s',
      '5 min',
      '2 h',
      '2 h 30 min',
    ]);
  });

  test('shell quoting survives a single quote', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
