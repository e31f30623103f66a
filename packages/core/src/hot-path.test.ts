import { describe, expect, it } from 'vitest';
import { createAuth } from './create-auth.js';
import { tokenSource } from './credentials/token-source.js';
import { memoryStore, type StoredToken, type TokenStore } from './store.js';

const baseUrl = 'https://api.example.com';

function source() {
  let issued = 0;
  const credentials = tokenSource(() => {
    issued++;
    return { accessToken: `token-${issued}`, expiresIn: 3600 };
  });
  return { credentials, issued: () => issued };
}

describe('authorize(): the origin check with the last URL remembered', () => {
  it('checks every different string: the same path on another host never gets the credential', async () => {
    const auth = createAuth({ baseUrl, credentials: source().credentials });
    try {
      const ok = { Authorization: 'Bearer token-1' };
      expect(await auth.authorize('/v1/meta')).toEqual(ok);
      expect(await auth.authorize('/v1/meta')).toEqual(ok);
      expect(await auth.authorize('https://evil.example.com/v1/meta')).toEqual({});
      expect(await auth.authorize('https://evil.example.com/v1/meta')).toEqual({});
      expect(await auth.authorize(`${baseUrl}/v1/meta`)).toEqual(ok);
      expect(await auth.authorize('//evil.example.com/v1/meta')).toEqual({});
      expect(await auth.authorize('http://api.example.com/v1/meta')).toEqual({}); // another origin (scheme)
      expect(await auth.authorize('v1/meta')).toEqual(ok); // relative to the base
      expect(await auth.authorize('not a url at all::')).toEqual(ok); // a relative path, resolved on the base
      expect(await auth.authorize('https://[bad')).toEqual({});
    } finally {
      await auth.close();
    }
  });

  it('checks a URL object on every call, even the same object changed in place', async () => {
    const auth = createAuth({ baseUrl, credentials: source().credentials });
    try {
      const url = new URL('/v1/meta', baseUrl);
      expect(await auth.authorize(url)).toEqual({ Authorization: 'Bearer token-1' });
      url.host = 'evil.example.com';
      expect(await auth.authorize(url)).toEqual({});
      // A string equal to the last string seen is still answered right after URL objects in between.
      expect(await auth.authorize(url.href)).toEqual({});
      expect(await auth.authorize(url.href)).toEqual({});
    } finally {
      await auth.close();
    }
  });

  it('honours allowedOrigins with the remembered answer too', async () => {
    const auth = createAuth({
      baseUrl,
      allowedOrigins: ['https://backup.example.com'],
      credentials: source().credentials,
    });
    try {
      for (let i = 0; i < 3; i++) {
        expect(await auth.authorize('https://backup.example.com/v1/meta')).toEqual({
          Authorization: 'Bearer token-1',
        });
        expect(await auth.authorize('https://other.example.com/v1/meta')).toEqual({});
      }
    } finally {
      await auth.close();
    }
  });
});

describe('authorize(): the synchronous path for a fresh token', () => {
  it('still rejects for a closed auth object and an aborted signal', async () => {
    const { credentials, issued } = source();
    const auth = createAuth({ baseUrl, credentials });
    await auth.authorize('/v1/meta');
    const reason = new Error('caller gave up');
    await expect(auth.authorize('/v1/meta', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await auth.close();
    await expect(auth.authorize('/v1/meta')).rejects.toMatchObject({ name: 'AuthClosedError' });
    expect(issued()).toBe(1);
  });

  it('reads an asynchronous store once per call (the fast path does not ask it twice)', async () => {
    const inner = memoryStore();
    let reads = 0;
    const store: TokenStore = {
      get: async (key) => {
        reads++;
        return inner.get(key) as StoredToken | undefined;
      },
      set: inner.set,
      delete: inner.delete,
    };
    const { credentials, issued } = source();
    const auth = createAuth({ baseUrl, credentials, store });
    try {
      await auth.authorize('/v1/meta');
      const before = reads;
      for (let i = 0; i < 10; i++) {
        expect(await auth.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer token-1' });
      }
      expect(reads - before).toBe(10);
      expect(issued()).toBe(1);
    } finally {
      await auth.close();
    }
  });

  it('a synchronous store with a token that expired refreshes as before (no stale token from the fast path)', async () => {
    const inner = memoryStore();
    let key = '';
    const store: TokenStore = {
      get: (k) => {
        key = k;
        return inner.get(k);
      },
      set: inner.set,
      delete: inner.delete,
    };
    const { credentials, issued } = source();
    const auth = createAuth({ baseUrl, credentials, store });
    try {
      expect(await auth.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer token-1' });
      const stored = inner.get(key) as StoredToken;
      inner.set(key, { ...stored, expiresAt: Date.now() - 1 });
      expect(await auth.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer token-2' });
      expect(issued()).toBe(2);
    } finally {
      await auth.close();
    }
  });
});
