import { abortable, keepAlive, linkSignals, sleep } from './abort.js';
import { TimeoutError } from './errors/timeout-error.js';
import { MIN_REFRESH_INTERVAL_MS } from './limits.js';
import { Pulse, STALLED, settledOrStalled } from './liveness.js';

/** How transient token-request failures are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 3 */
  readonly retries: number;
  /** Delay before the first retry, in ms; doubles each time. @default 250 */
  readonly baseDelay: number;
  /** Upper bound of one delay, in ms; also caps how long a provider's `Retry-After` is honoured. @default 5000 */
  readonly maxDelay: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 3, baseDelay: 250, maxDelay: 5_000 };

/** How often in a row a refresh asks for the lock again after losing it, before it gives up. */
const MAX_LOCK_LOSSES = 3;

/**
 * An exclusive lock shared with whoever else refreshes the same token (a store's `lock`, bound to one key).
 * `task` gets a lease signal that aborts when the lock is lost, or none for a lock that cannot be lost.
 */
export type Lock = <T>(task: (lease?: AbortSignal) => Promise<T>, signal: AbortSignal) => Promise<T>;

/**
 * One try at getting a new token. `signal` aborts when the refresher closes or the lock's lease is lost;
 * `retry` is false for the first try of a run.
 */
export type Attempt<T> = (signal: AbortSignal, retry: boolean) => Promise<T>;

/** A run in flight: its outcome, what aborts it, and its pulse (see {@link Pulse}). */
interface Run<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  readonly pulse: Pulse;
}

export interface RefresherOptions {
  readonly lock?: Lock | undefined;
  /** Told of every failed attempt, and whether another follows. */
  readonly onFailure: (error: unknown, willRetry: boolean) => void;
  readonly retry?: RetryPolicy | undefined;
  readonly minInterval?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
}

/**
 * Runs token requests one at a time: single flight (callers during a run share it), the lock of a shared
 * store, bounded retries of transient failures with exponential backoff and jitter (no sooner than a
 * provider's `Retry-After`), a minimum spacing between requests, and abort. Knows nothing about tokens.
 */
export class Refresher<T> {
  readonly #options: RefresherOptions;
  readonly #retry: RetryPolicy;
  readonly #now: () => number;
  /** The run in flight. Its controller and pulse are made per run: nothing long-lived is kept between runs. */
  #inflight: Run<T> | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  /** Callers waiting for the run in flight: while there are any, its pauses keep the process alive. */
  #waiting = 0;
  /** The timer of the pause (spacing or backoff) running now, if any. */
  #timer: unknown;

  constructor(options: RefresherOptions) {
    this.#options = options;
    this.#retry = options.retry ?? defaultRetryPolicy;
    this.#now = options.now ?? Date.now;
  }

  /** Starts a run of `attempt`, or joins the run in flight. */
  run(attempt: Attempt<T>): Promise<T> {
    return this.#join(attempt).promise;
  }

  #join(attempt: Attempt<T>): Run<T> {
    if (this.#inflight) return this.#inflight;
    const controller = new AbortController();
    const pulse = new Pulse();
    // One abort listener per run (not per caller): close() rejects every waiter through it.
    const promise = abortable(this.#locked(attempt, controller.signal), controller.signal).finally(() =>
      this.#forget(run),
    );
    const run: Run<T> = { promise, controller, pulse };
    this.#inflight = run;
    return run;
  }

  #forget(run: Run<T>): void {
    run.pulse.stop();
    if (this.#inflight === run) this.#inflight = undefined;
  }

