import type { AuthError } from './errors/auth-error.js';
import type { RefreshReason } from './events.js';
import { GrantRunner, type GrantRunnerOptions } from './grants.js';
import { type Attempt, type Lock, Refresher, type RetryPolicy } from './refresher.js';
import type { StoredToken } from './store.js';

// Loaded with this code: answers that may echo a secret come from here on (the token manager installs it).
export { everySpelling } from './spellings.js';

export interface TokenRequestsOptions extends GrantRunnerOptions {
  readonly lock?: Lock | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly minRefreshInterval?: number | undefined;
  readonly random?: (() => number) | undefined;
  /** The token stored now. */
  readonly stored: () => Promise<StoredToken | undefined>;
  /** Whether `token` is served as it is (the manager's decision): then no token request replaces it. */
  readonly serves: (token: StoredToken) => boolean;
}

/**
 * The token requests of one token manager: the {@link Refresher} (one at a time, the store's lock, retries
 * with backoff) runs attempts at replacing a token, which the {@link GrantRunner} makes (which grant,
 * running it, checking the answer). This module is loaded with the manager's first token request (or
 * revocation), not with the manager: an app whose token is at hand (a fresh one in a shared store, a
 * bearer token still valid) never loads its code.
 */
export class TokenRequests {
  readonly #options: TokenRequestsOptions;
  readonly refresher: Refresher<StoredToken>;
  readonly grants: GrantRunner;
  /**
   * The last refresh that failed for good, and the access token it was to replace: no background refresh
   * for that token again (callers wait for a new one at its expiry), and its reason stays the reason.
   */
  failure: { readonly error: AuthError; readonly accessToken: string | undefined } | undefined;

  constructor(options: TokenRequestsOptions) {
    this.#options = options;
    const grants = new GrantRunner(options);
    this.grants = grants;
    this.refresher = new Refresher<StoredToken>({
      lock: options.lock,
      onFailure: (error, willRetry) =>
        options.emit({ type: 'refresh-failed', grant: grants.grant, error: error as AuthError, willRetry }),
      retry: options.retry,
      minInterval: options.minRefreshInterval,
      now: options.now,
      random: options.random,
    });
  }

  /** One try at replacing `stale`: the failure (or success) it ends in is remembered. */
  attempt(reason: RefreshReason, stale: StoredToken | undefined): Attempt<StoredToken> {
    return async (signal, retry) => {
      try {
        const token = await this.#replace(stale, retry ? 'retry' : reason, signal);
        this.failure = undefined;
        return token;
      } catch (error) {
        this.failure = { error: error as AuthError, accessToken: stale?.accessToken };
        throw error;
      }
    };
  }

  async #replace(
    stale: StoredToken | undefined,
    reason: RefreshReason,
    signal: AbortSignal,
  ): Promise<StoredToken> {
    const current = await this.#options.stored();
    // Another auth object or process sharing the store may have refreshed while this one waited for the lock.
    if (current && current.accessToken !== stale?.accessToken && this.#options.serves(current)) {
      return current;
    }
    signal.throwIfAborted();
    return this.grants.run(current, reason, signal, this.failure?.error);
  }
}
