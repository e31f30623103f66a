import { ConfigurationError } from '../errors/configuration-error.js';
import type { StoredToken, TokenStore } from '../store.js';

/** The parts of the Web Storage API the store uses. */
type WebStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * A {@link TokenStore} in the tab's `sessionStorage` (opt-in; tokens stay in memory by default): the token
 * outlives a reload of the page, and goes away with the tab. Anything that runs script in the page can read
 * it, as it can read a token in memory; other tabs and sites cannot. Give it to `createAuth({ store })`.
 *
 * @example
 * ```ts
 * import { createAuth } from '@auth/core';
 * import { authorizationCode, sessionStorageStore } from '@auth/core/browser';
 * const auth = createAuth({
 *   baseUrl: 'https://my-cluster.weaviate.cloud',
 *   credentials: authorizationCode({ redirectUri: `${location.origin}/` }),
 *   store: sessionStorageStore(),
 * });
 * ```
 */
export function sessionStorageStore(options: { readonly storage?: WebStorage | undefined } = {}): TokenStore {
  const storage = options.storage ?? (globalThis as { sessionStorage?: WebStorage }).sessionStorage;
  if (typeof storage?.getItem !== 'function') {
    throw new ConfigurationError(
      'sessionStorageStore(): there is no sessionStorage here (not a browser page?). Leave `store` out to keep tokens in memory, or pass `storage`.',
    );
  }
  const read = (key: string): StoredToken | undefined => {
    const text = storage.getItem(key);
    const token = parse(text);
    // Something else wrote there, or a value of an older version: not a token to send.
    if (token === undefined && text !== null) storage.removeItem(key);
    return token;
  };
  return {
    get: read,
    set: (key, token, setOptions) => {
      if (setOptions?.ifAbsent && read(key) !== undefined) return;
      storage.setItem(key, JSON.stringify(token));
    },
    delete: (key) => storage.removeItem(key),
    invalidate: (key, staleAccessToken) => {
      const token = read(key);
      if (token?.accessToken !== staleAccessToken) return;
      const now = Date.now();
      if (token.expiresAt === undefined || token.expiresAt > now) {
        storage.setItem(key, JSON.stringify({ ...token, expiresAt: now }));
      }
    },
  };
}

function parse(text: string | null): StoredToken | undefined {
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const token = value as Record<string, unknown> | null;
  const optional = (field: unknown, type: string) => field === undefined || typeof field === type;
  if (
    typeof token?.accessToken !== 'string' ||
    typeof token.obtainedAt !== 'number' ||
    !optional(token.refreshToken, 'string') ||
    !optional(token.expiresAt, 'number') ||
    !optional(token.refused, 'boolean')
  ) {
    return undefined;
  }
  return token as unknown as StoredToken;
}
