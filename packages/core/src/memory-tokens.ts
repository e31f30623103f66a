import type { StoredToken, TokenStoreSetOptions } from './store.js';

/**
 * The tokens of a memory store: a map, with `invalidate` (compare and mark in one step). `memoryStore()`
 * adds a lock for auth objects that share it; the store of one token manager's own needs none.
 */
export function memoryTokens() {
  const tokens = new Map<string, StoredToken>();
  return {
    get: (key: string): StoredToken | undefined => tokens.get(key),
    set: (key: string, token: StoredToken, options?: TokenStoreSetOptions): void => {
      if (!options?.ifAbsent || !tokens.has(key)) tokens.set(key, token);
    },
    delete: (key: string): void => void tokens.delete(key),
    invalidate: (key: string, staleAccessToken: string): void => {
      const token = tokens.get(key);
      if (token?.accessToken !== staleAccessToken) return;
      const now = Date.now();
      if (token.expiresAt === undefined || token.expiresAt > now)
        tokens.set(key, { ...token, expiresAt: now });
    },
    /** Forgets every token. */
    clear: (): void => tokens.clear(),
  };
}
