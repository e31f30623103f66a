import type { WeaviateServer } from '@auth/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { type Auth, createAuth } from '../create-auth.js';
import { apiKey } from '../credentials/api-key.js';
import { bearerToken } from '../credentials/bearer-token.js';
import { clientCredentials } from '../credentials/client-credentials.js';
import type { Credentials } from '../credentials/credentials.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { tokenSource } from '../credentials/token-source.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import type { AuthEvent } from '../events.js';
import { memoryStore, type StoredToken, type TokenStore } from '../store.js';

// One store shared by several auth objects, as a Redis store shares it between processes: the key must name
// the credential (never only the server and the kind), and must never contain a secret.

let server: WeaviateServer;
const leaks = embeddedServerForFile({ accessTokenTtl: 60 }, (started) => {
  server = started;
});
const opened: Auth[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((auth) => auth.close()));
});

/** A memoryStore() that records every key it is asked about. */
function recordingStore(): TokenStore & { keys: Set<string>; tokens: Map<string, StoredToken> } {
  const inner = memoryStore();
  const keys = new Set<string>();
  const tokens = new Map<string, StoredToken>();
  return {
    keys,
    tokens,
    get: (key) => {
      keys.add(key);
      return inner.get(key);
    },
    set: (key, token) => {
      keys.add(key);
      tokens.set(key, token);
      leaks.secret(token.accessToken, token.refreshToken);
      return inner.set(key, token);
    },
    delete: (key) => inner.delete(key),
    lock: (key, task, signal) => inner.lock(key, task, signal),
    invalidate: (key, stale) => inner.invalidate(key, stale),
  };
}

function auth(
  credentials: Credentials,
  store: TokenStore,
  onEvent?: (event: AuthEvent) => void,
  baseUrl = server.url,
): Auth {
  const created = leaks.watch(
    createAuth({
      baseUrl,
      credentials: leaks.watch(credentials),
      store,
      onEvent: (event) => {
        leaks.onEvent(event);
        onEvent?.(event);
      },
    }),
  );
  opened.push(created);
  return created;
}

const bearer = (headers: Record<string, string>) => headers.Authorization!.replace(/^Bearer /, '');

