import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeProvider, invalidGrant, transientError } from './__test__/fake-provider.js';
import { AuthClosedError } from './errors/auth-closed-error.js';
import { memoryStore } from './store.js';
import { TokenManager } from './token-manager.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const step = fc.record({
  wait: fc.integer({ min: 0, max: 3_000 }),
  callers: fc.integer({ min: 0, max: 20 }),
  unauthorized: fc.integer({ min: 0, max: 5 }),
  fail: fc.constantFrom('none', 'none', 'transient', 'invalid_grant'),
  abort: fc.boolean(),
});

describe('TokenManager properties', () => {
  it('never runs two token requests at once, and every caller settles', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          lifetime: fc.constantFrom(0.2, 1, 3, 60),
          delay: fc.integer({ min: 0, max: 400 }),
          refreshTokens: fc.boolean(),
          steps: fc.array(step, { minLength: 1, maxLength: 12 }),
        }),
        async ({ lifetime, delay, refreshTokens, steps }) => {
          const provider = fakeProvider({ lifetime, delay, refreshTokens });
          const manager = new TokenManager({
            provider,
            kind: 'test',
            store: memoryStore(),
            key: 'k',
            emit: () => {},
            now: () => Date.now(),
          });
          const pending: Promise<unknown>[] = [];
          let handed: string | undefined;
          for (const { wait, callers, unauthorized, fail, abort } of steps) {
            if (fail === 'transient') provider.fail(2, transientError);
            if (fail === 'invalid_grant') provider.fail(1, invalidGrant);
            for (let i = 0; i < callers; i++) {
              const signal = abort && i % 2 === 0 ? AbortSignal.abort(new Error('gave up')) : undefined;
              pending.push(
                manager.token(signal).then(
                  (token) => {
                    handed = token;
                  },
                  () => {},
                ),
              );
            }
            for (let i = 0; i < unauthorized; i++)
              if (handed) pending.push(manager.unauthorized(handed).catch(() => {}));
            await vi.advanceTimersByTimeAsync(wait);
          }
          await vi.advanceTimersByTimeAsync(120_000);
          let settled = 0;
          for (const promise of pending) promise.then(() => settled++);
          await vi.advanceTimersByTimeAsync(0);
          expect(settled).toBe(pending.length);
          expect(provider.stats.maxInFlight).toBeLessThanOrEqual(1);
          await manager.close(new AuthClosedError());
          expect(vi.getTimerCount()).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
