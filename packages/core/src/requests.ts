import type { AuthError } from './errors/auth-error.js';
import { GrantRunner, type GrantRunnerOptions } from './grants.js';
import { type Lock, Refresher, type RetryPolicy } from './refresher.js';
import type { StoredToken } from './store.js';

/** What requests the tokens of one token manager. */
export interface TokenRequests {
  /** One token request at a time, the store's lock, retries with backoff. */
  readonly refresher: Refresher<StoredToken>;
  /** Which grant, running it, checking its answer; revocation. */
  readonly grants: GrantRunner;
}

export interface TokenRequestsOptions extends GrantRunnerOptions {
  readonly lock?: Lock | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly minRefreshInterval?: number | undefined;
  readonly random?: (() => number) | undefined;
}

/**
 * The token requests of one token manager: a {@link Refresher} over a {@link GrantRunner}. This module is
 * loaded with the manager's first token request (or revocation), not with the manager: an app whose token
 * is at hand (a fresh one in a shared store, a bearer token still valid) never loads its code.
 */
export function tokenRequests(options: TokenRequestsOptions): TokenRequests {
  const grants = new GrantRunner(options);
  const refresher = new Refresher<StoredToken>({
    lock: options.lock,
    onFailure: (error, willRetry) =>
      options.emit({ type: 'refresh-failed', grant: grants.grant, error: error as AuthError, willRetry }),
    retry: options.retry,
    minInterval: options.minRefreshInterval,
    now: options.now,
    random: options.random,
  });
  return { refresher, grants };
}
