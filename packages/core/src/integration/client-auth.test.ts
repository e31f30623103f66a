import { describe, expect, it } from 'vitest';
import { LeakCheck } from '../__test__/leaks.js';
import { json, scriptedProviderForFile } from '../__test__/scripted-provider.js';
import { type Auth, createAuth } from '../create-auth.js';
import { bearerToken } from '../credentials/bearer-token.js';
import { clientCredentials } from '../credentials/client-credentials.js';
import type { Credentials } from '../credentials/credentials.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { ConfigurationError } from '../errors/configuration-error.js';

// What real providers need from a token request: the client authentication their discovery document lists
// (Cognito: client_secret_basic only), extra parameters (Auth0's `audience`, Entra ID v1's `resource`), and
// the password grant of a confidential client (Keycloak, Okta, Auth0 apps with a secret).

const SECRET = 'client-secret:with+odd/chars';
const PASSWORD = 'client-auth-password-1';
const leaks = new LeakCheck();
leaks.secret(SECRET, PASSWORD);
const scripted = scriptedProviderForFile(leaks);

function auth(issuer: string, credentials: Credentials): Auth {
  return leaks.watch(
    createAuth({
      baseUrl: scripted.current.origin,
      credentials,
      oidc: { issuer, clientId: 'weaviate' },
      onEvent: leaks.onEvent,
    }),
  );
}

/** Client id and secret from an `Authorization: Basic` header, decoded as RFC 6749 §2.3.1 says. */
function basic(header: string | undefined): [string, string] | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const [id = '', secret = ''] = Buffer.from(header.slice(6), 'base64').toString().split(':');
  const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return [decode(id), decode(secret)];
}

describe.concurrent('client authentication chosen from discovery', () => {
  const cases: {
    listed?: readonly string[];
    override?: 'client_secret_basic' | 'client_secret_post';
    sent: string;
  }[] = [
    { listed: ['client_secret_basic'], sent: 'client_secret_basic' },
    { listed: ['client_secret_basic', 'client_secret_post'], sent: 'client_secret_post' },
    { sent: 'client_secret_basic' },
    { listed: ['client_secret_basic'], override: 'client_secret_post', sent: 'client_secret_post' },
    { listed: ['client_secret_post'], override: 'client_secret_basic', sent: 'client_secret_basic' },
  ];
  for (const { listed, override, sent } of cases) {
    it(`listed ${listed?.join(' and ') ?? 'nothing'}, ${override ? `override ${override}` : 'no override'}: sends ${sent}`, async () => {
      const name = `methods-${listed?.join('-') ?? 'none'}-${override ?? 'auto'}`;
      const { issuer, seen } = scripted.current.issuer(name, {
        metadata: listed ? { token_endpoint_auth_methods_supported: listed } : {},
      });
      const client = auth(
        issuer,
        clientCredentials({ clientId: 'etl', clientSecret: SECRET, tokenEndpointAuthMethod: override }),
      );
      leaks.headers(await client.authorize('/v1/meta'));
      await client.close();
      const [request] = seen.token;
      if (sent === 'client_secret_basic') {
        expect(basic(request?.headers.authorization)).toEqual(['etl', SECRET]);
        expect(request?.form.has('client_secret')).toBe(false);
      } else {
        expect(request?.headers.authorization).toBeUndefined();
        expect(request?.form.get('client_id')).toBe('etl');
        expect(request?.form.get('client_secret')).toBe(SECRET);
      }
      expect(request?.form.get('grant_type')).toBe('client_credentials');
    });
  }

  it('refuses clearly when the provider lists no client secret method', async () => {
    const { issuer, seen } = scripted.current.issuer('methods-jwt-only', {
      metadata: { token_endpoint_auth_methods_supported: ['private_key_jwt', 'tls_client_auth'] },
    });
    const client = auth(issuer, clientCredentials({ clientSecret: SECRET }));
    const error = await leaks.catching(client.authorize('/v1/meta')).catch((caught: unknown) => caught);
    await client.close();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `The provider of ${issuer}/token lists token_endpoint_auth_methods_supported ["private_key_jwt","tls_client_auth"]: none is a client secret method (client_secret_basic, client_secret_post). Pass \`tokenEndpointAuthMethod\` to the credential to use one anyway, or get tokens another way (tokenSource()).`,
    );
    expect(seen.token).toHaveLength(0);
  });
});

