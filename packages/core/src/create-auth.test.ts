import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inspect, promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LeakCheck } from './__test__/leaks.js';
import { type AuthOptions, createAuth } from './create-auth.js';
import { apiKey } from './credentials/api-key.js';
import { bearerToken } from './credentials/bearer-token.js';
import { clientCredentials } from './credentials/client-credentials.js';
import { oidcPassword } from './credentials/oidc-password.js';
import { tokenSource } from './credentials/token-source.js';
import { AuthError } from './errors/auth-error.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { InsecureTransportError } from './errors/insecure-transport-error.js';
import { isAuthError } from './errors/is-auth-error.js';
import { TimeoutError } from './errors/timeout-error.js';

const key = 'sk-test-0123456789';

function fails(options: unknown): Error {
  try {
    createAuth(options as AuthOptions);
  } catch (error) {
    return error as Error;
  }
  throw new Error('createAuth did not throw');
}

describe('createAuth validation', () => {
  it.each([
    ['no options', undefined, /pass an options object/],
    ['no baseUrl', { credentials: apiKey(key) }, /`baseUrl` is missing/],
    [
      'a non-URL',
      { baseUrl: 'localhost:8080', credentials: apiKey(key) },
      /is not an absolute http: or https: URL.*Pass the server's full URL/,
    ],
    [
      'garbage',
      { baseUrl: 'not a url', credentials: apiKey(key) },
      /is not an absolute http: or https: URL\./,
    ],
    [
      'ftp',
      { baseUrl: 'ftp://example.com', credentials: apiKey(key) },
      /is not an absolute http: or https: URL \(ftp:\)/,
    ],
    [
      'user info',
      { baseUrl: 'https://u:p@example.com', credentials: apiKey(key) },
      /must not contain a user name, password/,
    ],
    ['no credentials', { baseUrl: 'http://localhost:8080' }, /`credentials` is missing/],
    [
      'both an API key and OIDC',
      {
        baseUrl: 'http://localhost:8080',
        credentials: apiKey(key),
        oidc: { issuer: 'https://id.example.com', clientId: 'c' },
      },
      /an API key needs no `oidc` settings: remove them/,
    ],
    [
      'a zero timeout',
      { baseUrl: 'http://localhost:8080', credentials: apiKey(key), timeout: 0 },
      /`timeout` must be a number of milliseconds above 0/,
    ],
    [
      'a bad header',
      { baseUrl: 'http://localhost:8080', credentials: apiKey(key), headers: { 'X-A': 'a\r\nb' } },
      /without line breaks/,
    ],
    [
      'a header value with a character above U+00FF',
      { baseUrl: 'http://localhost:8080', credentials: apiKey(key), headers: { 'X-A': 'sk-\u20ac-1' } },
      /`headers\['X-A'\]` must be a string .*a character an HTTP header cannot carry/,
    ],
    [
      'a timeout of 2^31 ms (a timer would fire after 1 ms)',
      { baseUrl: 'http://localhost:8080', credentials: apiKey(key), timeout: 2 ** 31 },
      /`timeout` must be .*at most 2147483647 \(about 24.8 days/,
    ],
    [
      'a timeout of a year',
      { baseUrl: 'http://localhost:8080', credentials: apiKey(key), timeout: 365 * 24 * 3600 * 1000 },
      /at most 2147483647 \(about 24.8 days/,
    ],
    [
      'a bad origin',
      { baseUrl: 'http://localhost:8080', credentials: apiKey(key), allowedOrigins: ['nope'] },
      /allowedOrigins/,
    ],
  ])('rejects %s with a ConfigurationError that says what to do', (_name, options, message) => {
    const error = fails(options);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ name: 'ConfigurationError', code: 'AUTH_CONFIGURATION' });
    expect(error.message).toMatch(message);
  });

  it.each([
    ['an empty key', () => apiKey(''), /the key is empty.*environment variable/],
    ['a missing key', () => apiKey(undefined as unknown as string), /the key is missing/],
    ['a key with a newline', () => apiKey(`${key}\n`), /whitespace or control characters/],
    [
      'a key copied with its scheme',
      () => apiKey(`Bearer ${key}`),
      /the key starts with `Bearer `: pass it without \(the scheme is added for you\)\./,
    ],
    [
      'a read-only key copied with its scheme (any case)',
      () => apiKey({ read: `bearer  ${key}`, write: key }),
      /the `read` key starts with `Bearer `/,
    ],
    [
      'a bearer token copied with its scheme',
      () => bearerToken({ accessToken: `Bearer ${key}`, expiresIn: 60 }),
      /`accessToken` starts with `Bearer `/,
    ],
    [
      'a key with a character above U+00FF',
      () => apiKey('key-\u2603-0123456789'),
      /the key contains .*a character an HTTP header cannot carry/,
    ],
    [
      'a bearer token with a character above U+00FF',
      () => bearerToken({ accessToken: 'a.b.\u20ac', expiresIn: 60 }),
      /`accessToken` contains .*a character an HTTP header cannot carry/,
    ],
    [
      'an empty password',
      () => oidcPassword({ username: 'u', password: '' }),
      /`password` is not a non-empty string/,
    ],
    [
      'a negative expiresIn',
      () => bearerToken({ accessToken: 'a.b.c', expiresIn: -1 }),
      /`expiresIn` must be/,
    ],
    [
      'a non-numeric expiresIn',
      () => bearerToken({ accessToken: 'a.b.c', expiresIn: '60' as never }),
      /`expiresIn` must be/,
    ],
    ['no client secret', () => clientCredentials({} as never), /`clientSecret` is missing/],
    [
      'scopes as a string',
      () => oidcPassword({ username: 'u', password: 'p', scopes: 'openid' as never }),
      /array of strings/,
    ],
    ['a token source that is not a function', () => tokenSource('x' as never), /pass a function/],
  ])('rejects %s when the credential is made', (_name, make, message) => {
    expect(make).toThrow(ConfigurationError);
    expect(make).toThrow(message);
  });

  it('refuses plain http to a non-loopback host unless allowInsecureHttp is set', () => {
    const error = fails({ baseUrl: 'http://weaviate.internal:8080', credentials: apiKey(key) });
    expect(error).toBeInstanceOf(InsecureTransportError);
    expect(error.message).toMatch(/allowInsecureHttp: true/);
    expect(
      fails({ baseUrl: 'https://a.example', credentials: apiKey(key), allowedOrigins: ['http://b.example'] }),
    ).toBeInstanceOf(InsecureTransportError);
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'app.localhost']) {
      expect(createAuth({ baseUrl: `http://${host}:8080`, credentials: apiKey(key) }).baseUrl).toBe(
        `http://${host}:8080`,
      );
    }
    expect(
      createAuth({
        baseUrl: 'http://weaviate.internal:8080',
        credentials: apiKey(key),
        allowInsecureHttp: true,
      }).baseUrl,
    ).toBe('http://weaviate.internal:8080');
  });
});

