import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRegistry, ClientDirectory, UserDirectory } from './accounts.js';
import { Authenticator } from './authenticate.js';
import { DbUserStore } from './db-users.js';
import type { OidcProviderHost } from './oidc-provider.js';

// The JWT checks one by one, with tokens signed here by a key the authenticator trusts; the messages are
// go-oidc's (coreos/go-oidc oidc/verify.go) behind Weaviate's `unauthorized: `.
describe('Authenticator: JWT checks', () => {
  const issuer = 'http://127.0.0.1:1';
  let sign: (claims: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
  let authenticator: Authenticator;

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
      dbUsers: new DbUserStore(false),
      users: new UserDirectory(undefined),
      clients: new ClientDirectory(undefined, 'weaviate'),
      clientId: 'weaviate',
      oidc: host,
    });
    sign = (claims, header = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header }).sign(privateKey);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const good = () => ({ iss: issuer, aud: 'weaviate', sub: 'admin', iat: now(), exp: now() + 60 });

  const refused = (message: string | ReturnType<typeof expect.stringMatching>) => ({
    ok: false,
    status: 401,
    message,
  });

  it('accepts a good token, also with aud as an array containing the client id; groups from the claim', async () => {
    expect(await authenticator.authenticate(await sign(good()))).toEqual({
      ok: true,
      caller: { username: 'admin', userType: 'oidc', groups: null, role: 'admin' },
    });
    const multi = await sign({ ...good(), aud: ['other', 'weaviate'], groups: ['ops', 'dev'] });
    expect(await authenticator.authenticate(multi)).toMatchObject({
      ok: true,
      caller: { groups: ['ops', 'dev'] },
    });
  });

  it('refuses another audience and another issuer', async () => {
    expect(await authenticator.authenticate(await sign({ ...good(), aud: 'other' }))).toEqual(
      refused('unauthorized: oidc: expected audience "weaviate" got ["other"]'),
    );
    expect(await authenticator.authenticate(await sign({ ...good(), iss: 'http://evil' }))).toEqual(
      refused(
        'unauthorized: oidc: id token issued by a different provider, expected "http://127.0.0.1:1" got "http://evil"',
      ),
    );
  });

  it('refuses a token at its exp second: no leeway', async () => {
    const token = await sign({ ...good(), iat: now() - 10, exp: now() });
    expect(await authenticator.authenticate(token)).toEqual(
      refused(
        expect.stringMatching(/^unauthorized: oidc: token is expired \(Token Expiry: .+ \+0000 UTC\)$/),
      ),
    );
  });

  it('authenticates an unknown subject (with no role: authorization refuses it), refuses an unknown key id and a tampered signature', async () => {
    expect(await authenticator.authenticate(await sign({ ...good(), sub: 'mallory' }))).toMatchObject({
      ok: true,
      caller: { username: 'mallory', role: undefined },
    });
    const badSignature = refused(
      'unauthorized: failed to verify signature: failed to verify id token signature',
    );
    expect(await authenticator.authenticate(await sign(good(), { kid: 'k2' }))).toEqual(badSignature);
    const token = await sign(good());
    const [h, p] = token.split('.');
    expect(await authenticator.authenticate(`${h}.${p}.${'A'.repeat(342)}`)).toEqual(badSignature);
  });

  it('a verified token is remembered by its whole text: its claims with another signature are still refused', async () => {
    const token = await sign(good());
    expect(await authenticator.authenticate(token)).toMatchObject({ ok: true });
    const [h, p] = token.split('.');
    expect(await authenticator.authenticate(`${h}.${p}.${'A'.repeat(342)}`)).toEqual(
      refused('unauthorized: failed to verify signature: failed to verify id token signature'),
    );
    expect(await authenticator.authenticate(token)).toMatchObject({ ok: true });
  });

  it('a token accepted before is refused once its exp second comes', async () => {
    const exp = now() + 1;
    const token = await sign({ ...good(), exp });
    expect(await authenticator.authenticate(token)).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 5));
    expect(await authenticator.authenticate(token)).toEqual(
      refused(
        expect.stringMatching(/^unauthorized: oidc: token is expired \(Token Expiry: .+ \+0000 UTC\)$/),
      ),
    );
  });

  it('refuses an unsigned token (alg none)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(good())).toString('base64url');
    expect(await authenticator.authenticate(`${header}.${payload}.`)).toEqual(
      refused(
        'unauthorized: oidc: id token signed with unsupported algorithm, expected ["RS256"] got "none"',
      ),
    );
  });
});
