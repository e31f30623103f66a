import { TimeoutError } from './errors/timeout-error.js';

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. The promise itself
 * goes on (it may be shared with other callers).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Both signals in one; `AbortSignal.any` where present. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (present.length === 1) return present[0]!;
  return AbortSignal.any(present);
}

/**
 * Resolves after `ms`, or rejects with `signal.reason` when it aborts (and clears the timer). The timer does
 * not keep the process alive unless `keepAlive` is set (someone is waiting for its outcome).
 */
export function sleep(ms: number, signal: AbortSignal, keepAlive = false): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (!keepAlive) unref(timer);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `timer.unref()` where the platform has it (Node, Deno, Bun); browsers have no such thing. */
export function unref(timer: unknown): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

/**
 * Runs `task` with a signal that aborts after `ms` or when `signal` aborts; a task that ignores its signal
 * still loses the race. A timeout rejects with {@link TimeoutError} naming `target`.
 */
export async function withTimeout<T>(
  task: (signal: AbortSignal) => Promise<T>,
  options: { signal: AbortSignal; timeout: number; target: string },
): Promise<T> {
  const timeout = AbortSignal.timeout(options.timeout);
  const signal = anySignal(options.signal, timeout);
  try {
    return await abortable(
      Promise.resolve().then(() => task(signal)),
      signal,
    );
  } catch (error) {
    throw timeout.aborted && !options.signal.aborted
      ? new TimeoutError({ target: options.target, timeout: options.timeout, cause: error })
      : error;
  }
}