describe('OIDC transport', () => {
  it('refuses a plain-http issuer that is not loopback before any request, unless allowInsecureHttp is set', async () => {
    const auth = createAuth({
      baseUrl: 'http://localhost:1',
      credentials: oidcPassword({ username: 'u', password: 'p' }),
      oidc: { issuer: 'http://login.internal', clientId: 'c' },
      timeout: 500,
    });
    const error = await auth.authorize('/').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InsecureTransportError);
    expect((error as Error).message).toMatch(
      /OIDC credentials over plain http to http:\/\/login\.internal.*allowInsecureHttp/,
    );
    await auth.close();
  });
});

describe('authorize', () => {
  it('adds X-Weaviate-Cluster-Url for Weaviate Cloud hosts only, and the headers option for allowed origins only', async () => {
    const cloud = createAuth({
      baseUrl: 'https://abc.c0.europe-west3.gcp.weaviate.cloud',
      credentials: apiKey(key),
      headers: { 'X-OpenAI-Api-Key': 'sk-openai-secret' },
      allowedOrigins: ['https://backup.example.com'],
    });
    expect(await cloud.authorize('/v1/meta')).toEqual({
      'X-Weaviate-Cluster-Url': 'https://abc.c0.europe-west3.gcp.weaviate.cloud',
      'X-OpenAI-Api-Key': 'sk-openai-secret',
      Authorization: `Bearer ${key}`,
    });
    expect(await cloud.authorize('https://backup.example.com/v1/meta')).toHaveProperty(
      'Authorization',
      `Bearer ${key}`,
    );
    expect(await cloud.authorize('https://evil.example.com/v1/meta')).toEqual({});
    const network = createAuth({ baseUrl: 'https://x.weaviate.network', credentials: apiKey(key) });
    expect(await network.authorize('/')).toHaveProperty(
      'X-Weaviate-Cluster-Url',
      'https://x.weaviate.network',
    );
    const spoof = createAuth({ baseUrl: 'https://weaviate.cloud.evil.example', credentials: apiKey(key) });
    expect(await spoof.authorize('/')).not.toHaveProperty('X-Weaviate-Cluster-Url');
  });

  it("adds X-Weaviate-Cluster-Url on every Weaviate Cloud domain the official clients know, each host's own origin", async () => {
    // weaviate/weaviate-python-client weaviate/util.py (is_weaviate_domain), weaviate/typescript-client
    // src/connection/helpers.ts: weaviate.cloud, weaviate.network, weaviate.io, semi.technology.
    for (const [baseUrl, origin] of [
      ['https://abc.weaviate.io', 'https://abc.weaviate.io'],
      ['https://abc.semi.technology:8443/', 'https://abc.semi.technology:8443'],
      ['https://ABC.Weaviate.Network', 'https://abc.weaviate.network'],
      ['https://abc.weaviate.cloud./', 'https://abc.weaviate.cloud.'],
    ] as const) {
      const auth = createAuth({ baseUrl, credentials: apiKey(key) });
      expect(await auth.authorize('/v1/meta'), baseUrl).toHaveProperty('X-Weaviate-Cluster-Url', origin);
      await auth.close();
    }
    for (const baseUrl of [
      'https://weaviate.io',
      'https://notweaviate.io',
      'https://weaviate.io.example.com',
    ]) {
      const auth = createAuth({ baseUrl, credentials: apiKey(key) });
      expect(await auth.authorize('/v1/meta'), baseUrl).not.toHaveProperty('X-Weaviate-Cluster-Url');
      await auth.close();
    }
  });

  it('resolves relative URLs against a baseUrl with a path', async () => {
    const auth = createAuth({ baseUrl: 'https://api.example.com/weaviate/', credentials: apiKey(key) });
    expect(auth.baseUrl).toBe('https://api.example.com/weaviate');
    expect(await auth.authorize('v1/meta')).toHaveProperty('Authorization');
    expect(await auth.authorize('//other.example.com/v1/meta')).toEqual({});
  });

  it('reads the sent credential from Headers or a plain object, case-insensitively', async () => {
    const auth = createAuth({ baseUrl: 'http://localhost:1', credentials: apiKey(() => key) });
    await auth.authorize('/');
    expect(await auth.handleUnauthorized('/', undefined)).toBe(false);
    expect(await auth.handleUnauthorized('/', { authorization: 'Bearer someone-elses' })).toBe(false);
    expect(await auth.handleUnauthorized('/', new Headers({ 'X-Other': 'x' }))).toBe(false);
    // our key, re-read: the function returns the same key, so a retry cannot help
    expect(await auth.handleUnauthorized('/', new Headers({ Authorization: `Bearer ${key}` }))).toBe(false);
    await auth.close();
  });

  it('survives an onEvent listener that throws', async () => {
    let calls = 0;
    const auth = createAuth({
      baseUrl: 'http://localhost:1',
      credentials: tokenSource(() => ({ accessToken: 'tok-123456', expiresIn: 60 })),
      onEvent: () => {
        calls++;
        throw new Error('listener bug');
      },
    });
    expect(await auth.authorize('/')).toEqual({ Authorization: 'Bearer tok-123456' });
    expect(calls).toBe(2);
    await auth.close();
  });

  it('survives an async onEvent listener that rejects (no unhandled rejection)', async () => {
    let calls = 0;
    const auth = createAuth({
      baseUrl: 'http://localhost:1',
      credentials: tokenSource(() => ({ accessToken: 'tok-123456', expiresIn: 60 })),
      onEvent: async () => {
        calls++;
        throw new Error('async listener bug');
      },
    });
    expect(await auth.authorize('/')).toEqual({ Authorization: 'Bearer tok-123456' });
    expect(calls).toBe(2);
    await auth.close();
  });

  it('closes with `await using`', async () => {
    let closedAuth: ReturnType<typeof createAuth> | undefined;
    {
      await using auth = createAuth({ baseUrl: 'http://localhost:1', credentials: apiKey(key) });
      closedAuth = auth;
    }
    await expect(closedAuth.authorize('/')).rejects.toThrow(/was closed/);
  });
});

