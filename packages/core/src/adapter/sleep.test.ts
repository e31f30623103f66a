import { describe, expect, it } from 'vitest';
import { sleep, unref } from './index.js';

describe('sleep and unref, for stores', () => {
  it('sleep resolves after the time, or rejects with the reason as soon as the signal aborts', async () => {
    await expect(sleep(5, new AbortController().signal)).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    const reason = new Error('closed');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(sleep(5, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('unref lets a timer not keep the process alive where the platform can (and ignores the rest)', () => {
    const timer = setTimeout(() => {}, 60_000);
    unref(timer);
    expect(timer.hasRef()).toBe(false);
    clearTimeout(timer);
    expect(() => unref(undefined)).not.toThrow();
    expect(() => unref(42)).not.toThrow();
  });
});
