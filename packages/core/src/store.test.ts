import { describe, expect, it, vi } from 'vitest';
import { createAuth } from './create-auth.js';
import { oidcPassword } from './credentials/oidc-password.js';
import { tokenSource } from './credentials/token-source.js';
import { AuthError } from './errors/auth-error.js';
import type { AuthEvent, AuthEventListener } from './events.js';
import { memoryStore, type TokenStore } from './store.js';
import { storeKey } from './store-key.js';

describe('memoryStore', () => {
  it('lock runs one task at a time per key, and other keys in parallel', async () => {
    const store = memoryStore();
    const order: string[] = [];
    const never = new AbortController().signal;
    const task = (name: string, ms: number) => async (lease?: AbortSignal) => {
      expect(lease).toBeUndefined(); // an in-process lock is never lost: no lease to watch
      order.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      order.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      store.lock('k', task('a', 30), never),
      store.lock('k', task('b', 1), never),
      store.lock('other', task('c', 1), never),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(order.indexOf('b start')).toBeGreaterThan(order.indexOf('a end'));
    expect(order.indexOf('c end')).toBeLessThan(order.indexOf('a end'));
  });

  it('lock: a waiter whose signal aborts stops waiting without running its task; the queue goes on', async () => {
    const store = memoryStore();
    const never = new AbortController().signal;
    let release!: () => void;
    const holding = store.lock('k', () => new Promise<void>((resolve) => (release = resolve)), never);
    const controller = new AbortController();
    let ran = false;
    const waiter = store.lock(
      'k',
      async () => {
        ran = true;
      },
      controller.signal,
    );
    const reason = new Error('closed');
    controller.abort(reason);
    await expect(waiter).rejects.toBe(reason);
    const next = store.lock('k', async () => 'next', never);
    release();
    await holding;
    expect(await next).toBe('next');
    expect(ran).toBe(false);
  });

  it('lock: a failing task releases the lock', async () => {
    const store = memoryStore();
    const never = new AbortController().signal;
    await expect(store.lock('k', () => Promise.reject(new Error('boom')), never)).rejects.toThrow('boom');
    await expect(store.lock('k', async () => 'after', never)).resolves.toBe('after');
  });

  it('set with ifAbsent writes only where nothing is stored', () => {
    const store = memoryStore();
    store.set('k', { accessToken: 'first', obtainedAt: 0 }, { ifAbsent: true });
    store.set('k', { accessToken: 'seed', obtainedAt: 1 }, { ifAbsent: true });
    expect(store.get('k')?.accessToken).toBe('first');
    store.set('k', { accessToken: 'refreshed', obtainedAt: 2 });
    expect(store.get('k')?.accessToken).toBe('refreshed');
  });

  it('invalidate marks the stored token expired only when it is the stale one, keeping its refresh token', () => {
    const store = memoryStore();
    const now = Date.now();
    store.set('k', { accessToken: 'new', refreshToken: 'r', obtainedAt: now, expiresAt: now + 60_000 });
    store.invalidate('k', 'old');
    expect(store.get('k')).toMatchObject({ accessToken: 'new', expiresAt: now + 60_000 });
    store.invalidate('k', 'new');
    const marked = store.get('k') as { expiresAt: number; refreshToken: string };
    expect(marked.expiresAt).toBeLessThanOrEqual(Date.now());
    expect(marked.refreshToken).toBe('r');
    store.invalidate('missing', 'new');
    expect(store.get('missing')).toBeUndefined();
  });
});

describe('TokenStore.bind', () => {
  it('lets a shared store report through each auth object’s onEvent, until it closes', async () => {
    const listeners = new Set<AuthEventListener>();
    const store: TokenStore = {
      ...memoryStore(),
      bind: (emit) => {
        listeners.add(emit);
        return () => listeners.delete(emit);
      },
    };
    const seenA: AuthEvent[] = [];
    const seenB: AuthEvent[] = [];
    const credentials = tokenSource(() => ({ accessToken: 'token' }));
    const a = createAuth({
      baseUrl: 'http://127.0.0.1:1',
      credentials,
      store,
      onEvent: (e) => seenA.push(e),
    });
    const b = createAuth({
      baseUrl: 'http://127.0.0.1:1',
      credentials,
      store,
      onEvent: (e) => seenB.push(e),
    });
    // Bound when each auth object first uses the store.
    expect(listeners.size).toBe(0);
    await Promise.all([a.authorize('/v1/meta'), b.authorize('/v1/meta')]);
    expect(listeners.size).toBe(2);
    const error = new AuthError('The store is down (test). Check it.', 'AUTH_TEST_STORE');
    for (const emit of listeners) emit({ type: 'store-unavailable', error });
    const storeEvents = (seen: AuthEvent[]) => seen.filter((event) => event.type.startsWith('store-'));
    expect(storeEvents(seenA)).toEqual([{ type: 'store-unavailable', error }]);
    expect(storeEvents(seenB)).toEqual([{ type: 'store-unavailable', error }]);
    await a.close();
    expect(listeners.size).toBe(1);
    await b.close();
    expect(listeners.size).toBe(0);
  });

  it('is not called for a credential that never uses the shared store, and bad store methods are refused', () => {
    const store: TokenStore = { ...memoryStore(), lock: 'yes' as never };
    expect(() =>
      createAuth({
        baseUrl: 'http://127.0.0.1:1',
        credentials: oidcPassword({ username: 'u', password: 'p' }),
        store,
      }),
    ).toThrow(/`store.lock` must be a function/);
  });
});

describe('storeKey', () => {
  const provider = (parts: string[], lowEntropy = false) => ({
    grant: 'password',
    renewable: true,
    identity: 'alice',
    keyMaterial: () => ({ parts, lowEntropy }),
  });
  const credentials = { kind: 'oidc_password', bind: () => provider([]) };

  it('is the same for the same material, different for another, and never holds the material', async () => {
    const base = 'https://api.example.com';
    const one = await storeKey(base, credentials, provider(['pw-1'], true));
    expect(one).toMatch(/^@auth\/core:https:\/\/api\.example\.com:oidc_password:[0-9a-f]{32}$/);
    expect(await storeKey(base, { ...credentials }, provider(['pw-1'], true))).toBe(one);
    expect(await storeKey(base, credentials, provider(['pw-2'], true))).not.toBe(one);
    expect(await storeKey(base, credentials, provider(['pw-1'], false))).not.toBe(one); // SHA-256, not PBKDF2
    expect(await storeKey('https://other.example.com', credentials, provider(['pw-1'], true))).not.toContain(
      one.slice(-32),
    );
    expect(one).not.toContain('alice');
  });

  it('names the server: every spelling of one server is one key, another server (or proxy path) another', async () => {
    const key = (base: string) => storeKey(base, credentials, provider(['secret']));
    const root = await key('https://api.example.com');
    for (const same of ['https://api.example.com/v1', 'https://api.example.com/v1/']) {
      expect(await key(same)).toBe(root);
    }
    const proxied = await key('https://api.example.com/weaviate');
    expect(await key('https://api.example.com/weaviate/v1')).toBe(proxied);
    expect(proxied).toMatch(/^@auth\/core:https:\/\/api\.example\.com\/weaviate:oidc_password:/);
    expect(new Set([root, proxied, await key('https://api.example.com/v2')]).size).toBe(3);
  });

  it('falls back to a random id of the credential object where Web Crypto is missing (never shares wrongly)', async () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: real.getRandomValues.bind(real) });
    try {
      const a = await storeKey('https://x', credentials, provider(['pw'], true));
      const b = await storeKey('https://x', { ...credentials }, provider(['pw'], true));
      expect(a).not.toBe(b);
      expect(await storeKey('https://x', credentials, provider(['pw'], true))).toBe(a);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