describe('one store shared by auth objects with different credentials (security)', () => {
  it('an admin API key and a read-only API key each send their own key (the read-only one never gets admin)', async () => {
    const store = memoryStore();
    const admin = auth(apiKey(server.keys.admin), store);
    const readOnly = auth(apiKey(server.keys.readOnly), store);
    expect(await admin.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${server.keys.admin}` });
    expect(await readOnly.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${server.keys.readOnly}` });
    // And the server agrees: the read-only object cannot write.
    const write = await send(readOnly, leaks, '/v1/objects', {
      method: 'POST',
      body: { class: 'Thing', properties: {} },
    });
    expect(write.status).toBe(403);
  });

  it('key functions (admin, read-only) each send their own key', async () => {
    const store = recordingStore();
    const admin = auth(
      apiKey(() => server.keys.admin),
      store,
    );
    const readOnly = auth(
      apiKey(() => server.keys.readOnly),
      store,
    );
    expect(await admin.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${server.keys.admin}` });
    expect(await readOnly.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${server.keys.readOnly}` });
    expect(store.keys.size).toBe(2);
  });

  it('the same user name with another password does not get the first one’s token', async () => {
    const store = recordingStore();
    const right = auth(oidcPassword(server.users.admin), store);
    const token = bearer(await right.authorize('/v1/meta'));
    const wrong = auth(
      oidcPassword({ username: server.users.admin.username, password: 'not-the-password' }),
      store,
    );
    const error = await leaks.catching(wrong.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ error: 'invalid_grant' });
    expect(store.keys.size).toBe(2);
    expect(bearer(await right.authorize('/v1/meta'))).toBe(token);
  });

  it('two bearer tokens, two token sources and two client secrets never share a key', async () => {
    const store = recordingStore();
    const first = await server.issueTokens();
    const second = await server.issueTokens(server.users.readOnly);
    leaks.secret(first.accessToken, first.refreshToken, second.accessToken, second.refreshToken);
    expect(bearer(await auth(bearerToken(first), store).authorize('/v1/meta'))).toBe(first.accessToken);
    expect(bearer(await auth(bearerToken(second), store).authorize('/v1/meta'))).toBe(second.accessToken);

    const one = auth(
      tokenSource(() => ({ accessToken: 'source-token-one' })),
      store,
    );
    const other = auth(
      tokenSource(() => ({ accessToken: 'source-token-two' })),
      store,
    );
    expect(bearer(await one.authorize('/v1/meta'))).toBe('source-token-one');
    expect(bearer(await other.authorize('/v1/meta'))).toBe('source-token-two');

    const { clientId, clientSecret } = server.clients.service;
    const good = auth(clientCredentials({ clientId, clientSecret }), store);
    await good.authorize('/v1/meta');
    const bad = auth(clientCredentials({ clientId, clientSecret: 'not-the-secret' }), store);
    await expect(leaks.catching(bad.authorize('/v1/meta'))).rejects.toThrow(TokenRequestError);
    expect(store.keys.size).toBe(6);
  });

  it('no key contains a secret, a token or a user name', async () => {
    const store = recordingStore();
    const tokens = await server.issueTokens();
    const { clientId, clientSecret } = server.clients.service;
    const secrets = [
      server.keys.admin,
      server.users.admin.password,
      server.users.admin.username,
      clientSecret,
      tokens.accessToken,
      tokens.refreshToken,
      'source-token-secret',
    ];
    leaks.secret(tokens.accessToken, tokens.refreshToken);
    const all = [
      auth(
        apiKey(() => server.keys.admin),
        store,
      ),
      auth(oidcPassword(server.users.admin), store),
      auth(clientCredentials({ clientId, clientSecret }), store),
      auth(bearerToken(tokens), store),
      auth(
        tokenSource(() => ({ accessToken: 'source-token-secret' }), { shareKey: 'my-service' }),
        store,
      ),
    ];
    for (const each of all) await each.authorize('/v1/meta');
    expect(store.keys.size).toBe(5);
    const port = new URL(server.url).port;
    for (const key of store.keys) {
      expect(key).toMatch(
        new RegExp(
          `^@auth/core:http://127\\.0\\.0\\.1:${port}:(api_key|oidc_password|client_credentials|bearer_token|token_source):[0-9a-f]{32}$`,
        ),
      );
      for (const secret of secrets) expect(key).not.toContain(secret);
    }
  });

  it('a static API key (or a bearer token without refresh token) is never written to a shared store', async () => {
    const store = recordingStore();
    await auth(apiKey(server.keys.admin), store).authorize('/v1/meta');
    const { accessToken, expiresIn } = await server.issueTokens();
    leaks.secret(accessToken);
    await auth(bearerToken({ accessToken, expiresIn }), store).authorize('/v1/meta');
    expect(store.tokens.size).toBe(0);
  });
});

