import { inspect } from 'node:util';
import {
  type Auth,
  type AuthEvent,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  oidcPassword,
  ReauthenticationRequiredError,
  TokenRequestError,
} from '@auth/core';
import { type GlewlwydServer, startGlewlwyd } from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from './harness.js';

// A second OpenID Provider that nobody on this project wrote: Debian's Glewlwyd (C; .ci/run installs it),
// on a loopback port. Every credential kind it supports goes through every adapter, through Weaviate-style
// discovery, against an API that accepts only JWTs Glewlwyd signed. What it does differently from the
// embedded provider is pinned here and listed in INTEROP.md.

let glewlwyd: GlewlwydServer;
const seen: unknown[] = [];
const WRONG_SECRET = 'wrong-glewlwyd-secret-1';

beforeAll(async () => {
  glewlwyd = await startGlewlwyd();
}, 20_000);

afterAll(async () => {
  const secrets = [glewlwyd.user.password, glewlwyd.client.clientSecret, WRONG_SECRET];
  const leaks = seen.filter((object) => {
    const texts = [
      String(object),
      JSON.stringify(object) ?? '',
      inspect(object, { depth: 8, showHidden: true }),
    ];
    return secrets.some((secret) => texts.some((text) => text.includes(secret)));
  });
  await glewlwyd.close();
  expect(leaks.map(String)).toEqual([]);
});

function authFor(credentials: Credentials, grants: string[] = []): Auth {
  const auth = createAuth({
    baseUrl: glewlwyd.url,
    credentials,
    onEvent: (event: AuthEvent) => {
      seen.push(event);
      if (event.type === 'refresh-succeeded') grants.push(event.grant);
    },
  });
  seen.push(auth, credentials);
  return auth;
}

async function failure(auth: Auth): Promise<unknown> {
  const error = await auth.authorize('/v1/objects').catch((caught: unknown) => caught);
  seen.push(error);
  await auth.close();
  return error;
}

const kinds: [string, () => Promise<Credentials>][] = [
  [
    'password (confidential client)',
    async () => oidcPassword({ ...glewlwyd.user, clientSecret: glewlwyd.client.clientSecret }),
  ],
  [
    'client credentials',
    async () => clientCredentials({ clientSecret: glewlwyd.client.clientSecret, scopes: ['weaviate'] }),
  ],
  [
    'bearer token + refresh token (confidential client)',
    async () => {
      const tokens = await glewlwyd.issueTokens();
      return bearerToken({
        accessToken: tokens.accessToken,
        expiresIn: tokens.expiresIn,
        refreshToken: tokens.refreshToken,
        clientSecret: glewlwyd.client.clientSecret,
      });
    },
  ],
];

describe.concurrent.each(adapters.map((adapter) => [adapter.label, adapter] as const))(
  '%s',
  (_label, adapter) => {
    it.each(kinds)(
      '%s: Glewlwyd issues, the API accepts, two renewals in a row go through Glewlwyd',
      async (kind, make) => {
        const grants: string[] = [];
        const auth = authFor(await make(), grants);
        const client = adapter.create(auth, glewlwyd.url);
        expect(await client.request('/v1/objects')).toBe(200);
        for (let renewal = 0; renewal < 2; renewal++) {
          const headers = await auth.authorize('/v1/objects');
          expect(await auth.handleUnauthorized('/v1/objects', headers)).toBe(true);
          expect(await client.request('/v1/objects')).toBe(200);
        }
        await auth.close();
        const expected: Record<string, string[]> = {
          'password (confidential client)': ['password', 'refresh_token', 'refresh_token'],
          'client credentials': ['client_credentials', 'client_credentials', 'client_credentials'],
          'bearer token + refresh token (confidential client)': ['refresh_token', 'refresh_token'],
        };
        // Each refresh presented the refresh token of the answer before (Glewlwyd's are one-use).
        expect(grants).toEqual(expected[kind]);
      },
    );
  },
);

describe('what Glewlwyd does differently', () => {
  it('refuses the password grant to a public client that names itself: an empty 403', async () => {
    const auth = authFor(oidcPassword({ ...glewlwyd.user, clientId: glewlwyd.publicClientId }));
    const error = await failure(auth);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 403, error: undefined, contentType: undefined, transient: false });
    expect((error as Error).message).toMatch(
      /answered 403 with an empty body\. Check the client id and client secret/,
    );
  });

  it('answers a wrong client secret with an empty 403 (no invalid_client): the message still says what to check', async () => {
    const auth = authFor(clientCredentials({ clientSecret: WRONG_SECRET, scopes: ['weaviate'] }));
    const error = await failure(auth);
    expect(error).toMatchObject({ status: 403, error: undefined, transient: false });
    expect((error as Error).message).toMatch(/Check the client id and client secret/);
  });

  it('answers a spent refresh token with an empty 400: read as invalid_grant, never presented again', async () => {
    const tokens = await glewlwyd.issueTokens();
    // Spend it: one refresh outside core.
    const spent = await fetch(`${glewlwyd.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${glewlwyd.client.clientId}:${glewlwyd.client.clientSecret}`)}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken }),
    });
    expect(spent.status).toBe(200);
    await spent.arrayBuffer();
    const auth = authFor(
      bearerToken({
        accessToken: tokens.accessToken,
        expiresIn: 0,
        refreshToken: tokens.refreshToken,
        clientSecret: glewlwyd.client.clientSecret,
      }),
    );
    const error = await failure(auth);
    expect(error).toBeInstanceOf(ReauthenticationRequiredError);
    expect((error as Error).cause).toMatchObject({ status: 400, error: 'invalid_grant' });
  });

  it('needs a scope for client credentials (an empty 403 without one)', async () => {
    const error = await failure(authFor(clientCredentials({ clientSecret: glewlwyd.client.clientSecret })));
    expect(error).toMatchObject({ status: 403, error: undefined });
  });
});
