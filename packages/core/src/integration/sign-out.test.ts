import type { WeaviateServer } from '@auth/testing';
import { describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { createAuth } from '../create-auth.js';
import { bearerToken } from '../credentials/bearer-token.js';
import { clientCredentials } from '../credentials/client-credentials.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { SignedOutError } from '../errors/signed-out-error.js';
import type { Credentials } from '../index.js';
import { memoryStore, type StoredToken, type TokenStore } from '../store.js';

let server: WeaviateServer;
const leaks = embeddedServerForFile({ accessTokenTtl: 60 }, (started) => {
  server = started;
});

/** A store that remembers every token written to it (to check the refresh token at the provider later). */
function recordingStore(): TokenStore & { written: StoredToken[]; deleted: string[] } {
  const inner = memoryStore();
  const written: StoredToken[] = [];
  const deleted: string[] = [];
  return {
    ...inner,
    written,
    deleted,
    set: (key, token, options) => {
      written.push(token);
      inner.set(key, token, options);
    },
    delete: (key) => {
      deleted.push(key);
      inner.delete(key);
    },
  };
}

function auth(credentials: Credentials, options: { store?: TokenStore; revokeOnClose?: boolean } = {}) {
  return leaks.watch(
    createAuth({
      baseUrl: server.url,
      credentials: leaks.watch(credentials),
      onEvent: leaks.onEvent,
      ...options,
    }),
  );
}

/** Whether the provider still accepts `refreshToken` (a fresh auth object that starts from it alone). */
async function accepted(refreshToken: string): Promise<boolean> {
  const probe = auth(bearerToken({ refreshToken }));
  try {
    await probe.authorize('/v1/meta');
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ReauthenticationRequiredError);
    return false;
  } finally {
    await probe.close();
  }
}

describe('starting from a refresh token alone: bearerToken({ refreshToken })', () => {
  it('runs the refresh-token grant on the first request, then behaves like any bearer token', async () => {
    const { refreshToken } = await server.issueTokens();
    leaks.secret(refreshToken);
    server.stats.reset();
    const client = auth(bearerToken({ refreshToken }));
    expect(server.stats.tokenRequests.total).toBe(0);
    expect((await send(client, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    expect(server.stats.tokenRequests.total).toBe(1);
    await client.close();
  });

  it('refuses neither token with a clear error', () => {
    expect(() => bearerToken({} as never)).toThrow(
      /bearerToken\(\): `accessToken` is missing.*bearerToken\(\{ refreshToken \}\)/,
    );
    expect(() => bearerToken({ accessToken: 'a' } as never)).toThrow(
      /`expiresIn` must be the number of seconds/,
    );
  });
});

describe('signOut()', () => {
  it('revokes the refresh token at the provider, forgets the token and says it is signed out', async () => {
    const store = recordingStore();
    const client = auth(
      oidcPassword({ username: server.users.admin.username, password: server.users.admin.password }),
      { store },
    );
    expect((await send(client, leaks, '/v1/meta')).status).toBe(200);
    const refreshToken = store.written.at(-1)?.refreshToken;
    expect(refreshToken).toEqual(expect.any(String));
    leaks.secret(refreshToken!);
    await client.signOut();
    await expect(client.authorize('/v1/meta')).rejects.toThrow(SignedOutError);
    await expect(client.authorize('/v1/meta')).rejects.toThrow(/signed out: create a new one/);
    expect(store.written).toHaveLength(1);
    expect(store.deleted).toHaveLength(1);
    expect(await store.get(store.deleted[0]!)).toBeUndefined();
    // Asserted at the provider: the refresh token is refused now.
    expect(await accepted(refreshToken!)).toBe(false);
    await client.close(); // closing a signed-out object is fine
  });

  it('forgets the token in a shared store for every auth object sharing it', async () => {
    const store = memoryStore();
    const credentials = oidcPassword({
      username: server.users.admin.username,
      password: server.users.admin.password,
    });
    const a = auth(credentials, { store });
    const b = auth(credentials, { store });
    await a.authorize('/v1/meta');
    await b.authorize('/v1/meta');
    expect(server.stats.tokenRequests.password).toBe(1);
    await a.signOut();
    // b finds no token in the store and signs in again with its own password grant.
    expect((await send(b, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.password).toBe(2);
    await b.close();
  });

  it('with { revoke: false } only forgets the token: the refresh token stays valid', async () => {
    const store = recordingStore();
    const client = auth(
      oidcPassword({ username: server.users.admin.username, password: server.users.admin.password }),
      { store },
    );
    await client.authorize('/v1/meta');
    const refreshToken = store.written.at(-1)!.refreshToken!;
    leaks.secret(refreshToken);
    await client.signOut({ revoke: false });
    await expect(client.authorize('/v1/meta')).rejects.toThrow(SignedOutError);
    expect(store.deleted).toHaveLength(1); // forgotten all the same
    expect(await accepted(refreshToken)).toBe(true);
  });

  it('revokeOnClose: close() signs out', async () => {
    const store = recordingStore();
    const client = auth(
      oidcPassword({ username: server.users.admin.username, password: server.users.admin.password }),
      {
        store,
        revokeOnClose: true,
      },
    );
    await client.authorize('/v1/meta');
    const refreshToken = store.written.at(-1)!.refreshToken!;
    leaks.secret(refreshToken);
    await client.close();
    await expect(client.authorize('/v1/meta')).rejects.toThrow(SignedOutError);
    expect(await accepted(refreshToken)).toBe(false);
  });

  it('client credentials revoke as the confidential client; an API key has nothing to revoke', async () => {
    const cc = auth(
      clientCredentials({
        clientId: server.clients.service.clientId,
        clientSecret: server.clients.service.clientSecret,
      }),
    );
    await cc.authorize('/v1/meta');
    await cc.signOut(); // no refresh token: nothing to revoke (a JWT access token just expires)
    await expect(cc.authorize('/v1/meta')).rejects.toThrow(SignedOutError);
    const key = auth((await import('../credentials/api-key.js')).apiKey(server.keys.admin));
    await key.authorize('/v1/meta');
    await key.signOut();
    await expect(key.authorize('/v1/meta')).rejects.toThrow(SignedOutError);
  });

  it('a credential that cannot revoke is only forgotten; signing out twice says it is signed out', async () => {
    const credentials: Credentials = {
      kind: 'custom',
      bind: () => ({
        grant: 'token_source',
        renewable: true,
        obtain: async () => ({ accessToken: 'custom-token', expiresIn: 60 }),
      }),
    };
    const client = auth(credentials);
    await client.authorize('/v1/meta');
    await client.signOut();
    await expect(client.signOut()).rejects.toThrow(SignedOutError);
  });
});