describe('secrets', () => {
  it('shows no secret through String(), JSON.stringify() or util.inspect() of credentials and the auth object', () => {
    const leaks = new LeakCheck();
    leaks.secret(
      key,
      'hunter2-password',
      'client-secret-42',
      'access.token.value',
      'refresh-token-value',
      'sk-openai-secret',
    );
    const credentials = [
      apiKey(key),
      oidcPassword({ username: 'alice', password: 'hunter2-password' }),
      clientCredentials({ clientSecret: 'client-secret-42' }),
      bearerToken({ accessToken: 'access.token.value', expiresIn: 60, refreshToken: 'refresh-token-value' }),
      tokenSource(() => ({ accessToken: 'x' })),
    ];
    for (const credential of credentials) {
      leaks.watch(credential);
      leaks.watch(
        createAuth({
          baseUrl: 'http://localhost:1',
          credentials: credential,
          headers: { 'X-OpenAI-Api-Key': 'sk-openai-secret' },
        }),
      );
    }
    leaks.assertClean();
    expect(inspect(credentials[1])).toContain('alice');
    expect(JSON.stringify(credentials[0])).toContain('[redacted]');
  });

  it('scrubs a static key from its own 401 report and from an error of its isRead, though it loads no token manager to send it', async () => {
    const leaks = new LeakCheck();
    leaks.secret(key);
    const auth = createAuth({
      baseUrl: 'http://localhost:1',
      credentials: apiKey({
        read: key,
        write: `${key}-write`,
        isRead: () => {
          throw new Error(`no rule for ${key}`);
        },
      }),
      onEvent: leaks.onEvent,
    });
    expect(await auth.handleUnauthorized(`/v1/objects/${key}`, undefined)).toBe(false);
    const error = await leaks
      .catching(auth.authorize(`/v1/objects/${key}`))
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('no rule for [redacted]');
    expect(leaks.counts.objects).toBe(2); // the 401 report (delivered before handleUnauthorized settles) and the error
    leaks.assertClean();
    await auth.close();
  });

  it('catches a leak when there is one (the check itself can fail)', () => {
    const leaks = new LeakCheck();
    leaks.secret('visible-secret');
    leaks.watch(new AuthError('oops', 'AUTH_X', { cause: new Error('has visible-secret inside') }));
    expect(() => leaks.assertClean()).toThrow();
  });

  it('keeps only safe fields of a foreign cause', () => {
    const foreign = Object.assign(new Error('token endpoint said no'), {
      code: 'OAUTH_X',
      status: 400,
      body: { access_token: 'leaked-token-value' },
    });
    const error = new AuthError('failed', 'AUTH_X', { cause: foreign });
    expect(error.cause).toMatchObject({ message: 'token endpoint said no', code: 'OAUTH_X', status: 400 });
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain('leaked-token-value');
  });
});

