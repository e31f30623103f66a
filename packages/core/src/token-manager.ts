import { abortable, sleep } from './abort.js';
import { backoffDelay, defaultRetryPolicy, type RetryPolicy } from './backoff.js';
import type { TokenProvider, TokenRequest, TokenSet } from './credentials/credentials.js';
import type { AuthError } from './errors/auth-error.js';
import { InvalidTokenResponseError } from './errors/invalid-token-response-error.js';
import { isAuthError } from './errors/is-auth-error.js';
import { ReauthenticationRequiredError } from './errors/reauthentication-required-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import { TokenRequestError } from './errors/token-request-error.js';
import type { AuthEventListener, Grant, RefreshReason } from './events.js';
import {
  DEFAULT_EXPIRES_IN,
  MAX_EXPIRES_IN,
  MIN_REFRESH_INTERVAL_MS,
  type Phase,
  phase,
} from './schedule.js';
import type { StoredToken, TokenStore } from './store.js';

export interface TokenManagerOptions {
  readonly provider: TokenProvider;
  /** The credential kind, for messages. */
  readonly kind: string;
  readonly store: TokenStore;
  readonly key: string;
  /** Aborts (with the reason later calls reject with) when the auth object closes. */
  readonly signal: AbortSignal;
  readonly emit: AuthEventListener;
  readonly retry?: RetryPolicy | undefined;
  readonly minRefreshInterval?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
}

/** How many recent access tokens are remembered, to recognise a 401 for a token we handed out. */
const RECENT_TOKENS = 16;

/**
 * Keeps one credential's token fresh for any number of concurrent callers. A fresh token costs nothing (no
 * request, no timer); in the refresh-ahead window callers keep the current token while one background
 * refresh runs; only an expired token makes callers wait. One token request at a time, ever.
 */
export class TokenManager {
  readonly #provider: TokenProvider;
  readonly #kind: string;
  readonly #store: TokenStore;
  readonly #key: string;
  readonly #signal: AbortSignal;
  readonly #emit: AuthEventListener;
  readonly #retry: RetryPolicy;
  readonly #minInterval: number;
  readonly #now: () => number;
  readonly #random: () => number;

  #inflight: Promise<StoredToken> | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  #waiting = 0;
  #seeded = false;
  /** Access tokens handed out recently, newest last. */
  #issued: string[] = [];
  /** Access tokens the server refused (401): treated as expired. */
  #rejected: string[] = [];
  /** A refresh token the provider refused (`invalid_grant`): never presented again. */
  #deadRefreshToken: string | undefined;
  /** The access token whose background refresh already failed for good: wait for expiry, don't hammer. */
  #quietFor: string | undefined;

