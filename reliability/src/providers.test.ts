import { inspect } from 'node:util';
import {
  type Auth,
  type AuthEvent,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  oidcPassword,
  TokenRequestError,
} from '@auth/core';
import {
  type ProviderProfile,
  type ProviderProfileInfo,
  providerProfiles,
  startWeaviateServer,
  type WeaviateServer,
} from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from './harness.js';

// Every provider profile of @auth/testing, through Weaviate's discovery, core and the fetch adapter: each
// credential kind the provider supports gets a token the Weaviate side accepts and renews it through the
// provider's token endpoint; a wrong client secret is `invalid_client` with advice, and no secret shows
// anywhere. INTEROP.md has a row per profile.

const fetchAdapter = adapters.find((adapter) => adapter.name === 'fetch')!;
const WRONG_SECRET = 'wrong-client-secret-123';
const WRONG_PASSWORD = 'wrong-password-123';

interface Setup {
  readonly server: WeaviateServer;
  readonly info: ProviderProfileInfo;
  /** Every object a test saw: errors, events, auth objects. Checked for secrets after the file. */
  readonly seen: unknown[];
}

const setups = new Map<ProviderProfile, Setup>();
const profiles = (Object.keys(providerProfiles) as ProviderProfile[]).filter(
  (name) => name !== 'oidc-provider',
);

beforeAll(async () => {
  await Promise.all(
    profiles.map(async (name) => {
      const server = await startWeaviateServer({ profile: name, accessTokenTtl: 30 });
      setups.set(name, { server, info: providerProfiles[name], seen: [] });
    }),
  );
});

afterAll(async () => {
  const secrets = [WRONG_SECRET, WRONG_PASSWORD];
  for (const { server } of setups.values()) {
    secrets.push(server.users.admin.password, server.clients.service.clientSecret);
  }
  const found: string[] = [];
  for (const [name, { seen }] of setups) {
    for (const object of seen) {
      const texts = [
        String(object),
        JSON.stringify(object) ?? '',
        inspect(object, { depth: 8, showHidden: true }),
      ];
      for (const secret of secrets)
        if (texts.some((text) => text.includes(secret))) found.push(`${name}: ${String(object)}`);
    }
  }
  await Promise.all([...setups.values()].map(({ server }) => server.close()));
  expect(found).toEqual([]);
});

function setup(name: ProviderProfile): Setup {
  const found = setups.get(name);
  if (!found) throw new Error(`no server for ${name}`);
  return found;
}

/** The grants of the token requests that succeeded, per auth object. */
const succeeded = new WeakMap<Auth, string[]>();

function authFor(s: Setup, credentials: Credentials): Auth {
  const grants: string[] = [];
  const auth = createAuth({
    baseUrl: s.server.url,
    credentials,
    onEvent: (event: AuthEvent) => {
      s.seen.push(event);
      if (event.type === 'refresh-succeeded') grants.push(event.grant);
    },
  });
  succeeded.set(auth, grants);
  s.seen.push(auth, credentials);
  return auth;
}

/**
 * Two requests through the fetch adapter, with a renewal in between (the grant, then the refresh or the grant
 * again); resolves with the grants of the token requests that succeeded.
 */
async function twoRequests(s: Setup, auth: Auth): Promise<string[]> {
  const client = fetchAdapter.create(auth, s.server.url);
  expect(await client.request('/v1/objects')).toBe(200);
  const headers = await auth.authorize('/v1/objects');
  expect(await auth.handleUnauthorized('/v1/objects', headers)).toBe(true);
  expect(await client.request('/v1/objects')).toBe(200);
  await auth.close();
  return succeeded.get(auth) ?? [];
}

async function failure(s: Setup, auth: Auth): Promise<unknown> {
  const error = await auth.authorize('/v1/objects').catch((caught: unknown) => caught);
  s.seen.push(error);
  await auth.close();
  return error;
}

