import type { IncomingMessage } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRegistry, ClientDirectory, UserDirectory } from './accounts.js';
import { Authenticator } from './authenticate.js';
import type { OidcProviderHost } from './oidc-provider.js';

// The JWT checks one by one, with tokens signed here by a key the authenticator trusts.
describe('Authenticator: JWT checks', () => {
  const issuer = 'http://127.0.0.1:1';
  let sign: (claims: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
  let authenticator: Authenticator;

  const request = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as IncomingMessage;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const host = {
      issuer,
      jwks: { keys: [publicJwk] },
      isRevoked: () => false,
    } as unknown as OidcProviderHost;
    authenticator = new Authenticator({
      keys: new ApiKeyRegistry(undefined),
      users: new UserDirectory(undefined),
      clients: new ClientDirectory(undefined, 'weaviate'),
      clientId: 'weaviate',
      oidc: host,
      anonymousAccess: () => false,
    });
    sign = (claims, header = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header }).sign(privateKey);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const good = () => ({ iss: issuer, aud: 'weaviate', sub: 'admin', iat: now(), exp: now() + 60 });

  it('accepts a good token, also with aud as an array containing the client id', async () => {
    expect(await authenticator.authenticate(request(await sign(good())))).toEqual({
      ok: true,
      principal: { username: 'admin', role: 'admin' },
    });
    const multi = await sign({ ...good(), aud: ['other', 'weaviate'] });
    expect((await authenticator.authenticate(request(multi))).ok).toBe(true);
  });

  it('refuses another audience and another issuer', async () => {
    expect(await authenticator.authenticate(request(await sign({ ...good(), aud: 'other' })))).toEqual({
      ok: false,
      message: expect.stringContaining('"aud"'),
    });
    expect(await authenticator.authenticate(request(await sign({ ...good(), iss: 'http://evil' })))).toEqual({
      ok: false,
      message: expect.stringContaining('"iss"'),
    });
  });

  it('refuses a token at its exp second: no leeway', async () => {
    const token = await sign({ ...good(), iat: now() - 10, exp: now() });
    expect(await authenticator.authenticate(request(token))).toEqual({
      ok: false,
      message: 'oidc: token is expired',
    });
  });

  it('refuses an unknown subject, an unknown key id and a tampered signature', async () => {
    expect((await authenticator.authenticate(request(await sign({ ...good(), sub: 'mallory' })))).ok).toBe(
      false,
    );
    expect((await authenticator.authenticate(request(await sign(good(), { kid: 'k2' })))).ok).toBe(false);
    const token = await sign(good());
    const [h, p] = token.split('.');
    const tampered = `${h}.${p}.${'A'.repeat(342)}`;
    expect((await authenticator.authenticate(request(tampered))).ok).toBe(false);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(good())).toString('base64url');
    const outcome = await authenticator.authenticate(request(`${header}.${payload}.`));
    expect(outcome.ok).toBe(false);
  });
});
