import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAnsweringProvider } from '../__test__/scripted-provider.js';
import { type Auth, type AuthOptions, createAuth } from '../create-auth.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { tokenSource } from '../credentials/token-source.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';

let provider: Awaited<ReturnType<typeof startAnsweringProvider>>;
const auths: Auth[] = [];
const make = (options: Omit<AuthOptions, 'baseUrl'>): Auth => {
  const auth = createAuth({ baseUrl: 'http://127.0.0.1:9', ...options });
  auths.push(auth);
  return auth;
};

beforeAll(async () => {
  provider = await startAnsweringProvider();
});
afterEach(async () => {
  await Promise.all(auths.splice(0).map((auth) => auth.close()));
});
afterAll(async () => {
  await provider.close();
});

/** Tokens an HTTP header cannot carry as they are: fetch throws a TypeError, axios sends other bytes. */
const unsendable: [string, string][] = [
  ['a snowman (U+2603)', 'token-\u2603-0123456789'],
  ['the euro sign (U+20AC)', 'token-\u20ac-0123456789'],
  ['an emoji (a surrogate pair)', 'token-\u{1f511}-0123456789'],
  ['a C1 control character (U+0085)', 'token-\u0085-0123456789'],
];

describe('a token no HTTP header can carry is refused where it arrives', () => {
  it.each(unsendable)(
    'in a provider’s token answer, %s: InvalidTokenResponseError that does not show it; nothing is handed out',
    async (_what, token) => {
      provider.answer(() => ({
        status: 200,
        body: { access_token: token, token_type: 'bearer', expires_in: 60 },
      }));
      const auth = make({
        credentials: oidcPassword({ username: 'alice', password: 'a-password' }),
        oidc: { issuer: provider.url, clientId: 'app' },
      });
      const error = await auth.authorize('/v1/meta').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidTokenResponseError);
      expect((error as Error).message).toMatch(/a character an HTTP header cannot carry/);
      expect((error as Error).message).not.toContain(token);
    },
  );

  it.each(unsendable)('from a token source, %s', async (_what, token) => {
    const auth = make({ credentials: tokenSource(() => ({ accessToken: token, expiresIn: 60 })) });
    await expect(auth.authorize('/v1/meta')).rejects.toThrow(InvalidTokenResponseError);
  });

  it('a token with Latin-1 letters (U+00E9) is sent as it is (fetch and Node send the same byte)', async () => {
    const auth = make({
      credentials: tokenSource(() => ({ accessToken: 'caf\u00e9-0123456789', expiresIn: 60 })),
    });
    expect(await auth.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer caf\u00e9-0123456789' });
    expect(new Headers(await auth.authorize('/v1/meta')).get('authorization')).toBe(
      'Bearer caf\u00e9-0123456789',
    );
  });
});
