import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeakCheck } from '../__test__/leaks.js';
import { type AnswerFrom, startAnsweringProvider } from '../__test__/scripted-provider.js';
import { type Auth, type AuthOptions, createAuth } from '../create-auth.js';
import { apiKey } from '../credentials/api-key.js';
import { bearerToken } from '../credentials/bearer-token.js';
import { clientCredentials } from '../credentials/client-credentials.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { tokenSource } from '../credentials/token-source.js';
import { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import type { StoredToken, TokenStore } from '../store.js';

let provider: Awaited<ReturnType<typeof startAnsweringProvider>>;
let leaks: LeakCheck;
const auths: Auth[] = [];
const API = 'http://127.0.0.1:9/api'; // never contacted: the provider is given with `oidc`
// Characters a form or JSON escapes: the echo must be found in each spelling.
const PASSWORD = 'p@ss w0rd"\\secret';
const CLIENT_SECRET = 'client-secret-3f9a1c';
const MODULE_KEY = 'module-key-77c2e0';

const make = (options: Omit<AuthOptions, 'baseUrl' | 'onEvent' | 'headers'>): Auth => {
  const auth = leaks.watch(
    createAuth({
      baseUrl: API,
      onEvent: leaks.onEvent,
      headers: { 'X-OpenAI-Api-Key': MODULE_KEY },
      timeout: 2_000,
      ...options,
    }),
  );
  auths.push(auth);
  return auth;
};
const oidc = () => ({ issuer: provider.url, clientId: 'app' });
const failure = (promise: Promise<unknown>) =>
  leaks.catching(promise).then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

beforeAll(async () => {
  provider = await startAnsweringProvider();
});
afterEach(async () => {
  await Promise.all(auths.splice(0).map((auth) => auth.close()));
  // Every error, event and auth object of the test: no rendering shows any secret it handled.
  leaks.assertClean();
});
afterAll(async () => {
  await provider.close();
});

describe('a provider that echoes the secrets it was sent', () => {
  it('the password, raw and as the form spelled it, in error_description: the error, its cause and the events show none of it', async () => {
    leaks = new LeakCheck();
    leaks.secret(PASSWORD, new URLSearchParams({ password: PASSWORD }).toString(), MODULE_KEY);
    provider.answer((form, raw) => ({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: `wrong password ${form.get('password')} (you sent ${raw}; ${JSON.stringify(form.get('password'))})`,
      },
    }));
    const auth = make({ credentials: oidcPassword({ username: 'alice', password: PASSWORD }), oidc: oidc() });
    const error = await failure(auth.authorize('/v1/meta'));
    expect(error).toBeInstanceOf(TokenRequestError);
    // What is not secret is still there: the OAuth code, the user name, where the secret was.
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(String(error)).toContain('[redacted]');
    expect((error as TokenRequestError).error_description).toMatch(/^wrong password \[redacted\]/);
  });

  it('the password in an HTML page (a 400 and a 200)', async () => {
    leaks = new LeakCheck();
    leaks.secret(PASSWORD, MODULE_KEY);
    const page = (form: URLSearchParams) =>
      `<html><body>Login failed for ${form.get('password')}</body></html>`;
    provider.answer((form) => ({ status: 400, type: 'text/html', body: page(form) }));
    const auth = make({ credentials: oidcPassword({ username: 'alice', password: PASSWORD }), oidc: oidc() });
    await failure(auth.authorize('/v1/meta'));
    provider.answer((form) => ({ status: 200, type: 'text/html', body: page(form) }));
    await failure(auth.authorize('/v1/meta'));
  });

  it('the password in the error_description of 503s (retried: every refresh-failed event)', async () => {
    leaks = new LeakCheck();
    leaks.secret(PASSWORD, MODULE_KEY);
    provider.answer((form) => ({
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: `busy; will keep ${form.get('password')}`,
      },
    }));
    const auth = make({ credentials: oidcPassword({ username: 'alice', password: PASSWORD }), oidc: oidc() });
    await failure(auth.authorize('/v1/meta'));
  });

  it('the client secret in error_description and in the error code itself', async () => {
    leaks = new LeakCheck();
    leaks.secret(CLIENT_SECRET, MODULE_KEY);
    provider.answer((form) => ({
      status: 401,
      body: {
        error: `invalid_client_${form.get('client_secret')}`,
        error_description: `client secret ${form.get('client_secret')} is wrong`,
      },
    }));
    const auth = make({ credentials: clientCredentials({ clientSecret: CLIENT_SECRET }), oidc: oidc() });
    const error = await failure(auth.authorize('/v1/meta'));
    expect(error).toBeInstanceOf(TokenRequestError);
  });

  it('the refresh token (given, then obtained) and the access token, echoed on refresh; the password on the fallback', async () => {
    leaks = new LeakCheck();
    const refreshing = bearerToken({
      accessToken: 'given-access-4e1b',
      expiresIn: 0,
      refreshToken: 'given-refresh-9d2c',
    });
    leaks.secret('given-access-4e1b', 'given-refresh-9d2c', PASSWORD, MODULE_KEY);
    const echo: AnswerFrom = (form) => ({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: `refresh token ${form.get('refresh_token')} was revoked`,
      },
    });
    provider.answer(echo);
    const bearer = make({ credentials: refreshing, oidc: oidc() });
    expect(await failure(bearer.authorize('/v1/meta'))).toBeInstanceOf(ReauthenticationRequiredError);

    // A password grant that gives a 1 s token and a refresh token; at expiry the refresh is refused with an
    // echo of both tokens; the password grant that follows is refused with an echo of the password.
    leaks.secret('obtained-access-51aa', 'obtained-refresh-8b3f');
    provider.answer(() => ({
      status: 200,
      body: {
        access_token: 'obtained-access-51aa',
        refresh_token: 'obtained-refresh-8b3f',
        token_type: 'bearer',
        expires_in: 1,
      },
    }));
    const user = make({ credentials: oidcPassword({ username: 'alice', password: PASSWORD }), oidc: oidc() });
    expect(await user.authorize('/v1/meta')).toMatchObject({ Authorization: 'Bearer obtained-access-51aa' });
    provider.answer((form, raw) =>
      form.get('grant_type') === 'refresh_token'
        ? {
            status: 400,
            body: { error: 'invalid_grant', error_description: `${raw} for obtained-access-51aa` },
          }
        : { status: 400, body: { error: 'invalid_grant', error_description: `not ${form.get('password')}` } },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await failure(user.authorize('/v1/meta'))).toBeInstanceOf(TokenRequestError);
  });

  it('the key a key function returned, and a token a token source returned, in what the function throws next', async () => {
    leaks = new LeakCheck();
    leaks.secret('rotated-key-0a7d', 'sourced-token-6c3e', MODULE_KEY);
    let keys = 0;
    const keyed = make({
      credentials: apiKey(() => {
        keys++;
        if (keys === 1) return 'rotated-key-0a7d';
        throw new Error(`vault: rotated-key-0a7d has expired (module key ${MODULE_KEY})`);
      }),
    });
    const sent = leaks.headers(await keyed.authorize('/v1/meta'));
    await failure(keyed.handleUnauthorized('/v1/meta', sent));
    let tokens = 0;
    const sourced = make({
      credentials: tokenSource(() => {
        tokens++;
        if (tokens === 1) return { accessToken: 'sourced-token-6c3e', expiresIn: 60 };
        throw new TypeError('cannot renew sourced-token-6c3e');
      }),
    });
    const withToken = leaks.headers(await sourced.authorize('/v1/meta'));
    await failure(sourced.handleUnauthorized('/v1/meta', withToken));
  });
});

