import type { AuthEventListener } from './events.js';
import { Pulse, STALLED, settledOrStalled } from './liveness.js';
import { memoryTokens } from './memory-tokens.js';

/**
 * A token as a {@link TokenStore} keeps it. Times are epoch milliseconds of the local clock.
 */
export interface StoredToken {
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  /** When the request that produced the token started. */
  readonly obtainedAt: number;
  /** When the token expires (`obtainedAt + expires_in`); absent when it does not expire. */
  readonly expiresAt?: number | undefined;
  /**
   * True when the provider refused this credential's refresh token (`invalid_grant`) and the credential has
   * no other grant: the token is expired and can never be renewed; every auth object and process sharing the
   * store then fails with `ReauthenticationRequiredError` instead of presenting the refused token again.
   */
  readonly refused?: boolean | undefined;
}

/** Options of {@link TokenStore.set}. */
export interface TokenStoreSetOptions {
  /**
   * Write only where nothing is stored yet. Set for a token known up front (a bearer token given to
   * `createAuth`): it must never replace a newer one that another process stored meanwhile.
   */
  readonly ifAbsent?: boolean | undefined;
}

/**
 * Where the token manager keeps the current token. The default keeps it in memory, per auth object. A store
 * shared by several auth objects or processes (one `memoryStore()`, Redis, ...) lets those with the same
 * credential share one token; with `lock`, one refresh for all.
 *
 * Keys name one credential at one server (`@auth/core:<baseUrl>:<kind>:<fingerprint>`): the fingerprint is a
 * one-way hash of the credential's secret material (so two API keys, or one user name with two passwords,
 * never share a key), or a random id for credentials without a stable identity (a key function, a
 * `tokenSource()` without `shareKey`). Keys never contain a secret. Stored values do: a shared store must be
 * protected like a password. A static API key (or a bearer token without refresh token) is never stored.
 * A method that throws or rejects fails the caller with an `AuthError` of code `AUTH_STORE_FAILED` whose `cause`
 * is a redacted copy of the store's error (name, message, code): the store was handed tokens, and its error may
 * carry one in fields no scrubbing reaches.
 *
 * @example
 * ```ts
 * import { createAuth, oidcPassword, type TokenStore, type StoredToken } from '@auth/core';
 * const map = new Map<string, StoredToken>();
 * const store: TokenStore = {
 *   get: (key) => map.get(key),
 *   set: (key, token) => void map.set(key, token),
 *   delete: (key) => void map.delete(key),
 * };
 * const auth = createAuth({ baseUrl: 'http://localhost:8080', credentials: oidcPassword({ username: 'u', password: 'p' }), store });
 * ```
 */
export interface TokenStore {
  /** Called on every `authorize()`: keep it fast (cache locally if the store is remote). */
  get(key: string): StoredToken | undefined | Promise<StoredToken | undefined>;
  /**
   * Called after each successful token request, after an answer that changed the refresh token, and once to
   * seed a token known up front (with `ifAbsent`: then write only where nothing is stored).
   */
  set(key: string, token: StoredToken, options?: TokenStoreSetOptions): void | Promise<void>;
  /** Removes the token (when the credential signs out). */
  delete(key: string): void | Promise<void>;
  /**
   * Runs `task` while holding an exclusive lock on `key` across every auth object and process sharing the
   * store, so one refreshes and the others read its result. Optional: without it, each auth object
   * refreshes alone.
   *
   * Pass `task` a signal that aborts when the lock is lost (a lease that expired, a renewal that failed):
   * the token manager then abandons its token request instead of presenting a refresh token that the new
   * holder presents too, and asks for the lock again. A lock that cannot be lost (an in-process one) passes
   * no signal. `signal` aborts when the auth object closes: stop waiting for the lock then (reject with
   * `signal.reason`, without running `task`).
   */
  lock?<T>(key: string, task: (signal?: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
  /**
   * The server refused `staleAccessToken` (a 401). If it is still the access token stored at `key`, make
   * `get` return it as expired from now on (e.g. `expiresAt` set to now), keeping its refresh token, so that
   * every auth object and process sharing the store stops sending it and one refreshes. Leave any other
   * (newer) token alone: compare and mark in one step. Optional (without it, the token manager marks the
   * token with `get` and `set`); called before the refresh starts, and a failure here is ignored.
   */
  invalidate?(key: string, staleAccessToken: string): void | Promise<void>;
  /**
   * Called by `createAuth` with the auth object's event listener, so the store can report its own state
   * (`store-unavailable`, `store-available`, `store-error`) through the auth object's `onEvent`. A store
   * shared by several auth objects reports to each. Returns a function that `close()` calls to stop. Not
   * called for a credential that never uses the store (a static API key).
   */
  bind?(emit: AuthEventListener): (() => void) | undefined;
}

/** What {@link memoryStore} returns: a {@link TokenStore} whose methods answer synchronously. */
export interface MemoryStore extends TokenStore {
  get(key: string): StoredToken | undefined;
  lock<T>(key: string, task: (signal?: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
  invalidate(key: string, staleAccessToken: string): void;
  /** Forgets every token. */
  clear(): void;
}

/**
 * The default {@link TokenStore}: a map in this process's memory, with an in-process lock per key (so auth
 * objects sharing one `memoryStore()` and the same credential refresh once; it is never lost, so its task
 * gets no lease signal) and `invalidate`. In a Worker, a lock whose holder's request ended (its task will
 * never finish) is taken over after about 1.5 s.
 *
 * @example
 * ```ts
 * import { createAuth, oidcPassword, memoryStore } from '@auth/core';
 * const store = memoryStore();
 * const credentials = oidcPassword({ username: 'alice', password: process.env.PASSWORD! });
 * // Two auth objects with the same credential share one token and one refresh.
 * const a = createAuth({ baseUrl: 'http://localhost:8080', credentials, store });
 * const b = createAuth({ baseUrl: 'http://localhost:8080', credentials, store });
 * ```
 */
export function memoryStore(): MemoryStore {
  /** The task holding each key's lock: when it is done, and its pulse (see `Pulse`). */
  const holders = new Map<string, { readonly done: Promise<void>; readonly pulse: Pulse }>();
  return {
    ...memoryTokens(),
    // Uncontended (the usual case), the task runs at once, without a detour through the microtask queue.
    lock: async <T>(
      key: string,
      task: (signal?: AbortSignal) => Promise<T>,
      signal: AbortSignal,
    ): Promise<T> => {
      signal.throwIfAborted();
      for (let holder = holders.get(key); holder; holder = holders.get(key)) {
        const outcome = await settledOrStalled(holder.done, holder.pulse, signal);
        // Its request ended (workerd): it will never let go.
        if (outcome === STALLED && holders.get(key) === holder) holders.delete(key);
      }
      let release!: () => void;
      const holder = { done: new Promise<void>((resolve) => (release = resolve)), pulse: new Pulse() };
      holders.set(key, holder);
      try {
        return await task();
      } finally {
        holder.pulse.stop();
        if (holders.get(key) === holder) holders.delete(key);
        release();
      }
    },
  };
}
