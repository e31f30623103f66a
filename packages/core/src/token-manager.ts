import type { SentHeaders } from './create-auth.js';
import type { Credentials, TokenProvider } from './credentials/credentials.js';
import type { AuthEventListener, RefreshReason } from './events.js';
import { guardedStore } from './guarded-store.js';
import { decide } from './lifetime.js';
import { memoryTokens } from './memory-tokens.js';
import type { RetryPolicy } from './refresher.js';
import type { TokenRequests } from './requests.js';
import type { SecretSet } from './secrets.js';
import type { StoredToken, TokenStore } from './store.js';
import { seedToken, toStored } from './token-set.js';

export interface TokenManagerOptions {
  readonly provider: TokenProvider;
  /** The credential kind, for messages. */
  readonly kind: string;
  readonly store: TokenStore;
  /** The token store key (may come later: it holds a fingerprint of the credential, computed asynchronously). */
  readonly key: string | Promise<string>;
  readonly emit: AuthEventListener;
  /** Bounds each call of a provider with a `timeoutTarget`, and a revocation (ms). @default 10000 */
  readonly timeout?: number | undefined;
  /** The refresh-ahead window (ms), in place of the default rule; see {@link decide}. */
  readonly refreshAhead?: number | undefined;
  /** Told of every token this manager obtains or hands out, so that it is scrubbed from errors and events. */
  readonly secrets?: SecretSet | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly minRefreshInterval?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
}

// The auth object makes its secret set with this module's code: one chunk (see `AuthClient.#load`).
export { SecretSet } from './secrets.js';

import { spellSecretsEverywhere } from './secrets.js';

/** How many recent access tokens are remembered, to recognise a 401 for a token we handed out. */
const RECENT_TOKENS = 16;

/** The token requests' code (`requests.ts`), once a manager has loaded it. */
let requestsCode: typeof import('./requests.js') | undefined;

/**
 * Keeps one credential's token fresh for any number of concurrent callers. The store says what the current
 * token is; {@link decide} says whether to serve it, serve it and refresh in the background, or wait; the
 * token requests (`requests.ts`: the `Refresher` runs one token request at a time, the `GrantRunner`
 * chooses and runs the grant) are loaded with the first one (see {@link TokenManager.#requests}).
 */
export class TokenManager {
  readonly #options: TokenManagerOptions;
  readonly #provider: TokenProvider;
  readonly #store: TokenStore;
  readonly #now: () => number;
  readonly #refreshAhead: number | undefined;
  readonly #secrets: SecretSet | undefined;
  /** The token requests, once their code has loaded; until then, the load in progress (if any). */
  #loaded: TokenRequests | undefined;
  #loading: Promise<TokenRequests> | undefined;
  #key: string | Promise<string>;
  /** Whether the token known up front (if any) was put in the store: once, never again. */
  #seeded = false;
  /** Access tokens handed out recently, newest last. */
  #issued: string[] = [];
  /** Why the manager was closed; set once. */
  #closed: unknown;
  /**
   * The last 401 report, until the first caller waiting on it is done (its renewal settled, or the caller's
   * signal aborted): later reports of the same token join it, without reading or writing the store again
   * (for a shared store, a round trip each).
   */
  #report: { sent: string; stale: Promise<StoredToken | undefined> } | undefined;

  constructor(options: TokenManagerOptions) {
    this.#options = options;
    this.#provider = options.provider;
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#refreshAhead = options.refreshAhead;
    this.#secrets = options.secrets;
    this.#key = options.key;
    if (typeof options.key !== 'string') {
      // A key that fails to come (its module did not load) fails every call that awaits it, not the process.
      options.key.then(
        (key) => {
          this.#key = key;
        },
        () => {},
      );
    }
  }

  /** The access token to send now; waits only when there is no usable one. */
  token(signal?: AbortSignal): Promise<string> {
    return Promise.resolve(this.tokenNow(signal));
  }

