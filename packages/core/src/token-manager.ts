import { abortable, keepAlive, linkSignals, sleep } from './abort.js';
import { backoffDelay, defaultRetryPolicy, type RetryPolicy } from './backoff.js';
import type { TokenProvider, TokenRequest, TokenSet } from './credentials/credentials.js';
import type { AuthError } from './errors/auth-error.js';
import { InvalidTokenResponseError } from './errors/invalid-token-response-error.js';
import { isAuthError } from './errors/is-auth-error.js';
import { ReauthenticationRequiredError } from './errors/reauthentication-required-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import { TokenRequestError } from './errors/token-request-error.js';
import type { AuthEventListener, Grant, RefreshReason } from './events.js';
import { rotatedRefreshToken } from './rotated.js';
import { MIN_REFRESH_INTERVAL_MS, normalizeExpiresIn, type Phase, phase } from './schedule.js';
import { NEVER_LOST, type StoredToken, type TokenStore } from './store.js';

export interface TokenManagerOptions {
  readonly provider: TokenProvider;
  /** The credential kind, for messages. */
  readonly kind: string;
  readonly store: TokenStore;
  /** The token store key (computed asynchronously: it holds a fingerprint of the credential). */
  readonly key: string | Promise<string>;
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
/** How often in a row a refresh asks for the lock again after losing it, before it gives up. */
const MAX_LOCK_LOSSES = 3;
/** The store was not asked yet (see `#token`'s `read`). */
const UNREAD: unique symbol = Symbol('unread');
type StoreRead = ReturnType<TokenStore['get']> | typeof UNREAD;
const REFUSED = 'the provider refused the refresh token (invalid_grant)';

/**
 * Keeps one credential's token fresh for any number of concurrent callers. A fresh token costs nothing (no
 * request, no timer); in the refresh-ahead window callers keep the current token while one background
 * refresh runs; only an expired token makes callers wait. One token request at a time, ever.
 */
export class TokenManager {
  readonly #provider: TokenProvider;
  readonly #kind: string;
  readonly #store: TokenStore;
  readonly #keyPromise: Promise<string>;
  #key: string | undefined;
  readonly #signal: AbortSignal;
  readonly #emit: AuthEventListener;
  readonly #retry: RetryPolicy;
  readonly #minInterval: number;
  readonly #now: () => number;
  readonly #random: () => number;

  #inflight: Promise<StoredToken> | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  #waiting = 0;
  /** The timer of the spacing or backoff pause running now, if any. */
  #timer: unknown;
  #seeded = false;
  /** Access tokens handed out recently, newest last. */
  #issued: string[] = [];
  /** Access tokens the server refused (401): treated as expired. */
  #rejected: string[] = [];
  /** A refresh token the provider refused (`invalid_grant`): never presented again. */
  #deadRefreshToken: string | undefined;
  /**
   * Why reauthentication is required, when the provider refused the refresh token of a credential without
   * another grant: the token is deleted from the store then, and later calls must still give this reason.
   */
  #refusal: TokenRequestError | undefined;
  /** The access token whose background refresh already failed for good: wait for expiry, don't hammer. */
  #quietFor: string | undefined;