const kinds = (name: ProviderProfile) => {
  const info = providerProfiles[name];
  return [
    ...(info.password ? ['password (public client)', 'password (confidential client)'] : []),
    ...(info.clientCredentials ? ['client credentials'] : []),
    ...(name === 'html-gateway' ? [] : ['bearer token + refresh token']),
  ];
};

function credentialsOf(s: Setup, kind: string, secret?: string): Credentials {
  const { server, info } = s;
  const service = server.clients.service;
  const extraParams = info.extraParams;
  switch (kind) {
    case 'password (public client)':
      return oidcPassword({ ...server.users.admin, extraParams });
    case 'password (confidential client)':
      return oidcPassword({
        ...server.users.admin,
        clientId: service.clientId,
        clientSecret: secret ?? service.clientSecret,
        tokenEndpointAuthMethod: info.clientAuthMethod,
        extraParams,
      });
    case 'client credentials':
      return clientCredentials({
        clientId: service.clientId,
        clientSecret: secret ?? service.clientSecret,
        scopes: [...info.clientCredentialsScopes],
        tokenEndpointAuthMethod: info.clientAuthMethod,
        extraParams,
      });
    default:
      throw new Error(`no credential ${kind}`);
  }
}

describe.concurrent.each(profiles)('profile %s', (name) => {
  it.each(kinds(name))(
    '%s: a token the server accepts, then a renewal through the provider',
    async (kind) => {
      const s = setup(name);
      if (kind === 'bearer token + refresh token') {
        const tokens = await s.server.issueTokens();
        const auth = authFor(
          s,
          bearerToken({ accessToken: tokens.accessToken, expiresIn: 0, refreshToken: tokens.refreshToken }),
        );
        expect(await twoRequests(s, auth)).toEqual(['refresh_token', 'refresh_token']);
        return;
      }
      const grants = await twoRequests(s, authFor(s, credentialsOf(s, kind)));
      expect(grants).toEqual(
        kind === 'client credentials'
          ? ['client_credentials', 'client_credentials']
          : ['password', 'refresh_token'],
      );
    },
  );

  it('a wrong client secret: invalid_client, and a message that says to check the client id and secret', async () => {
    const s = setup(name);
    // Google has no client-credentials grant: a refresh as a confidential client sends the secret there.
    const kind = s.info.clientCredentials || name === 'html-gateway' ? 'client credentials' : 'bearer';
    const tokens = kind === 'bearer' ? await s.server.issueTokens() : undefined;
    const credentials = tokens
      ? bearerToken({
          accessToken: tokens.accessToken,
          expiresIn: 0,
          refreshToken: tokens.refreshToken,
          clientId: s.server.clients.service.clientId,
          clientSecret: WRONG_SECRET,
        })
      : credentialsOf(s, kind, WRONG_SECRET);
    const error = await failure(s, authFor(s, credentials));
    expect(error).toBeInstanceOf(TokenRequestError);
    if (name === 'html-gateway') {
      // The gateway answers before the provider sees the secret: what the user can tell is where it came from.
      expect(error).toMatchObject({ status: 403, contentType: 'text/html', error: undefined });
      expect((error as Error).message).toMatch(
        /answered 403 with an HTML page: a proxy or login page is in the way/,
      );
      return;
    }
    expect(error).toMatchObject({ error: 'invalid_client', transient: false });
    expect((error as Error).message).toMatch(/Check the client id and client secret/);
  });

  // Profiles with a password grant (the gateway answers every grant with its HTML page, tested above).
  if (providerProfiles[name].password && name !== 'html-gateway') {
    it('a wrong password: invalid_grant with the provider’s status, not retried, and a message that says to check the username and password', async () => {
      const s = setup(name);
      const before = s.server.stats.tokenRequests.password;
      const wrong = { username: s.server.users.admin.username, password: WRONG_PASSWORD };
      const error = await failure(s, authFor(s, oidcPassword({ ...wrong, extraParams: s.info.extraParams })));
      expect(error).toBeInstanceOf(TokenRequestError);
      // The status each provider answers it with (its docs): Keycloak 401, Auth0 403, the others 400.
      const status = name === 'keycloak' ? 401 : name === 'auth0' ? 403 : 400;
      expect(error).toMatchObject({ status, error: 'invalid_grant', transient: false });
      expect((error as Error).message).toMatch(/Check the username and password/);
      expect(s.server.stats.tokenRequests.password - before).toBe(1);
    });
  }
});

