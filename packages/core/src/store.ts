/**
 * A token as a {@link TokenStore} keeps it. Times are epoch milliseconds of the local clock.
 *
 * @example
 * ```ts
 * const token: StoredToken = { accessToken: 'eyJ…', refreshToken: 'r-1', obtainedAt: Date.now(), expiresAt: Date.now() + 300_000 };
 * ```
 */
export interface StoredToken {
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  /** When the request that produced the token started. */
  readonly obtainedAt: number;
  /** When the token expires (`obtainedAt + expires_in`); absent when it does not expire. */
  readonly expiresAt?: number | undefined;
}

/**
 * Where the token manager keeps the current token. The default keeps it in memory, per auth object. A store
 * shared by several processes (Redis, ...) lets them share one token; with `lock`, one refresh for all.
 * Keys never contain a secret. Stored values do: a shared store must be protected like a password.
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
  /** Called after each successful token request (and once to seed a token known up front). */
  set(key: string, token: StoredToken): void | Promise<void>;
  /** Called when the stored token can no longer be renewed (reauthentication is required). */
  delete(key: string): void | Promise<void>;
  /**
   * Runs `task` while holding an exclusive lock on `key` across every process sharing the store, so one
   * process refreshes and the others read its result. Optional: without it, each process refreshes alone.
   */
  lock?<T>(key: string, task: () => Promise<T>, signal: AbortSignal): Promise<T>;
}

/**
 * The default {@link TokenStore}: a map in this process's memory.
 *
 * @example
 * ```ts
 * import { createAuth, apiKey, memoryStore } from '@auth/core';
 * const auth = createAuth({ baseUrl: 'http://localhost:8080', credentials: apiKey('key'), store: memoryStore() });
 * ```
 */
export function memoryStore(): TokenStore & { clear(): void } {
  const tokens = new Map<string, StoredToken>();
  return {
    get: (key) => tokens.get(key),
    set: (key, token) => void tokens.set(key, token),
    delete: (key) => void tokens.delete(key),
    clear: () => tokens.clear(),
  };
}