  constructor(options: TokenManagerOptions) {
    this.#provider = options.provider;
    this.#kind = options.kind;
    this.#store = options.store;
    if (typeof options.key === 'string') this.#key = options.key;
    this.#keyPromise = Promise.resolve(options.key).then((key) => {
      this.#key = key;
      return key;
    });
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
    return Promise.resolve(this.tokenNow(signal));
  }

  /**
   * Like {@link token}, but the fast path is synchronous: a fresh token from a store whose `get` answered
   * synchronously (the memory store) is returned as a string, without a promise or a turn of the microtask
   * queue. Anything else (an asynchronous store, a token to refresh or wait for) returns the promise of
   * {@link token}, which reuses the store read already made. Never throws: errors are rejections.
   */
  tokenNow(signal?: AbortSignal): string | Promise<string> {
    try {
      this.#assertOpen();
      signal?.throwIfAborted();
      if (this.#key === undefined) return this.#token(signal, 'expired');
      const read = this.#store.get(this.#key);
      if (isPromiseLike(read)) return this.#token(signal, 'expired', read);
      if (read && this.#phase(read) === 'fresh') return this.#hand(read);
      return this.#token(signal, 'expired', read);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * After a 401 for a request that carried `sentToken`: drops that token if it is still the current one and
   * gets a new one (one request, however many callers report the same token). True when the token to send
   * now differs from `sentToken`; false for a credential that cannot change or a token that was never ours.
   */
  async unauthorized(sentToken: string, signal?: AbortSignal): Promise<boolean> {
    this.#assertOpen();
    if (!this.#provider.renewable) return false;
    const key = this.#key ?? (await this.#keyPromise);
    const current = await this.#store.get(key);
    const isCurrent = current?.accessToken === sentToken;
    if (!isCurrent && !this.#issued.includes(sentToken)) return false;
    if (isCurrent) {
      remember(this.#rejected, sentToken);
      // Tell every auth object and process sharing the store; the refresh below stays one for all.
      try {
        await this.#store.invalidate?.(key, sentToken);
      } catch {
        // Advisory: this auth object refreshes anyway; the others find out at their own 401.
      }
    }
    return (await this.#token(signal, 'unauthorized')) !== sentToken;
  }

  /** Waits for a running token request to settle (used by `close()` after the signal aborted). */
  async settle(): Promise<void> {
    await this.#inflight?.catch(() => {});
    this.#issued = [];
    this.#rejected = [];
  }

  /** `read`: the store's answer for the key, when the caller already asked (so it is not asked twice). */
  async #token(
    signal: AbortSignal | undefined,
    reason: RefreshReason,
    read: StoreRead = UNREAD,
  ): Promise<string> {
    this.#assertOpen();
    signal?.throwIfAborted();
    const current = await this.#current(read);
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

  async #current(read: StoreRead = UNREAD): Promise<StoredToken | undefined> {
    const key = this.#key ?? (await this.#keyPromise);
    const stored = await (read === UNREAD ? this.#store.get(key) : read);
    if (stored || this.#seeded || !this.#provider.initial) return stored;
    this.#seeded = true;
    const seed = toSeed(this.#provider.initial(), this.#now());
    await this.#store.set(key, seed);
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
    keepAlive(this.#timer, true);
    try {
      return await abortable(promise, signal);
    } finally {
      this.#waiting--;
      keepAlive(this.#timer, this.#waiting > 0);
    }
  }

  /**
   * Spacing and backoff pauses of the refresh. Their timer keeps the process alive only while a caller waits
   * for the refresh, including one that starts waiting after the pause began.
   */
  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return sleep(ms, signal, (timer) => {
      this.#timer = timer;
      keepAlive(timer, this.#waiting > 0);
    });
  }

  async #run(reason: RefreshReason): Promise<StoredToken> {
    const key = this.#key ?? (await this.#keyPromise);
    const store = this.#store;
    if (!store.lock) return this.#attempts(key, reason, this.#signal);
    for (let losses = 0; ; losses++) {
      let lease: AbortSignal | undefined;
      try {
        return await store.lock(
          key,
          (signal?: AbortSignal) => {
            // A store written for the old contract calls task() without a signal: its lock is never lost.
            lease = signal instanceof AbortSignal && signal !== NEVER_LOST ? signal : undefined;
            if (!lease) return this.#attempts(key, reason, this.#signal);
            // Linked by hand and unhooked when the attempts end: nothing stays on the long-lived signals.
            const linked = linkSignals(this.#signal, lease);
            return this.#attempts(key, reason, linked.signal).finally(linked.dispose);
          },
          this.#signal,
        );
      } catch (error) {
        // The lock was lost (its lease ran out): the new holder refreshes. Ask for the lock again; inside
        // it, the token that holder stored is found fresh and no request is made.
        if (!lease?.aborted || this.#signal.aborted || losses + 1 >= MAX_LOCK_LOSSES) throw error;
      }
    }
  }

  /** Token requests with retries, until one succeeds or fails for good. `signal` adds the lock's lease. */
  async #attempts(key: string, reason: RefreshReason, signal: AbortSignal): Promise<StoredToken> {
    for (let attempt = 0; ; attempt++) {
      await this.#spacing(signal);
      const current = await this.#store.get(key);
      // Another process sharing the store may have refreshed while we waited for the lock.
      if (current && this.#phase(current) === 'fresh') return current;
      signal.throwIfAborted();
      const step = { grant: this.#provider.grant };
      try {
        return await abortable(
          this.#attempt(key, current, attempt === 0 ? reason : 'retry', step, signal),
          signal,
        );
      } catch (thrown) {
        if (signal.aborted) throw signal.reason;
        const error = asAuthError(thrown, step.grant, this.#kind);
        const willRetry = isTransient(error) && attempt < this.#retry.retries;
        this.#emit({ type: 'refresh-failed', grant: step.grant, error, willRetry });
        // A token nobody can renew is of no use to anyone sharing the store.
        if (error instanceof ReauthenticationRequiredError) await this.#store.delete(key);
        if (!willRetry) throw error;
        await this.#sleep(this.#delay(attempt, error), signal);
      }
    }
  }

  /** The backoff before the next attempt; no sooner than a provider's `Retry-After`, capped at `maxDelay`. */
  #delay(attempt: number, error: AuthError): number {
    const backoff = backoffDelay(attempt, this.#retry, this.#random);
    const asked = error instanceof TokenRequestError ? error.retryAfter : undefined;
    if (asked === undefined || !(asked > 0)) return backoff;
    return Math.max(backoff, Math.min(asked * 1000, this.#retry.maxDelay));
  }

  async #spacing(signal: AbortSignal): Promise<void> {
    const wait = this.#lastStart + this.#minInterval - this.#now();
    if (wait > 0) await this.#sleep(wait, signal);
  }

  /** One attempt: the refresh-token grant first, the primary grant on `invalid_grant` (or when there is none). */
  async #attempt(
    key: string,
    current: StoredToken | undefined,
    reason: RefreshReason,
    step: { grant: Grant },
    signal: AbortSignal,
  ): Promise<StoredToken> {
    const provider = this.#provider;
    const refreshToken = current?.refreshToken;
    const startedAt = this.#now();
    this.#lastStart = startedAt;
    const request: TokenRequest = { signal, reason, refreshToken };
    let set: TokenSet;
    if (refreshToken !== undefined && refreshToken !== this.#deadRefreshToken && provider.refresh) {
      step.grant = 'refresh_token';
      try {
        this.#emit({ type: 'refresh-started', grant: step.grant, reason });
        set = await provider.refresh(refreshToken, request);
      } catch (error) {
        // The provider may have rotated the refresh token before its answer was rejected: keep the new one.
        const rotated = rotatedRefreshToken(error);
        if (rotated !== undefined) await this.#keepRefreshToken(key, current, rotated, signal);
        if (!(error instanceof TokenRequestError && error.error === 'invalid_grant')) throw error;
        this.#deadRefreshToken = refreshToken;
        if (!provider.obtain) {
          this.#refusal = error;
          throw this.#reauthentication(REFUSED, error);
        }
        this.#emit({ type: 'refresh-failed', grant: step.grant, error, willRetry: true });
        signal.throwIfAborted();
        set = await this.#obtain(provider.obtain, { ...request, reason: 'invalid_grant' }, step);
      }
    } else {
      if (!provider.obtain) {
        // After a refusal the token was deleted from the store (no refresh token left): keep the real reason.
        if (refreshToken !== undefined || this.#refusal) throw this.#reauthentication(REFUSED, this.#refusal);
        throw this.#reauthentication('the token expired and there is no refresh token');
      }
      set = await this.#obtain(provider.obtain, request, step);
    }
    let token: StoredToken;
    try {
      token = toStored(set, startedAt, step.grant === 'refresh_token' ? refreshToken : undefined, step.grant);
      this.#assertAlive(token, startedAt, step.grant);
    } catch (error) {
      // The answer came, so the refresh token it was given is used up: keep the one a good answer would
      // have left (the rotated one, else the old one for the refresh-token grant, else none).
      const answered = (set as Partial<TokenSet> | undefined)?.refreshToken;
      const next =
        typeof answered === 'string' && answered
          ? answered
          : step.grant === 'refresh_token'
            ? refreshToken
            : undefined;
      await this.#keepRefreshToken(key, current, next, signal);
      throw error;
    }
    signal.throwIfAborted();
    await this.#store.set(key, token);
    this.#refusal = undefined;
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

  /**
   * A token that expired before it arrived (a token request slower than the token's lifetime, a process
   * suspended mid-request, a clock jump) is never handed out. It is a transient failure: asked for again
   * within the retry policy (bounded, with backoff), then this error reaches the callers.
   */
  #assertAlive(token: StoredToken, startedAt: number, grant: Grant): void {
    const now = this.#now();
    if (token.expiresAt === undefined || token.expiresAt > now) return;
    const seconds = (ms: number) => `${Math.round(ms) / 1000} s`;
    throw new InvalidTokenResponseError(
      `The ${grant} answer carried a token that had expired by the time it arrived (it lived ${seconds(token.expiresAt - startedAt)}, the request took ${seconds(now - startedAt)}). It is asked for again; if this keeps happening, make the provider or token source issue tokens that live longer than a token request takes.`,
      { grant, transient: true },
    );
  }

  /**
   * After an answer that could not be used: stores the refresh token to present next. The provider (or token
   * source) used up the one it was given, so only the one it answered with works. The current access token
   * (valid or not) stays as it was.
   */
  async #keepRefreshToken(
    key: string,
    current: StoredToken | undefined,
    refreshToken: string | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    if (!current || refreshToken === current.refreshToken || signal.aborted) return;
    try {
      await this.#store.set(key, { ...current, refreshToken });
    } catch {
      // The store failed too: the error the caller gets is the answer's, not the store's.
    }
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

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

function remember(list: string[], token: string): void {
  list.push(token);
  if (list.length > RECENT_TOKENS) list.shift();
}

/**
 * A token known up front (a static key, a given bearer token). Its `expiresIn` is what is left of its life,
 * counted by the credential itself: 0 (or less) means it expired already and must never be sent, so it is
 * not read by {@link normalizeExpiresIn} (for which 0 means "unknown").
 */
function toSeed(set: TokenSet, now: number): StoredToken {
  const expiresIn = set?.expiresIn;
  if (typeof expiresIn === 'number' && !(expiresIn > 0)) {
    return {
      ...toStored({ accessToken: set.accessToken }, now, undefined),
      refreshToken: set.refreshToken,
      expiresAt: now,
    };
  }
  return toStored(set, now, undefined);
}

function toStored(
  set: TokenSet,
  startedAt: number,
  previousRefreshToken: string | undefined,
  grant?: Grant,
): StoredToken {
  // A token read from a file often ends in a newline: HTTP clients trim header values, so the token must be
  // stored as it is sent (a 401 is matched against the stored token).
  const accessToken = typeof set?.accessToken === 'string' ? set.accessToken.trim() : '';
  if (accessToken === '') {
    throw new InvalidTokenResponseError(
      `The ${grant ?? 'token'} answer has no access token. Check what the token source or provider returns.`,
      { grant: grant ?? 'token_source' },
    );
  }
  // A line break or a control character cannot go in a header (HTTP clients throw an error that shows the
  // value, or mangle it); the same rule as for API keys. Never show the token itself.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(accessToken)) {
    throw new InvalidTokenResponseError(
      `The ${grant ?? 'token'} answer has an access token with whitespace or control characters inside (a line break?), which cannot be sent in an HTTP header. Check what the token source or provider returns.`,
      { grant: grant ?? 'token_source' },
    );
  }
  const refreshToken =
    typeof set.refreshToken === 'string' && set.refreshToken ? set.refreshToken : previousRefreshToken;
  return {
    accessToken,
    refreshToken,
    obtainedAt: startedAt,
    // Absent: the token does not expire (used until the server refuses it). Otherwise the one rule for
    // every expires_in: zero, negative or non-numeric -> DEFAULT_EXPIRES_IN, huge -> MAX_EXPIRES_IN.
    expiresAt: set.expiresIn === undefined ? undefined : startedAt + normalizeExpiresIn(set.expiresIn) * 1000,
  };
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