describe('one store shared by auth objects with the same credential', () => {
  it('share one token and one password grant (memoryStore locks per key)', async () => {
    const store = memoryStore();
    const a = auth(oidcPassword(server.users.admin), store);
    const b = auth(oidcPassword({ ...server.users.admin }), store);
    const headers = await Promise.all([
      a.authorize('/v1/meta'),
      b.authorize('/v1/meta'),
      a.authorize('/v1/meta'),
      b.authorize('/v1/meta'),
    ]);
    expect(new Set(headers.map((h) => h.Authorization)).size).toBe(1);
    expect(server.stats.tokenRequests).toMatchObject({ total: 1, password: 1 });
  });

  it('share across spellings of the server’s URL (with or without a trailing slash or Weaviate’s /v1)', async () => {
    const store = recordingStore();
    const spellings = [
      server.url,
      `${server.url}/`,
      `${server.url}/v1`,
      `${server.url}/v1/`,
      server.url.toUpperCase(),
    ];
    const all = spellings.map((baseUrl) =>
      auth(oidcPassword({ ...server.users.admin }), store, undefined, baseUrl),
    );
    const headers = await Promise.all(all.map((one) => one.authorize('/v1/meta')));
    expect(new Set(headers.map((h) => h.Authorization)).size).toBe(1);
    expect(server.stats.tokenRequests).toMatchObject({ total: 1, password: 1 });
    expect(store.keys.size).toBe(1);
    expect([...store.keys][0]).toMatch(
      new RegExp(`^@auth/core:${server.url.replace(/[.]/g, '\\.')}:oidc_password:[0-9a-f]{32}$`),
    );
  });

  it('token sources with the same shareKey share; without one they never do', async () => {
    const store = memoryStore();
    let calls = 0;
    const make = (shareKey?: string) =>
      tokenSource(
        () => {
          calls++;
          return { accessToken: `shared-source-${calls}`, expiresIn: 60 };
        },
        shareKey === undefined ? {} : { shareKey },
      );
    const a = auth(make('svc'), store);
    const b = auth(make('svc'), store);
    expect(await a.authorize('/v1/meta')).toEqual(await b.authorize('/v1/meta'));
    expect(calls).toBe(1);
    const c = auth(make(), store);
    expect(bearer(await c.authorize('/v1/meta'))).toBe('shared-source-2');
    expect(() => tokenSource(() => ({ accessToken: 'x' }), { shareKey: '' })).toThrow(ConfigurationError);
  });

  it('a 401 seen by one auth object is seen by all (invalidate), and costs one refresh', async () => {
    const store = memoryStore();
    let refreshing!: () => void;
    const started = new Promise<void>((resolve) => {
      refreshing = resolve;
    });
    const a = auth(oidcPassword(server.users.admin), store, (event) => {
      if (event.type === 'refresh-started' && event.reason === 'unauthorized') refreshing();
    });
    const b = auth(oidcPassword(server.users.admin), store);
    const stale = await a.authorize('/v1/meta');
    expect(await b.authorize('/v1/meta')).toEqual(stale);
    server.faults.revokeAllTokens();
    server.stats.reset();
    server.faults.hangTokenRequests(300); // the refresh takes a while: B asks meanwhile

    const url = new URL('/v1/meta', server.url);
    const handled = a.handleUnauthorized(url, stale);
    await started;
    // B has not seen a 401 itself, and still never gets the token the server refused.
    const meanwhile = await b.authorize(url);
    expect(meanwhile).not.toEqual(stale);
    expect(await handled).toBe(true);
    expect(await a.authorize(url)).toEqual(meanwhile);
    // The revoked refresh token is refused, the password grant replaces it: one refresh for both.
    expect(server.stats.tokenRequests).toMatchObject({ refresh_token: 1, password: 1, total: 2 });
    expect((await send(b, leaks, '/v1/meta')).status).toBe(200);
  });

  it('a storm of 401s for one token tells the store once and costs one refresh', async () => {
    const inner = memoryStore();
    let invalidated = 0;
    const store: TokenStore = {
      ...inner,
      invalidate: (key, stale) => {
        invalidated++;
        return inner.invalidate(key, stale);
      },
    };
    const a = auth(oidcPassword(server.users.admin), store);
    const stale = await a.authorize('/v1/meta');
    server.faults.revokeAllTokens();
    server.stats.reset();
    server.faults.hangTokenRequests(200); // the refresh takes a while: the storm's reports arrive meanwhile

    const url = new URL('/v1/meta', server.url);
    const reports = Array.from({ length: 50 }, () => a.handleUnauthorized(url, stale));
    expect(await Promise.all(reports)).toEqual(Array(50).fill(true));
    expect(invalidated).toBe(1);
    expect(server.stats.tokenRequests).toMatchObject({ refresh_token: 1, password: 1, total: 2 });
    expect((await send(a, leaks, '/v1/meta')).status).toBe(200);
  });
});
