import { describe, expect, it, vi } from 'vitest';
import { abortable, keepAlive, sleep, withTimeout } from './abort.js';
import { TimeoutError } from './errors/timeout-error.js';

describe('timers', () => {
  it('a timeout above what a timer can wait (2^31 ms and more) waits, instead of firing after 1 ms', async () => {
    const signal = new AbortController().signal;
    const slowTask = async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'done';
    };
    for (const timeout of [2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(await withTimeout(slowTask, { signal, timeout, target: 'a task' })).toBe('done');
    }
  });

  it('does not let a backoff timer keep the process alive, unless a caller waits on it', async () => {
    const created: NodeJS.Timeout[] = [];
    const original = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      ...args: Parameters<typeof setTimeout>
    ) => {
      const timer = original(...args);
      created.push(timer);
      return timer;
    }) as typeof setTimeout);
    try {
      const controller = new AbortController();
      await sleep(1, controller.signal);
      // Someone starts waiting for the pause's outcome after it began: from then on it keeps the process alive.
      const seen: unknown[] = [];
      await sleep(1, controller.signal, (timer) => {
        seen.push(timer);
        keepAlive(timer, true);
      });
      expect(created.map((timer) => timer.hasRef())).toEqual([false, true]);
      expect(seen).toEqual([created[1], undefined]);
      const pending = sleep(60_000, controller.signal);
      controller.abort(new Error('closed'));
      await expect(pending).rejects.toThrow('closed');
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects a waiter when its signal aborts, and leaves the shared promise alone', async () => {
    let resolve!: (value: string) => void;
    const shared = new Promise<string>((r) => {
      resolve = r;
    });
    const controller = new AbortController();
    const waiter = abortable(shared, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiter).rejects.toThrow('stop');
    resolve('done');
    expect(await shared).toBe('done');
  });

  it('a signal that has already aborted: the reason at once, and the task’s own failure is not left unhandled', async () => {
    const reason = new Error('stop');
    let fail!: (error: Error) => void;
    const task = new Promise<string>((_, reject) => {
      fail = reject;
    });
    await expect(abortable(task, AbortSignal.abort(reason))).rejects.toBe(reason);
    // Nobody else awaits the task: when it fails now, vitest must see no unhandled rejection.
    fail(new Error('the task failed after the abort'));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('turns a task that ignores its signal into a TimeoutError naming what timed out', async () => {
    const error = await withTimeout(() => new Promise(() => {}), {
      signal: new AbortController().signal,
      timeout: 20,
      target: 'The test task',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(
      'The test task did not answer within 20 ms. Check that the server is reachable, or raise the `timeout` option.',
    );
  });
});