describe.concurrent('extra parameters and confidential clients', () => {
  it('sends extraParams with every grant of the credential (password, refresh), a confidential password grant with its secret', async () => {
    const { issuer, seen } = scripted.current.issuer('confidential-password', {
      metadata: { token_endpoint_auth_methods_supported: ['client_secret_basic'] },
      token: [
        json(200, {
          access_token: 'a1',
          token_type: 'Bearer',
          expires_in: 60,
          refresh_token: 'confidential-rt-1',
        }),
      ],
    });
    leaks.secret('confidential-rt-1');
    const client = auth(
      issuer,
      oidcPassword({
        username: 'alice',
        password: PASSWORD,
        clientId: 'app',
        clientSecret: SECRET,
        extraParams: { audience: 'https://weaviate.example', resource: ['urn:a', 'urn:b'] },
      }),
    );
    expect(leaks.headers(await client.authorize('/v1/meta'))).toEqual({ Authorization: 'Bearer a1' });
    expect(await client.handleUnauthorized('/v1/meta', { Authorization: 'Bearer a1' })).toBe(true);
    await client.close();
    const [password, refresh] = seen.token;
    expect(password?.form.get('grant_type')).toBe('password');
    expect(password?.form.get('username')).toBe('alice');
    expect(password?.form.get('password')).toBe(PASSWORD);
    expect(refresh?.form.get('grant_type')).toBe('refresh_token');
    expect(refresh?.form.get('refresh_token')).toBe('confidential-rt-1');
    for (const request of [password, refresh]) {
      expect(basic(request?.headers.authorization)).toEqual(['app', SECRET]);
      expect(request?.form.get('audience')).toBe('https://weaviate.example');
      expect(request?.form.getAll('resource')).toEqual(['urn:a', 'urn:b']);
    }
  });

  it('refreshes a bearer token as the confidential client it was issued to', async () => {
    const { issuer, seen } = scripted.current.issuer('confidential-bearer');
    const client = auth(
      issuer,
      bearerToken({
        accessToken: 'given',
        expiresIn: 0,
        refreshToken: 'bearer-rt-1',
        clientId: 'app',
        clientSecret: SECRET,
        tokenEndpointAuthMethod: 'client_secret_post',
        extraParams: { resource: 'https://graph.example' },
      }),
    );
    leaks.secret('bearer-rt-1');
    expect(leaks.headers(await client.authorize('/v1/meta'))).toEqual({
      Authorization: 'Bearer token-confidential-bearer-1',
    });
    await client.close();
    const form = seen.token[0]?.form;
    expect(Object.fromEntries(form ?? [])).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'bearer-rt-1',
      client_id: 'app',
      client_secret: SECRET,
      resource: 'https://graph.example',
    });
  });

  it('a public client with another id sends it, and no secret', async () => {
    const { issuer, seen } = scripted.current.issuer('public-other-id');
    const client = auth(issuer, oidcPassword({ username: 'alice', password: PASSWORD, clientId: 'spa' }));
    leaks.headers(await client.authorize('/v1/meta'));
    await client.close();
    expect(seen.token[0]?.form.get('client_id')).toBe('spa');
    expect(seen.token[0]?.headers.authorization).toBeUndefined();
  });

  it.each([
    [{ scope: 'openid' }, '`extraParams` must not set `scope`: use `scopes`.'],
    [{ client_secret: 'x' }, '`extraParams` must not set `client_secret`: use `clientSecret`.'],
    [{ audience: 3 }, '`extraParams`: `audience` must be a string or a non-empty array of strings'],
    [[], '`extraParams` must be an object of form parameters'],
  ])('refuses extraParams %j', (extraParams, message) => {
    expect(() => oidcPassword({ username: 'a', password: 'b', extraParams: extraParams as never })).toThrow(
      ConfigurationError,
    );
    expect(() => oidcPassword({ username: 'a', password: 'b', extraParams: extraParams as never })).toThrow(
      message,
    );
  });

  it('refuses an unknown tokenEndpointAuthMethod, and never shows a secret in a credential', () => {
    expect(() =>
      clientCredentials({ clientSecret: SECRET, tokenEndpointAuthMethod: 'private_key_jwt' as never }),
    ).toThrow(
      "clientCredentials(): `tokenEndpointAuthMethod` must be 'client_secret_basic' or 'client_secret_post'",
    );
    const credential = leaks.watch(
      oidcPassword({ username: 'alice', password: PASSWORD, clientId: 'app', clientSecret: SECRET }),
    );
    expect(JSON.parse(JSON.stringify(credential))).toMatchObject({
      clientId: 'app',
      clientSecret: '[redacted]',
    });
  });
});
