import { startWeaviateServer, type WeaviateServer } from '@auth/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LeakCheck, send } from '../__test__/leaks.js';
import { json, scriptedProviderForFile } from '../__test__/scripted-provider.js';
import {
  type AuthorizationCodeOptions,
  authorizationCode,
  type SignInStorage,
} from '../browser/authorization-code.js';
import { sessionStorageStore } from '../browser/session-storage-store.js';
import { createAuth } from '../create-auth.js';
import { SignInError } from '../errors/sign-in-error.js';
import type { TokenStore } from '../store.js';

let server: WeaviateServer;
const leaks = new LeakCheck();
const scripted = scriptedProviderForFile(leaks);
const redirectUri = 'http://127.0.0.1:5173/callback';

beforeAll(async () => {
  server = await startWeaviateServer();
});
beforeEach(() => {
  server.stats.reset();
});
afterAll(async () => {
  await server.close();
});

/** A browser tab's sessionStorage, in memory. */
class TabStorage implements SignInStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  /** The sign-in waiting for the browser to come back, as the credential keeps it. */
  pending(): { state: string; nonce: string; verifier: string } | undefined {
    const entry = [...this.items].find(([key]) => key.includes(':pending:'));
    return entry ? JSON.parse(entry[1]) : undefined;
  }
}

/** One page load of the app: a credential and an auth object over the tab's storage. */
function page(
  storage: TabStorage,
  options: Partial<AuthorizationCodeOptions> & { store?: TokenStore; baseUrl?: string } = {},
) {
  const { store, baseUrl = server.url, ...credential } = options;
  const signIn = leaks.watch(authorizationCode({ redirectUri, storage, ...credential }));
  const auth = leaks.watch(
    createAuth({ baseUrl, credentials: signIn, onEvent: leaks.onEvent, ...(store ? { store } : {}) }),
  );
  return { signIn, auth };
}

/** Starts a sign-in and has the provider's page filled in: the URL the browser comes back to. */
async function signInAt(signIn: ReturnType<typeof page>['signIn'], storage: TabStorage, user?: 'read-only') {
  const url = await signIn.start();
  leaks.secret(storage.pending()?.verifier);
  const back = await server.signIn(url, user ? { user } : {});
  leaks.secret(new URL(back).searchParams.get('code') ?? undefined);
  return back;
}

