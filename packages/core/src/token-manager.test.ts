import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeProvider, fakeProvider, invalidGrant } from './__test__/fake-provider.js';
import type { TokenProvider } from './credentials/credentials.js';
import { AuthClosedError } from './errors/auth-closed-error.js';
import { InvalidTokenResponseError } from './errors/invalid-token-response-error.js';
import { ReauthenticationRequiredError } from './errors/reauthentication-required-error.js';
import { TokenRequestError } from './errors/token-request-error.js';
import type { AuthEvent } from './events.js';
import { memoryStore, type StoredToken, type TokenStore } from './store.js';
import { TokenManager } from './token-manager.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(provider: FakeProvider, store: TokenStore = memoryStore()) {
  const events: AuthEvent[] = [];
  const manager = new TokenManager({
    provider,
    kind: 'test',
    store,
    key: 'key',
    emit: (event) => events.push(event),
    now: () => Date.now(),
    random: () => 0.5,
  });
  const close = () => manager.close(new AuthClosedError());
  return { manager, events, close };
}

/** Whether `promise` has settled after the microtask queue drained. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

const types = (events: AuthEvent[]) => events.map((event) => event.type);

describe('TokenManager', () => {
  it('serves a fresh token with no request and no timer', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager } = setup(provider);
    const first = manager.token();
    await vi.advanceTimersByTimeAsync(10);
    expect(await first).toBe('access-1');
    for (let i = 0; i < 100; i++) expect(await manager.token()).toBe('access-1');
    expect(provider.stats.obtain).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps serving the current token while one background refresh runs in the refresh-ahead window', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager, events } = setup(provider);
    const first = manager.token();
    await vi.advanceTimersByTimeAsync(10);
    await first;
    await vi.advanceTimersByTimeAsync(40_000); // window starts at 39 s (60 - 6 margin - 15)
    const during = await Promise.all(Array.from({ length: 50 }, () => manager.token()));
    expect(new Set(during)).toEqual(new Set(['access-1']));
    await vi.advanceTimersByTimeAsync(0); // the background refresh gets through the store and the lock
    expect(provider.stats.obtain).toBe(2);
    expect(events).toContainEqual({ type: 'refresh-started', grant: 'password', reason: 'refresh-ahead' });
    await vi.advanceTimersByTimeAsync(10);
    expect(await manager.token()).toBe('access-2');
    expect(provider.stats.obtain).toBe(2);
  });

  it('starts the background refresh where refreshAhead says (google-auth-library eagerRefreshThresholdMillis)', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const events: AuthEvent[] = [];
    const manager = new TokenManager({
      provider,
      kind: 'test',
      store: memoryStore(),
      key: 'key',
      emit: (event) => events.push(event),
      refreshAhead: 20_000,
      random: () => 0.5,
    });
    const first = manager.token();
    await vi.advanceTimersByTimeAsync(10);
    await first;
    await vi.advanceTimersByTimeAsync(33_000); // the window starts at 34 s (54 s - 20 s), not at 39 s
    expect(await manager.token()).toBe('access-1');
    expect(provider.stats.obtain).toBe(1);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(await manager.token()).toBe('access-1');
    await vi.advanceTimersByTimeAsync(0);
    expect(provider.stats.obtain).toBe(2);
    expect(events).toContainEqual({ type: 'refresh-started', grant: 'password', reason: 'refresh-ahead' });
    await manager.close(new AuthClosedError());
  });

  it('makes callers wait only once the token is expired', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager } = setup(provider);
    const first = manager.token();
    await vi.advanceTimersByTimeAsync(10);
    await first;
    await vi.advanceTimersByTimeAsync(55_000); // past 54 s: inside the safety margin
    const waiting = manager.token();
    expect(await settled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(await waiting).toBe('access-2');
  });

  it('runs one token request for 1,000 concurrent callers', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager } = setup(provider);
    const callers = Array.from({ length: 1_000 }, () => manager.token());
    await vi.advanceTimersByTimeAsync(10);
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['access-1']));
    expect(provider.stats.obtain).toBe(1);
    expect(provider.stats.maxInFlight).toBe(1);
  });

  it('uses the refresh token first and keeps the rotated one', async () => {
    const provider = fakeProvider({ lifetime: 1, refreshTokens: true });
    const { manager, events } = setup(provider);
    for (const expected of ['access-1', 'access-2', 'access-3']) {
      const token = manager.token();
      await vi.advanceTimersByTimeAsync(10);
      expect(await token).toBe(expected);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(provider.stats.obtain).toBe(1);
    expect(provider.stats.refresh).toEqual(['refresh-1', 'refresh-2']);
    expect(events.filter((event) => event.type === 'refresh-succeeded')).toEqual([
      { type: 'refresh-succeeded', grant: 'password', expiresIn: 1, hasRefreshToken: true },
      { type: 'refresh-succeeded', grant: 'refresh_token', expiresIn: 1, hasRefreshToken: true },
      { type: 'refresh-succeeded', grant: 'refresh_token', expiresIn: 1, hasRefreshToken: true },
    ]);
  });

  it('falls back to the primary grant when the refresh token is refused (invalid_grant)', async () => {
    const provider = fakeProvider({ lifetime: 1, refreshTokens: true });
    const { manager, events } = setup(provider);
    const first = manager.token();
    await vi.advanceTimersByTimeAsync(10);
    await first;
    await vi.advanceTimersByTimeAsync(1_000);
    provider.fail(1, invalidGrant);
    events.length = 0;
    const second = manager.token();
    await vi.advanceTimersByTimeAsync(20);
    expect(await second).toBe('access-2');
    expect(provider.stats.refresh).toEqual(['refresh-1']);
    expect(provider.stats.obtain).toBe(2);
    expect(types(events)).toEqual([
      'refresh-started',
      'refresh-failed',
      'refresh-started',
      'refresh-succeeded',
    ]);
    expect(events[1]).toMatchObject({ grant: 'refresh_token', willRetry: true });
    expect(events[2]).toEqual({ type: 'refresh-started', grant: 'password', reason: 'invalid_grant' });
  });

  it('asks for reauthentication when a refused refresh token has no primary grant behind it', async () => {
    const provider = fakeProvider({
      primary: false,
      refreshTokens: true,
      initial: { accessToken: 'given', expiresIn: 1, refreshToken: 'given-refresh' },
    });
    const store = memoryStore();
    const { manager } = setup(provider, store);
    expect(await manager.token()).toBe('given');
    await vi.advanceTimersByTimeAsync(1_000);
    provider.fail(1, invalidGrant);
    const refused = manager.token();
    const assertion = expect(refused).rejects.toThrow(ReauthenticationRequiredError);
    await vi.advanceTimersByTimeAsync(10);
    await assertion;
    await expect(refused).rejects.toThrow(/refused the refresh token \(invalid_grant\)/);
    // Marked refused in the store, not deleted (a process sharing it must not write its copy back), and
    // later calls still give the real reason.
    expect(store.get('key')).toMatchObject({ accessToken: 'given', refreshToken: undefined, refused: true });
    for (let i = 0; i < 2; i++) {
      const again = manager.token();
      const later = expect(again).rejects.toThrow(ReauthenticationRequiredError);
      await vi.advanceTimersByTimeAsync(1_000);
      await later;
      await expect(again).rejects.toThrow(/refused the refresh token \(invalid_grant\)/);
    }
    expect(provider.stats.refresh).toEqual(['given-refresh']);
  });

  it('never hands out a token that expired before it arrived: asks again within the retry policy', async () => {
    // Each answer takes 300 ms and carries a 0.3 s token: dead on arrival.
    const provider = fakeProvider({ lifetime: 0.3, delay: 300 });
    const { manager, events } = setup(provider);
    const waiting = manager.token();
    const assertion = expect(waiting).rejects.toThrow(InvalidTokenResponseError);
    await vi.advanceTimersByTimeAsync(60_000);
    await assertion;
    await expect(waiting).rejects.toThrow(
      /expired by the time it arrived \(it lived 0\.3 s, the request took 0\.3 s\)/,
    );
    const error = await waiting.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ grant: 'password', transient: true });
    // 1 + 3 attempts (the default retry policy), then the error: no loop.
    expect(provider.stats.obtain).toBe(4);
    const failures = events.filter((event) => event.type === 'refresh-failed');
    expect(failures.map((event) => event.willRetry)).toEqual([true, true, true, false]);
    expect(events.filter((event) => event.type === 'refresh-succeeded')).toEqual([]);

    // A one-off slow answer: the next attempt brings a live token, and that is what the caller gets.
    const slowOnce = fakeProvider({ lifetime: 0.3, delay: 300 });
    const second = setup(slowOnce);
    const token = second.manager.token();
    await vi.advanceTimersByTimeAsync(300); // the first answer arrives dead
    slowOnce.delay = 10;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await token).toBe('access-2');
    expect(slowOnce.stats.obtain).toBe(2);
  });

  it('keeps the rotated refresh token of an answer that could not be used', async () => {
    let serial = 0;
    const refreshed: string[] = [];
    const provider: TokenProvider = {
      grant: 'refresh_token',
      renewable: true,
      initial: () => ({ accessToken: 'given', expiresIn: 1, refreshToken: 'refresh-0' }),
      async refresh(refreshToken) {
        refreshed.push(refreshToken);
        serial++;
        // The first answer's access token is unusable, but the provider rotated the refresh token anyway.
        return {
          accessToken: serial === 1 ? 'bad\ntoken' : `access-${serial}`,
          expiresIn: 60,
          refreshToken: `refresh-${serial}`,
        };
      },
    };
    const { manager } = setup(provider as FakeProvider);
    expect(await manager.token()).toBe('given');
    await vi.advanceTimersByTimeAsync(1_000);
    const first = manager.token();
    const assertion = expect(first).rejects.toThrow(InvalidTokenResponseError);
    await vi.advanceTimersByTimeAsync(10);
    await assertion;
    await expect(first).rejects.toThrow(/whitespace or control characters/);
    await expect(first).rejects.not.toThrow(/bad/);
    const second = manager.token();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await second).toBe('access-2');
    expect(refreshed).toEqual(['refresh-0', 'refresh-1']);
  });

  it('seeds a token known up front only where the store holds nothing: a newer one stored meanwhile wins', async () => {
    const inner = memoryStore();
    const now = Date.now();
    const newer: StoredToken = {
      accessToken: 'newer',
      refreshToken: 'r-newer',
      obtainedAt: now,
      expiresAt: now + 60_000,
    };
    let raced = false;
    // Another process stores its refreshed token after this one found the store empty, before it seeds.
    const store: TokenStore = {
      ...inner,
      set: (key, token, options) => {
        if (!raced) inner.set(key, newer);
        raced = true;
        inner.set(key, token, options);
      },
    };
    const provider = fakeProvider({
      primary: false,
      refreshTokens: true,
      initial: { accessToken: 'given', expiresIn: 60, refreshToken: 'given-refresh' },
    });
    const { manager } = setup(provider, store);
    expect(await manager.token()).toBe('newer');
    expect(inner.get('key')).toEqual(newer);
    expect(provider.stats.refresh).toEqual([]);
  });

  it('never hands out an expired token when there is no way to renew it', async () => {
    const provider = fakeProvider({ primary: false, initial: { accessToken: 'given', expiresIn: 1 } });
    const { manager } = setup(provider);
    expect(await manager.token()).toBe('given');
    await vi.advanceTimersByTimeAsync(900);
    await expect(manager.token()).rejects.toThrow(/the token expired and there is no refresh token/);
  });

  it('retries transient failures with backoff while the valid token keeps serving', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager, events } = setup(provider);
    const first = manager.token();
    await vi.advanceTimersByTimeAsync(10);
    await first;
    provider.fail(2);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(await manager.token()).toBe('access-1'); // starts the background refresh
    await vi.advanceTimersByTimeAsync(10); // attempt 1 fails; backoff 187.5 ms (jitter 0.5)
    expect(await manager.token()).toBe('access-1');
    await vi.advanceTimersByTimeAsync(187);
    expect(provider.stats.obtain).toBe(2);
    await vi.advanceTimersByTimeAsync(1 + 500); // attempt 2 (after the 500 ms spacing) fails; backoff 375 ms
    expect(await manager.token()).toBe('access-1');
    await vi.advanceTimersByTimeAsync(375 + 500 + 10);
    expect(await manager.token()).toBe('access-2');
    expect(provider.stats.obtain).toBe(4);
    expect(provider.stats.maxInFlight).toBe(1);
    const failures = events.filter((event) => event.type === 'refresh-failed');
    expect(failures.map((event) => event.willRetry)).toEqual([true, true]);
  });

  it('gives up after a bounded number of retries and reports the error', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager, events } = setup(provider);
    provider.fail(100);
    const waiting = manager.token();
    const assertion = expect(waiting).rejects.toThrow(TokenRequestError);
    await vi.advanceTimersByTimeAsync(60_000);
    await assertion;
    expect(provider.stats.obtain).toBe(4);
    const failures = events.filter((event) => event.type === 'refresh-failed');
    expect(failures.map((event) => event.willRetry)).toEqual([true, true, true, false]);
  });

  it("honours a provider's Retry-After before retrying, capped at the policy's longest delay", async () => {
    const rateLimited = (retryAfter: number) => () =>
      new TokenRequestError('rate limited (test)', {
        grant: 'password',
        status: 429,
        transient: true,
        retryAfter,
      });
    const provider = fakeProvider({ lifetime: 60 });
    const { manager, events } = setup(provider);
    provider.fail(1, rateLimited(2));
    const waiting = manager.token();
    await vi.advanceTimersByTimeAsync(1_900); // the backoff alone would have retried after 187.5 ms
    expect(provider.stats.obtain).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(await waiting).toBe('access-1');
    expect(provider.stats.obtain).toBe(2);
    expect(events.find((event) => event.type === 'refresh-failed')).toMatchObject({
      willRetry: true,
      error: { status: 429, retryAfter: 2 },
    });

    // An hour is not honoured: the wait is capped at maxDelay (5 s by default).
    const capped = fakeProvider({ lifetime: 60 });
    const second = setup(capped);
    capped.fail(1, rateLimited(3_600));
    const token = second.manager.token();
    await vi.advanceTimersByTimeAsync(4_900);
    expect(capped.stats.obtain).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(await token).toBe('access-1');
  });

  it('spaces token requests so that very short lifetimes cannot cause a storm', async () => {
    const provider = fakeProvider({ lifetime: 0.01, delay: 1 });
    const { manager } = setup(provider);
    const calls: Promise<string>[] = [];
    for (let elapsed = 0; elapsed < 3_000; elapsed += 10) {
      calls.push(manager.token());
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await Promise.allSettled(calls)).every((result) => result.status === 'fulfilled')).toBe(true);
    expect(provider.stats.obtain).toBeGreaterThan(1);
    expect(provider.stats.obtain).toBeLessThanOrEqual(3_000 / 500 + 1);
  });

  it('drops only the token that failed: 100 reports of one stale token cause one refresh', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager, events } = setup(provider);
    const first = manager.token();
    await vi.advanceTimersByTimeAsync(10);
    await first;
    await vi.advanceTimersByTimeAsync(1_000);
    const reports = Array.from({ length: 100 }, () => manager.unauthorized('access-1'));
    await vi.advanceTimersByTimeAsync(10);
    expect(await Promise.all(reports)).toEqual(Array(100).fill(true));
    expect(provider.stats.obtain).toBe(2);
    expect(events).toContainEqual({ type: 'refresh-started', grant: 'password', reason: 'unauthorized' });
    // A late 401 for the old token: the new one is already there.
    expect(await manager.unauthorized('access-1')).toBe(true);
    expect(await manager.unauthorized('not-ours')).toBe(false);
    expect(provider.stats.obtain).toBe(2);
  });

  it('answers false for a credential that cannot change', async () => {
    const provider = fakeProvider({ renewable: false, primary: false, initial: { accessToken: 'static' } });
    const { manager } = setup(provider);
    expect(await manager.token()).toBe('static');
    expect(await manager.unauthorized('static')).toBe(false);
  });

  it('lets one waiting caller abort without stopping the shared request', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager } = setup(provider);
    const controller = new AbortController();
    const impatient = manager.token(controller.signal);
    const patient = manager.token();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(impatient).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(10);
    expect(await patient).toBe('access-1');
    expect(provider.stats.obtain).toBe(1);
    await expect(manager.token(AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('close() ends the backoff timer and every waiter, and later calls reject', async () => {
    const provider = fakeProvider({ lifetime: 60 });
    const { manager, close } = setup(provider);
    provider.fail(100);
    const waiting = manager.token();
    const assertion = expect(waiting).rejects.toThrow(AuthClosedError);
    await vi.advanceTimersByTimeAsync(10); // first attempt failed: now in backoff
    // The backoff pause, the pulses of the run and of the store's lock, and the waiter's look at the run's.
    expect(vi.getTimerCount()).toBe(4);
    await close();
    await assertion;
    expect(vi.getTimerCount()).toBe(0);
    await expect(manager.token()).rejects.toThrow(/was closed/);
    await expect(manager.unauthorized('access-1')).rejects.toThrow(AuthClosedError);
  });

  it('shares one refresh between managers that share a store with a lock', async () => {
    const tokens = new Map<string, StoredToken>();
    let queue: Promise<unknown> = Promise.resolve();
    const shared: TokenStore = {
      get: async (key) => tokens.get(key),
      set: async (key, token) => void tokens.set(key, token),
      delete: async (key) => void tokens.delete(key),
      lock: <T>(_key: string, task: () => Promise<T>) => {
        const run = queue.then(task, task);
        queue = run.catch(() => {});
        return run;
      },
    };
    const a = fakeProvider({ lifetime: 60 });
    const b = fakeProvider({ lifetime: 60 });
    const first = setup(a, shared).manager;
    const second = setup(b, shared).manager;
    const results = Promise.all([first.token(), second.token(), first.token(), second.token()]);
    await vi.advanceTimersByTimeAsync(20);
    expect(await results).toEqual(['access-1', 'access-1', 'access-1', 'access-1']);
    expect(a.stats.obtain + b.stats.obtain).toBe(1);
  });

  it('gives the lock task a lease signal: a lost lease aborts the token request, and the new holder’s token is used', async () => {
    const tokens = new Map<string, StoredToken>();
    let locks = 0;
    let lose!: () => void;
    const shared: TokenStore = {
      get: (key) => tokens.get(key),
      set: (key, token) => void tokens.set(key, token),
      delete: (key) => void tokens.delete(key),
      lock: async <T>(_key: string, task: (signal?: AbortSignal) => Promise<T>) => {
        locks++;
        const lease = new AbortController();
        lose = () => lease.abort(new Error('lease lost (test)'));
        return task(lease.signal);
      },
    };
    const provider = fakeProvider({ lifetime: 60, delay: 100 });
    const seen: AbortSignal[] = [];
    const obtain = provider.obtain!.bind(provider);
    provider.obtain = (request) => {
      seen.push(request.signal);
      return obtain(request);
    };
    const { manager, events } = setup(provider, shared);
    const waiting = manager.token();
    await vi.advanceTimersByTimeAsync(50); // the request is in flight
    expect(seen).toHaveLength(1);
    // Another process took the lock over and stored its token; then this holder learns it lost the lease.
    const now = Date.now();
    tokens.set('key', { accessToken: 'from-new-holder', obtainedAt: now, expiresAt: now + 60_000 });
    lose();
    expect(seen[0]!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(600);
    expect(await waiting).toBe('from-new-holder');
    expect(locks).toBe(2); // asked for the lock again; inside, the new token was fresh: no second request
    expect(provider.stats.obtain).toBe(1);
    expect(tokens.get('key')?.accessToken).toBe('from-new-holder');
    expect(types(events)).toEqual(['refresh-started']);
  });

  it('gives up after losing the lock three times in a row, with the store’s reason', async () => {
    const reason = new Error('lease lost (test)');
    const shared: TokenStore = {
      ...memoryStore(),
      lock: async <T>(_key: string, task: (signal?: AbortSignal) => Promise<T>) =>
        task(AbortSignal.abort(reason)),
    };
    const provider = fakeProvider({ lifetime: 60 });
    const { manager } = setup(provider, shared);
    const waiting = manager.token();
    const assertion = expect(waiting).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(2_000);
    await assertion;
    expect(provider.stats.obtain).toBe(0); // never presented anything without a lease
  });

  it('treats a zero, negative or non-numeric expiresIn in an answer as the default lifetime, not as expired', async () => {
    for (const expiresIn of [0, -5, Number.NaN, '300' as unknown as number]) {
      const provider = fakeProvider({ lifetime: expiresIn });
      const { manager, close } = setup(provider);
      const first = manager.token();
      await vi.advanceTimersByTimeAsync(10);
      expect(await first).toBe('access-1');
      await vi.advanceTimersByTimeAsync(30_000); // well inside 60 s (or 300 s)
      expect(await manager.token()).toBe('access-1');
      expect(provider.stats.obtain).toBe(1);
      await close();
    }
  });

  it('never sends a token given up front whose life already ran out (expiresIn 0)', async () => {
    const provider = fakeProvider({ primary: false, initial: { accessToken: 'given', expiresIn: 0 } });
    const { manager } = setup(provider);
    await expect(manager.token()).rejects.toThrow(ReauthenticationRequiredError);
  });

  it('tells a shared store which token the server refused (invalidate) once, and only when it is the stored one', async () => {
    const calls: [string, string][] = [];
    const inner = memoryStore();
    const store: TokenStore = {
      ...inner,
      invalidate: (key, stale) => {
        calls.push([key, stale]);
        inner.invalidate(key, stale);
      },
    };
    const provider = fakeProvider({ lifetime: 60 });
    const { manager } = setup(provider, store);
    const first = manager.token();
    await vi.advanceTimersByTimeAsync(10);
    await first;
    // Reports of the same token while its renewal runs join it: the store is told once.
    const refused = Array.from({ length: 100 }, () => manager.unauthorized('access-1'));
    await vi.advanceTimersByTimeAsync(600);
    expect(await Promise.all(refused)).toEqual(Array(100).fill(true));
    expect(calls).toEqual([['key', 'access-1']]);
    expect(await manager.unauthorized('access-1')).toBe(true); // late: no longer the stored one
    expect(calls).toHaveLength(1);
    expect(provider.stats.obtain).toBe(2);
  });
});