  constructor(options: TokenManagerOptions) {
    this.#provider = options.provider;
    this.#kind = options.kind;
    this.#store = options.store;
    this.#key = options.key;
    this.#signal = options.signal;
    this.#emit = options.emit;
    this.#retry = options.retry ?? defaultRetryPolicy;
    this.#minInterval = options.minRefreshInterval ?? MIN_REFRESH_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** Whether a token request is running now. */
  get refreshing(): boolean {
    return this.#inflight !== undefined;
  }

  /** The access token to send now; waits only when there is no usable one. */
  token(signal?: AbortSignal): Promise<string> {
    return this.#token(signal, 'expired');
  }

  /**
   * After a 401 for a request that carried `sentToken`: drops that token if it is still the current one and
   * gets a new one (one request, however many callers report the same token). True when the token to send
   * now differs from `sentToken`; false for a credential that cannot change or a token that was never ours.
   */
  async unauthorized(sentToken: string, signal?: AbortSignal): Promise<boolean> {
    this.#assertOpen();
    if (!this.#provider.renewable) return false;
    const current = await this.#store.get(this.#key);
    const isCurrent = current?.accessToken === sentToken;
    if (!isCurrent && !this.#issued.includes(sentToken)) return false;
    if (isCurrent) remember(this.#rejected, sentToken);
    return (await this.#token(signal, 'unauthorized')) !== sentToken;
  }

  /** Waits for a running token request to settle (used by `close()` after the signal aborted). */
  async settle(): Promise<void> {
    await this.#inflight?.catch(() => {});
    this.#issued = [];
    this.#rejected = [];
  }

  async #token(signal: AbortSignal | undefined, reason: RefreshReason): Promise<string> {
    this.#assertOpen();
    signal?.throwIfAborted();
    const current = await this.#current();
    if (current) {
      const state = this.#phase(current);
      if (state === 'fresh') return this.#hand(current);
      if (state === 'refresh-ahead') {
        this.#refreshInBackground(current);
        return this.#hand(current);
      }
    }
    return this.#hand(await this.#wait(this.#refresh(current ? reason : 'initial'), signal));
  }

  #assertOpen(): void {
    if (this.#signal.aborted) throw this.#signal.reason;
  }

  #phase(token: StoredToken): Phase {
    return this.#rejected.includes(token.accessToken) ? 'expired' : phase(token, this.#now());
  }

  #hand(token: StoredToken): string {
    if (this.#issued.at(-1) !== token.accessToken) remember(this.#issued, token.accessToken);
    return token.accessToken;
  }

  async #current(): Promise<StoredToken | undefined> {
    const stored = await this.#store.get(this.#key);
    if (stored || this.#seeded || !this.#provider.initial) return stored;
    this.#seeded = true;
    const seed = toStored(this.#provider.initial(), this.#now(), undefined);
    await this.#store.set(this.#key, seed);
    return seed;
  }

  #refreshInBackground(current: StoredToken): void {
    if (this.#inflight || this.#quietFor === current.accessToken) return;
    if (this.#now() - this.#lastStart < this.#minInterval) return;
    this.#refresh('refresh-ahead').catch(() => {
      this.#quietFor = current.accessToken;
    });
  }

  #refresh(reason: RefreshReason): Promise<StoredToken> {
    // One abort listener per refresh (not per caller): close() rejects every waiter through it.
    this.#inflight ??= abortable(this.#run(reason), this.#signal).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #wait(promise: Promise<StoredToken>, signal: AbortSignal | undefined): Promise<StoredToken> {
    this.#waiting++;
    try {
      return await abortable(promise, signal);
    } finally {
      this.#waiting--;
    }
  }

  #run(reason: RefreshReason): Promise<StoredToken> {
    const task = () => this.#attempts(reason);
    return this.#store.lock ? this.#store.lock(this.#key, task, this.#signal) : task();
  }

  async #attempts(reason: RefreshReason): Promise<StoredToken> {
    for (let attempt = 0; ; attempt++) {
      await this.#spacing();
      const current = await this.#store.get(this.#key);
      // Another process sharing the store may have refreshed while we waited for the lock.
      if (current && this.#phase(current) === 'fresh') return current;
      const step = { grant: this.#provider.grant };
      try {
        return await abortable(this.#attempt(current, attempt === 0 ? reason : 'retry', step), this.#signal);
      } catch (thrown) {
        if (this.#signal.aborted) throw this.#signal.reason;
        const error = asAuthError(thrown, step.grant, this.#kind);
        const willRetry = isTransient(error) && attempt < this.#retry.retries;
        this.#emit({ type: 'refresh-failed', grant: step.grant, error, willRetry });
        // A token nobody can renew is of no use to anyone sharing the store.
        if (error instanceof ReauthenticationRequiredError) await this.#store.delete(this.#key);
        if (!willRetry) throw error;
        await sleep(backoffDelay(attempt, this.#retry, this.#random), this.#signal, this.#waiting > 0);
      }
    }
  }

  async #spacing(): Promise<void> {
    const wait = this.#lastStart + this.#minInterval - this.#now();
    if (wait > 0) await sleep(wait, this.#signal, this.#waiting > 0);
  }

  /** One attempt: the refresh-token grant first, the primary grant on `invalid_grant` (or when there is none). */
  async #attempt(
    current: StoredToken | undefined,
    reason: RefreshReason,
    step: { grant: Grant },
  ): Promise<StoredToken> {
    const provider = this.#provider;
    const refreshToken = current?.refreshToken;
    const startedAt = this.#now();
    this.#lastStart = startedAt;
    const request: TokenRequest = { signal: this.#signal, reason, refreshToken };
    let set: TokenSet;
    if (refreshToken !== undefined && refreshToken !== this.#deadRefreshToken && provider.refresh) {
      step.grant = 'refresh_token';
      try {
        this.#emit({ type: 'refresh-started', grant: step.grant, reason });
        set = await provider.refresh(refreshToken, request);
      } catch (error) {
        if (!(error instanceof TokenRequestError && error.error === 'invalid_grant')) throw error;
        this.#deadRefreshToken = refreshToken;
        if (!provider.obtain)
          throw this.#reauthentication('the provider refused the refresh token (invalid_grant)', error);
        this.#emit({ type: 'refresh-failed', grant: step.grant, error, willRetry: true });
        set = await this.#obtain(provider.obtain, { ...request, reason: 'invalid_grant' }, step);
      }
    } else {
      if (!provider.obtain) {
        throw this.#reauthentication(
          refreshToken === undefined
            ? 'the token expired and there is no refresh token'
            : 'the provider refused the refresh token (invalid_grant)',
        );
      }
      set = await this.#obtain(provider.obtain, request, step);
    }
    const token = toStored(
      set,
      startedAt,
      step.grant === 'refresh_token' ? refreshToken : undefined,
      step.grant,
    );
    await this.#store.set(this.#key, token);
    this.#rejected = this.#rejected.filter((rejected) => rejected !== token.accessToken);
    const expiresIn =
      token.expiresAt === undefined ? {} : { expiresIn: (token.expiresAt - startedAt) / 1000 };
    this.#emit({
      type: 'refresh-succeeded',
      grant: step.grant,
      ...expiresIn,
      hasRefreshToken: token.refreshToken !== undefined,
    });
    return token;
  }

  #obtain(
    obtain: (request: TokenRequest) => Promise<TokenSet>,
    request: TokenRequest,
    step: { grant: Grant },
  ): Promise<TokenSet> {
    step.grant = this.#provider.grant;
    this.#emit({ type: 'refresh-started', grant: step.grant, reason: request.reason });
    return obtain.call(this.#provider, request);
  }

  #reauthentication(why: string, cause?: unknown): ReauthenticationRequiredError {
    return new ReauthenticationRequiredError(
      `Cannot get a new token for the ${this.#kind} credentials: ${why}. Create the auth object again with fresh credentials (a new token, or a username and password).`,
      { cause },
    );
  }
}

function remember(list: string[], token: string): void {
  list.push(token);
  if (list.length > RECENT_TOKENS) list.shift();
}

function toStored(
  set: TokenSet,
  startedAt: number,
  previousRefreshToken: string | undefined,
  grant?: Grant,
): StoredToken {
  if (typeof set?.accessToken !== 'string' || set.accessToken.trim() === '') {
    throw new InvalidTokenResponseError(
      `The ${grant ?? 'token'} answer has no access token. Check what the token source or provider returns.`,
      { grant: grant ?? 'token_source' },
    );
  }
  const refreshToken =
    typeof set.refreshToken === 'string' && set.refreshToken ? set.refreshToken : previousRefreshToken;
  return {
    accessToken: set.accessToken,
    refreshToken,
    obtainedAt: startedAt,
    expiresAt: set.expiresIn === undefined ? undefined : startedAt + lifetime(set.expiresIn) * 1000,
  };
}

/** A provider's `expiresIn` made safe: not a number -> the default, negative -> 0 (expired), huge -> clamped. */
function lifetime(expiresIn: number): number {
  if (typeof expiresIn !== 'number' || Number.isNaN(expiresIn)) return DEFAULT_EXPIRES_IN;
  return Math.min(Math.max(expiresIn, 0), MAX_EXPIRES_IN);
}

function isTransient(error: AuthError): boolean {
  return error instanceof TimeoutError || (error as { transient?: unknown }).transient === true;
}

function asAuthError(error: unknown, grant: Grant, kind: string): AuthError {
  if (isAuthError(error)) return error;
  const name = error instanceof Error ? error.name : typeof error;
  return new TokenRequestError(
    `The ${grant} token request of the ${kind} credentials failed with ${name}; see \`cause\`. Check the credential's setup.`,
    { grant, cause: error },
  );
}