describe('authorizationCode() (browser sign-in, driven without a browser)', () => {
  it('sends the browser to the provider with PKCE S256, state and nonce, and signs in on the way back', async () => {
    const storage = new TabStorage();
    const { signIn, auth } = page(storage);
    const url = new URL(await signIn.start());
    expect(`${url.origin}${url.pathname}`).toBe(`${server.issuer}/auth`);
    const pending = storage.pending()!;
    leaks.secret(pending.verifier);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: server.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid email offline_access',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge_method: 'S256',
    });
    expect(url.href).not.toContain(pending.verifier);
    const back = await server.signIn(url.href, { user: 'read-only' });
    leaks.secret(new URL(back).searchParams.get('code') ?? undefined);
    expect(signIn.isRedirect(back)).toBe(true);
    expect(signIn.isRedirect(redirectUri)).toBe(false);
    await signIn.complete(back);
    expect(storage.pending()).toBeUndefined();
    const answer = await send(auth, leaks, '/v1/users/own-info');
    expect(await answer.json()).toMatchObject({ username: server.users.readOnly.username });
    expect(server.stats.tokenRequests.authorization_code).toBe(1);
    // Then like any credential: a 401 renews with the refresh token.
    const headers = await auth.authorize('/v1/meta');
    expect(await auth.handleUnauthorized('/v1/meta', headers)).toBe(true);
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    await auth.close();
  });

  it('before anyone signed in, requests get a SignInError saying what to do', async () => {
    const { auth } = page(new TabStorage());
    await expect(leaks.catching(auth.authorize('/v1/meta'))).rejects.toMatchObject({
      name: 'SignInError',
      reason: 'required',
      message: expect.stringContaining('send the browser to the URL of start()'),
    });
    await auth.close();
  });

  it('a state that no sign-in waits for is refused, and the real sign-in still completes', async () => {
    const storage = new TabStorage();
    const { signIn, auth } = page(storage);
    const back = new URL(await signInAt(signIn, storage));
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state');
    const error = await leaks.catching(signIn.complete(forged)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignInError);
    expect(error).toMatchObject({ reason: 'state_mismatch' });
    expect((error as Error).message).toMatch(/not the one of the sign-in started here/);
    await signIn.complete(back);
    expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
    await auth.close();
  });

  it('a replayed code: the same page twice is a state mismatch, the same code elsewhere the provider refuses', async () => {
    const storage = new TabStorage();
    const first = page(storage);
    const back = await signInAt(first.signIn, storage);
    // Another tab with a copy of the waiting sign-in.
    const copy = new TabStorage();
    for (const [key, value] of storage.items) copy.setItem(key, value);
    await first.signIn.complete(back);
    await expect(leaks.catching(first.signIn.complete(back))).rejects.toMatchObject({
      reason: 'state_mismatch',
      message: expect.stringContaining('No sign-in started here is waiting'),
    });
    const other = page(copy);
    await expect(leaks.catching(other.signIn.complete(back))).rejects.toMatchObject({
      name: 'SignInError',
      reason: 'code_rejected',
      error: 'invalid_grant',
      message: expect.stringContaining('a code works once'),
    });
    await first.auth.close();
    await other.auth.close();
  });

  it('a declined sign-in comes back as access_denied', async () => {
    const storage = new TabStorage();
    const { signIn, auth } = page(storage);
    const back = await server.signIn(await signIn.start(), { deny: true });
    await expect(leaks.catching(signIn.complete(back))).rejects.toMatchObject({
      reason: 'access_denied',
      error: 'access_denied',
      message: expect.stringContaining('The sign-in was declined at the provider'),
    });
    await auth.close();
  });

  it('an ID token whose nonce is not the sign-in’s is refused as a state mismatch', async () => {
    const storage = new TabStorage();
    const { signIn, auth } = page(storage);
    const back = await signInAt(signIn, storage);
    const [key, value] = [...storage.items].find(([k]) => k.includes(':pending:'))!;
    storage.setItem(key, JSON.stringify({ ...JSON.parse(value), nonce: 'another-nonce' }));
    await expect(leaks.catching(signIn.complete(back))).rejects.toMatchObject({
      reason: 'state_mismatch',
      message: expect.stringMatching(/ID token's nonce or issuer is another's/),
    });
    await auth.close();
  });

  it('sessionStorageStore(): a reload finds the token; a new sign-in never gets the earlier one', async () => {
    const storage = new TabStorage();
    const first = page(storage, { store: sessionStorageStore({ storage }) });
    await first.signIn.complete(await signInAt(first.signIn, storage, 'read-only'));
    const before = leaks.headers(await first.auth.authorize('/v1/meta'));
    await first.auth.close();
    expect(JSON.stringify([...storage.items])).toContain('refreshToken');

    const reloaded = page(storage, { store: sessionStorageStore({ storage }) });
    expect(await reloaded.auth.authorize('/v1/meta')).toEqual(before);
    expect(server.stats.tokenRequests.authorization_code).toBe(1);
    // Signing in as someone else: the page that comes back completes before its first request.
    const back = await signInAt(reloaded.signIn, storage);
    await expect(reloaded.signIn.complete(back)).rejects.toThrow(
      /complete\(\) came after this page's first authorize\(\)/,
    );
    await reloaded.auth.close();
    const returned = page(storage, { store: sessionStorageStore({ storage }) });
    await returned.signIn.complete(back);
    const after = await send(returned.auth, leaks, '/v1/users/own-info');
    expect(await after.json()).toMatchObject({ username: server.users.admin.username });
    await returned.auth.close();
  });

  it('refuses what a browser cannot use', async () => {
    const storage = new TabStorage();
    expect(() => authorizationCode({ redirectUri, storage, clientSecret: 's' } as never)).toThrow(
      /cannot keep a client secret/,
    );
    expect(() => authorizationCode({ redirectUri: '/callback', storage })).toThrow(/absolute http\(s\) URL/);
    expect(() => authorizationCode({ redirectUri })).toThrow(/no sessionStorage here/);
    const unbound = authorizationCode({ redirectUri, storage });
    await expect(unbound.start()).rejects.toThrow(
      /give the credential to createAuth\(\) before calling start\(\)/,
    );
    expect(() => sessionStorageStore()).toThrow(/no sessionStorage here/);
  });
});

describe('authorizationCode() against a provider that echoes what it was sent', () => {
  it('never shows the code, the verifier or the state', async () => {
    const { weaviate, issuer } = scripted.current.issuer('echo-code', {
      metadata: { authorization_endpoint: `${scripted.current.origin}/p/echo-code/authorize` },
      token: (form) =>
        json(400, {
          error: 'invalid_request',
          error_description: `bad ${form.get('code')} / ${form.get('code_verifier')}`,
        }),
    });
    const storage = new TabStorage();
    const { signIn, auth } = page(storage, { baseUrl: weaviate });
    const url = new URL(await signIn.start());
    expect(url.href.startsWith(`${issuer}/authorize?`)).toBe(true);
    const { verifier, state } = storage.pending()!;
    const code = 'authorization-code-0123456789';
    leaks.secret(verifier, code);
    const error = await leaks
      .catching(signIn.complete(`${redirectUri}?code=${code}&state=${state}`))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TokenRequestError', error: 'invalid_request' });
    expect((error as Error).message).toContain('bad [redacted] / [redacted]');
    await auth.close();
  });
});
