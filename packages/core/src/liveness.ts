import { unref } from './timers.js';

/** How often shared work shows that it still runs, and how often a waiter looks (ms). */
export const PULSE_INTERVAL = 500;

/** How many of a waiter's looks in a row may see no beat before the work counts as stalled. */
const MISSED_BEATS = 3;

/**
 * Shows that work others wait for (a token request in flight, a lock held) still runs: a counter that a timer
 * of its own advances until {@link Pulse.stop}.
 *
 * In Cloudflare's workerd, what a request starts dies with that request: once it has answered, its fetches
 * are cancelled, its timers never fire and its promises never settle. A later request that waits for such
 * work would wait forever; it sees the counter stand still instead ({@link settledOrStalled}). Everywhere
 * else (Node, Deno, Bun, browsers) one event loop runs every timer in the order they are due, so the counter
 * of running work never falls behind a waiter's looks.
 */
export class Pulse {
  #beats = 0;
  readonly #timer: unknown;

  constructor() {
    this.#timer = setInterval(() => {
      this.#beats++;
    }, PULSE_INTERVAL);
    unref(this.#timer);
  }

  get beats(): number {
    return this.#beats;
  }

  stop(): void {
    clearInterval(this.#timer as ReturnType<typeof setInterval>);
  }
}

/** What {@link settledOrStalled} gives when the work stopped without settling. */
export const STALLED: unique symbol = Symbol('stalled');

/**
 * Settles like `promise`; or gives {@link STALLED} when `pulse` stands still for {@link MISSED_BEATS} looks
 * in a row first (the work will never settle); or rejects with `signal.reason` when `signal` aborts. The
 * looks are a timer of the caller's own (in workerd: of the caller's request, which stays alive meanwhile).
 */
export function settledOrStalled<T>(
  promise: Promise<T>,
  pulse: Pulse,
  signal?: AbortSignal,
): Promise<T | typeof STALLED> {
  if (signal?.aborted) {
    promise.catch(() => {}); // nobody else may be listening: its failure must not become an unhandled rejection
    return Promise.reject(signal.reason);
  }
  return new Promise<T | typeof STALLED>((resolve, reject) => {
    let seen = pulse.beats;
    let missed = 0;
    const look = setInterval(() => {
      if (pulse.beats !== seen) {
        seen = pulse.beats;
        missed = 0;
      } else if (++missed >= MISSED_BEATS) {
        finish();
        resolve(STALLED);
      }
    }, PULSE_INTERVAL);
    unref(look);
    const onAbort = () => {
      finish();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(): void {
      clearInterval(look);
      signal?.removeEventListener('abort', onAbort);
    }
    promise.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}
