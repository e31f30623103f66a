import { MAX_TIMER_DELAY } from './credentials/validate.js';
import { TimeoutError } from './errors/timeout-error.js';
import { unref } from './timers.js';

// The adapter kit (`@auth/core/adapter`), the refresher and the device flow take them from here.
export { keepAlive, unref } from './timers.js';

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. The promise itself
 * goes on (it may be shared with other callers).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(noop); // nobody else may be listening: its failure must not become an unhandled rejection
    return Promise.reject(signal.reason);
  }
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

/** A signal that aborts when any of its sources does, and `dispose()` to unhook it from them. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Removes the listeners from the sources (idempotent). Call it when the work using `signal` is done. */
  dispose(): void;
}

const noop = (): void => {};

/**
 * The sources' signals in one, linked by hand: a new controller that listens to each source once and stops
 * listening on `dispose()` (or when it aborts). Unlike `AbortSignal.any()`, which on Node 20 keeps every
 * composite in a long-lived source's list of dependants until that source aborts or is collected
 * (nodejs/node#55351), nothing is left on a source after `dispose()`. One source: that source itself.
 */
export function linkSignals(...sources: (AbortSignal | undefined)[]): LinkedSignal {
  const present = sources.filter((source): source is AbortSignal => source !== undefined);
  if (present.length === 1) return { signal: present[0]!, dispose: noop };
  const controller = new AbortController();
  const aborted = present.find((source) => source.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose: noop };
  }
  const listeners: [AbortSignal, () => void][] = [];
  const dispose = (): void => {
    for (const [source, listener] of listeners) source.removeEventListener('abort', listener);
    listeners.length = 0;
  };
  for (const source of present) {
    const listener = (): void => {
      dispose();
      controller.abort(source.reason);
    };
    listeners.push([source, listener]);
    source.addEventListener('abort', listener, { once: true });
  }
  return { signal: controller.signal, dispose };
}

/**
 * Resolves after `ms`, or rejects with `signal.reason` when it aborts (and clears the timer). The timer does
 * not keep the process alive; `onTimer` receives it while it runs (and `undefined` once it is done), so that
 * whoever learns later that someone waits for its outcome can {@link keepAlive} it.
 */
export function sleep(ms: number, signal: AbortSignal, onTimer?: (timer: unknown) => void): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    unref(timer);
    signal.addEventListener('abort', onAbort, { once: true });
    onTimer?.(timer);
  }).finally(() => onTimer?.(undefined));
}

/**
 * Runs `task` with a signal that aborts after `ms` or when `signal` aborts; a task that ignores its signal
 * still loses the race. A timeout rejects with {@link TimeoutError} naming `target`. A timeout longer than
 * {@link MAX_TIMER_DELAY} waits that long (never the 1 ms a timer would make of it).
 */
export async function withTimeout<T>(
  task: (signal: AbortSignal) => Promise<T>,
  options: { signal: AbortSignal; timeout: number; target: string },
): Promise<T> {
  // A timer of our own (not `AbortSignal.timeout()`): cleared as soon as the task settles, and linked to the
  // long-lived `options.signal` only while the task runs.
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    Math.min(options.timeout, MAX_TIMER_DELAY),
  );
  unref(timer);
  const linked = linkSignals(options.signal, timeout.signal);
  const signal = linked.signal;
  try {
    return await abortable(
      Promise.resolve().then(() => task(signal)),
      signal,
    );
  } catch (error) {
    throw timeout.signal.aborted && !options.signal.aborted
      ? new TimeoutError({ target: options.target, timeout: options.timeout, cause: error })
      : error;
  } finally {
    clearTimeout(timer);
    linked.dispose();
  }
}