  /**
   * Like {@link token}, but the fast path is synchronous: a token to serve, from a store whose `get` answered
   * synchronously (the memory store), comes back as a string, without a promise or a turn of the microtask
   * queue. Anything else returns the promise of {@link token}, which reuses the store read already made.
   * Never throws: errors are rejections.
   */
  tokenNow(signal?: AbortSignal): string | Promise<string> {
    try {
      this.#assertOpen();
      signal?.throwIfAborted();
      if (typeof this.#key !== 'string') return this.#token(signal, 'expired');
      const read = this.#store.get(this.#key);
      if (!isPromiseLike(read) && read && this.#decide(read) === 'serve') return this.#hand(read);
      return this.#token(signal, 'expired', read);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * After a 401 for a request that carried `sentToken`: when it is still the current token, marks it expired
   * in the store (for everyone sharing it) and gets a new one: one store write and one token request however
   * many callers report it while the renewal runs.
   * True when the token to send now differs from `sentToken`; false for a credential that cannot change or a
   * token that was never ours.
   */
  async unauthorized(sentToken: string, signal?: AbortSignal): Promise<boolean> {
    this.#assertOpen();
    if (!this.#provider.renewable) return false;
    let report = this.#report;
    if (report?.sent !== sentToken) {
      report = { sent: sentToken, stale: this.#refused(sentToken) };
      this.#report = report;
    }
    try {
      const stale = await report.stale;
      if (!stale) {
        return this.#issued.includes(sentToken) && (await this.#token(signal, 'unauthorized')) !== sentToken;
      }
      return this.#hand(await this.#wait('unauthorized', stale, signal)) !== sentToken;
    } finally {
      if (this.#report === report) this.#report = undefined;
    }
  }

  /**
   * Marks `sentToken` expired in the store when it is the stored token, and returns that stored token; returns
   * nothing when another one is stored.
   */
  async #refused(sentToken: string): Promise<StoredToken | undefined> {
    const key = await this.#key;
    const current = await this.#store.get(key);
    if (current?.accessToken !== sentToken) return undefined;
    try {
      if (this.#store.invalidate) await this.#store.invalidate(key, sentToken);
      else
        await this.#store.set(key, {
          ...current,
          expiresAt: Math.min(current.expiresAt ?? Infinity, this.#now()),
        });
    } catch {
      // Advisory: the refresh happens anyway; the others find out at their own 401.
    }
    return current;
  }

  /**
   * Signs out: stops like {@link close}, removes the token from the store (for everyone sharing it), then
   * revokes its refresh token at the provider when `revoke` is set (see `TokenProvider.revoke`).
   */
  async signOut(reason: unknown, revoke: boolean): Promise<void> {
    await this.close(reason);
    const key = await this.#key;
    const current = await this.#store.get(key);
    await this.#store.delete(key);
    if (revoke) await (await this.#requests()).grants.revoke(current, new AbortController().signal);
  }

  /** Stops: aborts a token request in flight (its waiters reject with `reason`); later calls reject too. */
  async close(reason: unknown): Promise<void> {
    this.#closed ??= reason;
    await this.#loaded?.refresher.close(this.#closed);
    this.#issued = [];
  }

  /** `read`: the store's answer for the key, when the caller already asked (so it is not asked twice). */
  async #token(
    signal: AbortSignal | undefined,
    reason: RefreshReason,
    read?: ReturnType<TokenStore['get']>,
  ): Promise<string> {
    this.#assertOpen();
    signal?.throwIfAborted();
    const current = await this.#current(read);
    switch (this.#decide(current)) {
      case 'serve':
        return this.#hand(current!);
      case 'serve-and-refresh':
        this.#refreshInBackground(current!);
        return this.#hand(current!);
      case 'wait':
        return this.#hand(await this.#wait(current ? reason : 'initial', current, signal));
    }
  }

  /**
   * The token requests (`requests.ts`), loaded with the first one: an app whose token is at hand never loads
   * their code. The credential's own code for its requests starts loading at the same time
   * ({@link TokenProvider.preload}): one round trip, not one after the other. A failed load is tried again
   * by the next caller; once loaded, the code serves every later manager at once.
   */
  #requests(): TokenRequests | Promise<TokenRequests> {
    if (this.#loaded) return this.#loaded;
    if (!this.#loading) {
      try {
        Promise.resolve(this.#provider.preload?.()).catch(() => {});
      } catch {
        // The call that needs the credential's code reports what fails.
      }
    }
    if (requestsCode) {
      this.#loaded = this.#makeRequests(requestsCode);
      return this.#loaded;
    }
    this.#loading ??= import('./requests.js').then(
      (code) => {
        // Before the first token request goes out: every spelling a provider may echo a secret in.
        spellSecretsEverywhere(code.everySpelling);
        requestsCode = code;
        this.#loaded ??= this.#makeRequests(code);
        return this.#loaded;
      },
      (error: unknown) => {
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }

  #makeRequests(code: typeof import('./requests.js')): TokenRequests {
    const store = this.#store;
    return new code.TokenRequests({
      ...this.#options,
      now: this.#now,
      toStored,
      timeout: this.#options.timeout ?? 10_000,
      save: async (token) => store.set(await this.#key, token),
      lock: store.lock ? async (task, signal) => store.lock!(await this.#key, task, signal) : undefined,
      stored: async () => store.get(await this.#key),
      serves: (token) => this.#decide(token) === 'serve',
    });
  }

  /**
   * Starts a token request to replace `stale` (one attempt after another, within the retry policy) or joins
   * the one in flight, and waits for it (see `Refresher`).
   */
  async #wait(
    reason: RefreshReason,
    stale: StoredToken | undefined,
    signal: AbortSignal | undefined,
  ): Promise<StoredToken> {
    let requests = this.#requests();
    if ('then' in requests) {
      requests = await requests;
      // Closed or given up while the code loaded: no token request starts.
      this.#assertOpen();
      signal?.throwIfAborted();
    }
    return requests.refresher.wait(requests.attempt(reason, stale), signal);
  }

  #decide(token: StoredToken | undefined) {
    return decide(token, this.#now(), this.#refreshAhead);
  }

  #assertOpen(): void {
    if (this.#closed !== undefined) throw this.#closed;
  }

  #hand(token: StoredToken): string {
    if (this.#issued.at(-1) !== token.accessToken) {
      // A token another process stored is as secret as one this manager obtained.
      this.#secrets?.remember(token.accessToken);
      this.#issued.push(token.accessToken);
      if (this.#issued.length > RECENT_TOKENS) this.#issued.shift();
    }
    return token.accessToken;
  }

  /** The stored token; the first time none is stored, the one known up front (if any), put in the store. */
  async #current(read?: ReturnType<TokenStore['get']>): Promise<StoredToken | undefined> {
    const key = await this.#key;
    const stored = await (read ?? this.#store.get(key));
    if (stored || this.#seeded || !this.#provider.initial) return stored;
    this.#seeded = true;
    const seed = seedToken(this.#provider.initial(), this.#now());
    this.#secrets?.remember(seed.accessToken);
    this.#secrets?.remember(seed.refreshToken);
    await this.#store.set(key, seed, { ifAbsent: true });
    // Another process sharing the store may have stored a newer token meanwhile: that one wins.
    return (await this.#store.get(key)) ?? seed;
  }

  #refreshInBackground(current: StoredToken): void {
    const start = (requests: TokenRequests) => {
      // A refresh for this token already failed for good: don't hammer; callers wait for a new one at expiry.
      if (requests.failure?.accessToken === current.accessToken) return;
      requests.refresher.runInBackground(requests.attempt('refresh-ahead', current), () => {});
    };
    const requests = this.#requests();
    if (!('then' in requests)) start(requests);
    else
      requests.then(
        (loaded) => this.#closed === undefined && start(loaded),
        () => {},
      );
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** What an auth object asks for tokens: a token manager over the right store, or a fixed token. */
export interface TokenSession {
  /** The token to send now (synchronously when it is at hand); see {@link TokenManager.tokenNow}. */
  token(signal?: AbortSignal): string | Promise<string>;
  /** After a 401 for a request that carried `sentHeaders`: see {@link TokenManager.unauthorized}. */
  unauthorized(sentHeaders: SentHeaders, signal?: AbortSignal): Promise<boolean>;
  close(reason: unknown): Promise<void>;
  /** See {@link TokenManager.signOut}. */
  signOut(reason: unknown, revoke: boolean): Promise<void>;
}

/**
 * The token manager of one auth object, over the store it is given (shared: under a fingerprint of the
 * credential, with the store's events bound) or a memory store of its own.
 */
export function startSession(context: {
  readonly provider: TokenProvider;
  readonly credentials: Credentials;
  readonly baseUrl: string;
  readonly store?: TokenStore | undefined;
  readonly emit: AuthEventListener;
  readonly timeout: number;
  readonly refreshAhead?: number | undefined;
  readonly secrets?: SecretSet | undefined;
}): TokenSession {
  const { provider, credentials, baseUrl, emit, timeout, refreshAhead, secrets } = context;
  // A token that can never change has nothing to share: it stays out of a shared store.
  const shared = context.store !== undefined && provider.renewable ? guardedStore(context.store) : undefined;
  const own = shared ? undefined : memoryTokens();
  const manager = new TokenManager({
    provider,
    kind: credentials.kind,
    // A store of its own serves this manager alone, whose refresher runs one request at a time: no lock.
    store: shared ?? own!,
    // A store of its own holds one credential: only a shared store needs the fingerprint (it costs a hash,
    // or for a password ~50 ms of PBKDF2, once per auth object), and only then is its code loaded.
    key: shared
      ? import('./store-key.js').then((module) => module.storeKey(baseUrl, credentials, provider))
      : `@auth/core:${baseUrl}:${credentials.kind}`,
    emit,
    timeout,
    refreshAhead,
    secrets,
  });
  let unbind: unknown;
  try {
    unbind = shared?.bind?.(emit);
  } catch {
    // A store that cannot report events still stores tokens.
  }
  return {
    token: (signal) => manager.tokenNow(signal),
    unauthorized: async (sentHeaders, signal) => {
      const sent = sentToken(sentHeaders, provider.header ?? { name: 'Authorization', scheme: 'Bearer' });
      return sent !== undefined && manager.unauthorized(sent, signal);
    },
    close: (reason) => stop(() => manager.close(reason)),
    signOut: (reason, revoke) => stop(() => manager.signOut(reason, revoke)),
  };
  async function stop(ending: () => Promise<void>): Promise<void> {
    try {
      if (typeof unbind === 'function') unbind();
    } catch {
      // Ignored like a throwing event listener.
    }
    try {
      await ending();
    } finally {
      own?.clear();
    }
  }
}

/** The token a request carried in the credential's header (`Bearer <token>`, or the bare value), if any. */
function sentToken(
  headers: SentHeaders,
  header: { readonly name: string; readonly scheme?: string | undefined },
): string | undefined {
  const value = readHeader(headers, header.name);
  if (value === undefined) return undefined;
  if (!header.scheme) return value.trim() || undefined;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(value);
  return match && match[1]!.toLowerCase() === header.scheme.toLowerCase() ? match[2] : undefined;
}

function readHeader(headers: SentHeaders, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') {
    const value: unknown = (headers as Headers).get(name);
    if (typeof value === 'string') return value;
    if (headers instanceof Headers) return undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}