  /** Starts a run nobody waits for, unless one is in flight or the last one started too recently. */
  runInBackground(attempt: Attempt<T>, onFailure: (error: unknown) => void): void {
    if (this.#inflight || this.#now() - this.#lastStart < this.#minInterval) return;
    this.run(attempt).catch(onFailure);
  }

  /**
   * Starts a run of `attempt` or joins the one in flight, and waits for it until `signal` aborts; meanwhile
   * the run's pauses keep the process alive. A run that stalls (in workerd, the request that started it
   * ended: it will never settle) is forgotten, and a new one starts here.
   */
  async wait(attempt: Attempt<T>, signal: AbortSignal | undefined): Promise<T> {
    this.#waiting++;
    keepAlive(this.#timer, true);
    try {
      for (;;) {
        const run = this.#join(attempt);
        const outcome = await settledOrStalled(run.promise, run.pulse, signal);
        if (outcome !== STALLED) return outcome;
        this.#forget(run);
      }
    } finally {
      this.#waiting--;
      keepAlive(this.#timer, this.#waiting > 0);
    }
  }

  /** Aborts the run in flight with `reason` and waits for it to settle (or stall). */
  async close(reason: unknown): Promise<void> {
    const run = this.#inflight;
    if (!run) return;
    try {
      run.controller.abort(reason);
    } catch {
      // workerd: a controller made in another request cannot be touched here; that request's end stops it.
    }
    await settledOrStalled(
      run.promise.catch(() => {}),
      run.pulse,
    );
  }

  get #minInterval(): number {
    return this.#options.minInterval ?? MIN_REFRESH_INTERVAL_MS;
  }

  async #locked(attempt: Attempt<T>, signal: AbortSignal): Promise<T> {
    const lock = this.#options.lock;
    if (!lock) return this.#attempts(attempt, signal);
    for (let losses = 0; ; losses++) {
      let lease: AbortSignal | undefined;
      try {
        return await lock((held) => {
          lease = held instanceof AbortSignal ? held : undefined;
          if (!lease) return this.#attempts(attempt, signal);
          // Linked by hand and unhooked when the attempts end: nothing stays on the lease or the run's signal.
          const linked = linkSignals(signal, lease);
          return this.#attempts(attempt, linked.signal).finally(linked.dispose);
        }, signal);
      } catch (error) {
        // The lease ran out: the new holder refreshes. Ask for the lock again; inside it, the token that
        // holder stored is found fresh and no request is made.
        if (!lease?.aborted || signal.aborted || losses + 1 >= MAX_LOCK_LOSSES) throw error;
      }
    }
  }

  async #attempts(attempt: Attempt<T>, signal: AbortSignal): Promise<T> {
    for (let tries = 0; ; tries++) {
      const wait = this.#lastStart + this.#minInterval - this.#now();
      if (wait > 0) await this.#sleep(wait, signal);
      signal.throwIfAborted();
      this.#lastStart = this.#now();
      try {
        return await abortable(attempt(signal, tries > 0), signal);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const willRetry = isTransient(error) && tries < this.#retry.retries;
        this.#options.onFailure(error, willRetry);
        if (!willRetry) throw error;
        await this.#sleep(this.#delay(tries, error), signal);
      }
    }
  }

  /**
   * The backoff before retry number `tries` (0-based): exponential, capped, with "equal jitter" (half fixed,
   * half random) so that many clients do not retry in step; no sooner than a provider's `Retry-After`
   * (seconds), which is itself capped at `maxDelay`.
   */
  #delay(tries: number, error: unknown): number {
    const { baseDelay, maxDelay } = this.#retry;
    const ceiling = Math.min(maxDelay, baseDelay * 2 ** tries);
    const backoff = ceiling / 2 + (this.#options.random ?? Math.random)() * (ceiling / 2);
    const asked = (error as { retryAfter?: unknown }).retryAfter;
    if (typeof asked !== 'number' || !(asked > 0)) return backoff;
    return Math.max(backoff, Math.min(asked * 1000, maxDelay));
  }

  /** A pause whose timer keeps the process alive only while a caller waits for the run. */
  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(ms, signal, (timer) => {
      this.#timer = timer;
      keepAlive(timer, this.#waiting > 0);
    });
  }
}

function isTransient(error: unknown): boolean {
  return error instanceof TimeoutError || (error as { transient?: unknown } | null)?.transient === true;
}