describe.concurrent('what the profiles need from core', () => {
  it('Okta and Auth0: without `audience` the token is opaque and the server refuses it; with it, a JWT', async () => {
    for (const name of ['okta', 'auth0'] as const) {
      const s = setup(name);
      const auth = authFor(s, oidcPassword({ ...s.server.users.admin }));
      const client = fetchAdapter.create(auth, s.server.url);
      expect(await client.request('/v1/objects')).toBe(401);
      await auth.close();
    }
  });

  it('Entra ID v1 refuses a grant without `resource` (AADSTS900144)', async () => {
    const s = setup('entra-v1');
    const error = await failure(s, authFor(s, oidcPassword({ ...s.server.users.admin })));
    expect(error).toMatchObject({
      status: 400,
      error: 'invalid_request',
      error_uri: 'https://login.microsoftonline.com/error?code=900144',
    });
    expect((error as Error).message).toMatch(
      /AADSTS900144: The request body must contain the following parameter: 'resource'/,
    );
  });

  it('Entra ID v2 refuses client credentials without a `.default` scope (AADSTS1002012)', async () => {
    const s = setup('entra-v2');
    const service = s.server.clients.service;
    const error = await failure(
      s,
      authFor(s, clientCredentials({ clientId: service.clientId, clientSecret: service.clientSecret })),
    );
    expect(error).toMatchObject({ status: 400, error: 'invalid_scope' });
    expect((error as Error).message).toMatch(/AADSTS1002012/);
  });

  it('Okta: a client that accepts only client_secret_basic refuses the default client_secret_post (invalid_client)', async () => {
    const s = setup('okta');
    const service = s.server.clients.service;
    const error = await failure(
      s,
      authFor(
        s,
        clientCredentials({
          clientId: service.clientId,
          clientSecret: service.clientSecret,
          extraParams: s.info.extraParams,
        }),
      ),
    );
    expect(error).toMatchObject({ error: 'invalid_client' });
    expect((error as Error).message).toMatch(/tokenEndpointAuthMethod/);
  });

  it('Keycloak: "Session not active" on refresh falls back to the password, once', async () => {
    const s = setup('keycloak');
    const auth = authFor(s, oidcPassword({ ...s.server.users.admin }));
    const client = fetchAdapter.create(auth, s.server.url);
    expect(await client.request('/v1/objects')).toBe(200);
    s.server.faults.revokeAllTokens();
    expect(await client.request('/v1/objects')).toBe(200);
    await auth.close();
    expect(succeeded.get(auth)).toEqual(['password', 'password']);
    const refused = s.seen.find(
      (event) =>
        (event as AuthEvent).type === 'refresh-failed' &&
        (event as { grant?: string }).grant === 'refresh_token',
    );
    expect(refused).toMatchObject({
      error: { error: 'invalid_grant', error_description: 'Session not active' },
    });
  });

  it('Google and Cognito: refresh answers bring no new refresh token; the one held keeps working', async () => {
    for (const name of ['google', 'cognito'] as const) {
      const s = setup(name);
      const tokens = await s.server.issueTokens();
      const auth = authFor(
        s,
        bearerToken({ accessToken: tokens.accessToken, expiresIn: 0, refreshToken: tokens.refreshToken }),
      );
      await twoRequests(s, auth);
    }
  });
});