describe('isAuthError', () => {
  it('recognises errors by class and by name + code (another copy of the package)', () => {
    expect(isAuthError(new ConfigurationError('x'))).toBe(true);
    const copy = Object.assign(new Error('x'), {
      name: 'TokenRequestError',
      code: 'AUTH_TOKEN_REQUEST_FAILED',
    });
    expect(isAuthError(copy)).toBe(true);
    expect(isAuthError(new DOMException('t', 'TimeoutError'))).toBe(false);
    expect(isAuthError(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe(false);
    expect(isAuthError(new TimeoutError({ target: 'x', timeout: 1 }))).toBe(true);
    expect(isAuthError('AuthError')).toBe(false);
  });
});

describe('isAuthFailure', () => {
  const answer = (status: number, body: unknown = {}) => ({
    status,
    headers: new Headers(),
    json: async () => body,
  });

  it('is a 401 unless the option says otherwise', async () => {
    const auth = createAuth({ baseUrl: 'http://localhost:8080', credentials: apiKey('key') });
    expect(await auth.isAuthFailure(answer(401))).toBe(true);
    expect(await auth.isAuthFailure(answer(403))).toBe(false);
    const custom = createAuth({
      baseUrl: 'http://localhost:8080',
      credentials: apiKey('key'),
      isAuthFailure: async (a) =>
        a.status === 419 ||
        (a.status === 400 && ((await a.json()) as { error?: string }).error === 'token_expired'),
    });
    expect(await custom.isAuthFailure(answer(401))).toBe(false);
    expect(await custom.isAuthFailure(answer(419))).toBe(true);
    expect(await custom.isAuthFailure(answer(400, { error: 'token_expired' }))).toBe(true);
    expect(await custom.isAuthFailure(answer(400, { error: 'bad_request' }))).toBe(false);
  });

  it('refuses options of the wrong type', () => {
    const base = { baseUrl: 'http://localhost:8080', credentials: apiKey('key') };
    expect(() => createAuth({ ...base, isAuthFailure: 401 as never })).toThrow(
      /`isAuthFailure` must be a function/,
    );
    expect(() => createAuth({ ...base, refreshAhead: -1 })).toThrow(
      /`refreshAhead` must be a number of milliseconds/,
    );
  });
});

describe('a failed load of the token manager', () => {
  // A real child process whose module loader finds no token-manager module the first time (a chunk that
  // did not load) and finds it the next time: see __test__/failed-load-app.ts.
  const run = async (scenario: string): Promise<unknown> => {
    const app = fileURLToPath(new URL('./__test__/failed-load-app.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', app, scenario], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    return JSON.parse(stdout);
  };

  it('is not remembered: the next authorize() loads it again and gets its token, and close() resolves', async () => {
    const [first, second, closed] = (await run('token')) as { error?: string; value?: unknown }[];
    expect(first?.error).toMatch(/token-manager\.gone/);
    expect(second).toEqual({ value: { Authorization: 'Bearer token-0123456789' } });
    expect(closed).toEqual({});
  });

  it('is not remembered by the scrubber: a static key delivers its 401 reports once the code loads', async () => {
    expect(await run('scrubber')).toEqual({
      calls: [{ value: false }, { value: false }],
      events: ['unauthorized', 'unauthorized'],
    });
  });
});
