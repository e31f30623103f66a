import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PULSE_INTERVAL, Pulse, STALLED, settledOrStalled } from './liveness.js';

// The scheduler's own unit tests: fake timers. What a stalled run does in a Worker is run for real in workerd
// by `pnpm test:runtimes` (scripts/runtimes/).
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('settledOrStalled', () => {
  it('waits as long as the work beats, however long it takes, and gives its value', async () => {
    const pulse = new Pulse();
    const work = new Promise<string>((resolve) => setTimeout(() => resolve('token'), 60_000));
    const outcome = settledOrStalled(work, pulse);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await outcome).toBe('token');
    pulse.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes the rejection of the work on', async () => {
    const pulse = new Pulse();
    const error = new Error('refused');
    const outcome = settledOrStalled(Promise.reject(error), pulse);
    await expect(outcome).rejects.toBe(error);
    pulse.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives STALLED after three looks without a beat: work whose request ended never settles', async () => {
    const pulse = new Pulse();
    await vi.advanceTimersByTimeAsync(PULSE_INTERVAL * 2); // it beat for a while, then its request ended
    pulse.stop();
    const outcome = settledOrStalled(new Promise<never>(() => {}), pulse);
    let stalled = false;
    void outcome.then((value) => {
      stalled = value === STALLED;
    });
    await vi.advanceTimersByTimeAsync(PULSE_INTERVAL * 2);
    expect(stalled).toBe(false);
    await vi.advanceTimersByTimeAsync(PULSE_INTERVAL);
    expect(stalled).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with the signal's reason when it aborts, and leaves no timer or listener", async () => {
    const pulse = new Pulse();
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const outcome = settledOrStalled(new Promise<never>(() => {}), pulse, controller.signal);
    controller.abort(reason);
    await expect(outcome).rejects.toBe(reason);
    pulse.stop();
    expect(vi.getTimerCount()).toBe(0);
    await expect(settledOrStalled(Promise.reject(new Error('x')), pulse, controller.signal)).rejects.toBe(
      reason,
    );
  });
});