describe('a provider that echoes a secret spelled another way', () => {
  // Every character an encoder escapes, and one beyond ASCII.
  const TRICKY = 'p@ss w0rd"&<é>/tail';
  const LONG = 'LongSecretValue0123456789abcdefXYZ';
  const html = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const lowerHex = (text: string) =>
    encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
  // Python's json.dumps (ASCII only), PHP's json_encode (escaped slashes), Go's encoder (<, >, & as \u00XX).
  const asciiJson = (text: string) =>
    JSON.stringify(text)
      .slice(1, -1)
      .replace(/[^\x20-\x7e]|[<>&]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .replace(/\//g, '\\/');
  const asLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  const refused = (description: string) => ({
    status: 400,
    body: { error: 'invalid_grant', error_description: description },
  });
  const cases: {
    name: string;
    password?: string;
    clientSecret?: string;
    /** The spellings that must not show. */
    spelled: (secret: string) => string[];
    answer: AnswerFrom;
  }[] = [
    {
      name: 'HTML-escaped in error_description',
      spelled: (secret) => [html(secret)],
      answer: (form) => refused(`bad ${html(form.get('password')!)}`),
    },
    {
      name: 'URL-escaped with lower-case hex',
      spelled: (secret) => [lowerHex(secret)],
      answer: (form) => refused(`bad ${lowerHex(form.get('password')!)}`),
    },
    {
      name: 'inside JSON text that escapes non-ASCII, <, >, & and /',
      spelled: (secret) => [asciiJson(secret)],
      answer: (form) => refused(`you sent {"password":"${asciiJson(form.get('password')!)}"}`),
    },
    {
      name: 'split across two lines',
      password: LONG,
      spelled: (secret) => [secret.slice(0, 17), secret.slice(17)],
      answer: (form) => {
        const password = form.get('password')!;
        return refused(`bad ${password.slice(0, 17)}\n    ${password.slice(17)}`);
      },
    },
    {
      name: 'trimmed',
      password: '  padded-password  ',
      spelled: (secret) => [secret.trim()],
      answer: (form) => refused(`bad ${form.get('password')!.trim()}`),
    },
    {
      name: 'in base64',
      password: LONG,
      spelled: (secret) => [btoa(secret).slice(0, -4)],
      answer: (form) => refused(`bad ${btoa(form.get('password')!)}`),
    },
    {
      name: 'the client_secret_basic header, echoed (base64 of id:secret)',
      clientSecret: LONG,
      spelled: (secret) => [btoa(`app:${secret}`).slice(4, -4)],
      answer: (_form, _raw, headers) => ({
        status: 401,
        body: { error: 'invalid_client', error_description: `refused ${headers.authorization}` },
      }),
    },
    {
      name: 'UTF-8 in a WWW-Authenticate header, read as Latin-1',
      password: 'pässwörd-sécret',
      spelled: (secret) => [asLatin1(secret)],
      answer: (form) => ({
        status: 401,
        headers: {
          'www-authenticate': asLatin1(
            `Bearer error="invalid_client", error_description="bad ${form.get('password')}"`,
          ),
        },
        body: '',
      }),
    },
    {
      name: 'in the path of a redirect, escaped the way a URL escapes a path',
      spelled: (secret) => [new URL(`http://x/${secret}`).pathname.slice(1)],
      answer: (form) => ({
        status: 302,
        headers: { location: `/login/${form.get('password')}?retry=1` },
        body: '',
      }),
    },
  ];
  for (const { name, password = TRICKY, clientSecret, spelled, answer } of cases) {
    it(`the ${clientSecret === undefined ? 'password' : 'client secret'} ${name}: the error and the events show none of it`, async () => {
      leaks = new LeakCheck();
      const secret = clientSecret ?? password;
      leaks.secret(secret, ...spelled(secret), MODULE_KEY);
      provider.answer(answer);
      const auth = make({
        credentials:
          clientSecret === undefined
            ? oidcPassword({ username: 'alice', password })
            : clientCredentials({ clientSecret, tokenEndpointAuthMethod: 'client_secret_basic' }),
        oidc: oidc(),
      });
      const error = await failure(auth.authorize('/v1/meta'));
      expect(error).toBeInstanceOf(TokenRequestError);
      // What is not secret is still there: where the secret was, and the provider's words around it.
      expect((error as TokenRequestError).message).toContain('[redacted]');
    });
  }
});

describe('errors of user code that was handed a secret', () => {
  it('a token source that throws an error looking like ours (an AUTH_ code, our class name) with the token in a field: a TokenRequestError whose cause holds no field', async () => {
    leaks = new LeakCheck();
    const TOKEN = 'sourced-token-4b8e1f';
    leaks.secret(TOKEN, MODULE_KEY);
    class VaultError extends Error {
      code = 'AUTH_EXPIRED';
      response = { body: { token: TOKEN } };
    }
    const lookalikes = [
      new VaultError('the vault lease expired'),
      Object.assign(new Error('renewal refused'), {
        name: 'TokenRequestError',
        code: 'AUTH_TOKEN_REQUEST_FAILED',
        body: { access_token: TOKEN },
      }),
    ];
    for (const lookalike of lookalikes) {
      let calls = 0;
      const auth = make({
        credentials: tokenSource(() => {
          calls++;
          if (calls === 1) return { accessToken: TOKEN, expiresIn: 60 };
          throw lookalike;
        }),
      });
      const sent = leaks.headers(await auth.authorize('/v1/meta'));
      const error = await failure(auth.handleUnauthorized('/v1/meta', sent));
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error).not.toBe(lookalike);
      expect((error as Error).cause).toMatchObject({ message: lookalike.message });
    }
  });

  it("a token store whose get() and set() fail with a driver's error that carries the token in its fields (Sequelize's sql and parameters): an AuthError AUTH_STORE_FAILED, in the rejection and every event", async () => {
    leaks = new LeakCheck();
    leaks.secret(PASSWORD, MODULE_KEY);
    class DatabaseError extends Error {
      constructor(
        message: string,
        readonly sql: string,
        readonly parameters: unknown[],
      ) {
        super(message);
      }
    }
    const stored = new Map<string, StoredToken>();
    let failing: 'get' | 'set' | undefined;
    const store: TokenStore = {
      get: async (key) => {
        const token = stored.get(key);
        if (failing === 'get') throw new DatabaseError('connection lost', 'SELECT ...', [key, { ...token }]);
        return token;
      },
      set: async (key, token) => {
        leaks.secret(token.accessToken, token.refreshToken);
        if (failing === 'set') {
          const values = [key, token.accessToken, token.refreshToken];
          throw new DatabaseError('deadlock', `INSERT INTO tokens VALUES ('${values.join("', '")}')`, values);
        }
        stored.set(key, token);
      },
      delete: async (key) => void stored.delete(key),
    };
    let issued = 0;
    provider.answer(() => ({
      status: 200,
      body: {
        access_token: `stored-access-${++issued}-9c1d`,
        refresh_token: `stored-refresh-${issued}-5e7a`,
        token_type: 'Bearer',
        expires_in: 60,
      },
    }));
    const auth = make({
      credentials: oidcPassword({ username: 'alice', password: PASSWORD }),
      oidc: oidc(),
      store,
    });
    const sent = leaks.headers(await auth.authorize('/v1/meta'));

    failing = 'get';
    const read = await failure(auth.handleUnauthorized('/v1/meta', sent));
    expect(read).toMatchObject({ name: 'AuthError', code: 'AUTH_STORE_FAILED' });
    expect((read as Error).message).toMatch(/^The token store's get\(\) failed with Error/);

    failing = 'set';
    const written = await failure(auth.handleUnauthorized('/v1/meta', sent));
    expect(written).toMatchObject({ name: 'AuthError', code: 'AUTH_STORE_FAILED' });
    expect((written as Error).cause).toMatchObject({ message: 'deadlock' });
  });

  it('a 300 000-character token, echoed whole and in base64 by what the token source throws next: redacted', async () => {
    leaks = new LeakCheck();
    const TOKEN = `long-${'0123456789abcdef'.repeat(18_750)}`;
    leaks.secret(TOKEN.slice(0, 64), TOKEN.slice(-64), btoa(TOKEN).slice(8, 72), MODULE_KEY);
    let calls = 0;
    const auth = make({
      credentials: tokenSource(() => {
        calls++;
        if (calls === 1) return { accessToken: TOKEN, expiresIn: 60 };
        throw new Error(`cannot renew ${TOKEN} (${btoa(TOKEN)})`);
      }),
    });
    const sent = leaks.headers(await auth.authorize('/v1/meta'));
    const error = await failure(auth.handleUnauthorized('/v1/meta', sent));
    expect(error).toBeInstanceOf(TokenRequestError);
    // (The last base64 character and the padding depend on what follows, and stay.)
    expect(((error as Error).cause as Error).message).toMatch(
      /^cannot renew \[redacted\] \(\[redacted\].{0,3}\)$/,
    );
  });
});
