import { statSync } from 'node:fs';
import type { StoredToken, TokenStore } from '@auth/core';
import { withFileLock } from './file-lock.js';
import { deleteLogin, type LoginInfo, readLogin, writeLogin } from './login-file.js';

/**
 * The token store of one stored login: its file. Every token the auth object obtains (a refreshed one, a
 * rotated refresh token) is written back, so that the next run starts from it; processes sharing the login
 * refresh under a file lock, one at a time. One login holds one token: the key core passes is not used.
 * `delete` (on `auth.signOut()`) deletes the file.
 */
export function loginStore(file: string, info: LoginInfo): TokenStore {
  let cache: { readonly stamp: string; readonly token: StoredToken | undefined } | undefined;
  const load = (): StoredToken | undefined => {
    let stamp: string;
    try {
      const stat = statSync(file);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      cache = undefined;
      return undefined;
    }
    // Unchanged since it was last read: no decryption on every request of a long-running app.
    if (cache?.stamp === stamp) return cache.token;
    const token = readLogin(file)?.token;
    cache = { stamp, token };
    return token;
  };
  const save = (token: StoredToken): void => {
    writeLogin(file, info, token);
    cache = undefined;
  };
  return {
    get: () => load(),
    set: (_key, token, options) => {
      if (options?.ifAbsent && load() !== undefined) return;
      save(token);
    },
    delete: () => {
      deleteLogin(file);
      cache = undefined;
    },
    invalidate: (_key, staleAccessToken) => {
      const token = load();
      if (token === undefined || token.accessToken !== staleAccessToken) return;
      const now = Date.now();
      if (token.expiresAt === undefined || token.expiresAt > now) save({ ...token, expiresAt: now });
    },
    lock: (_key, task, signal) => withFileLock(file, () => task(), signal),
  };
}
