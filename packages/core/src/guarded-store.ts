import { AuthError } from './errors/auth-error.js';
import { isOwnError } from './redact.js';
import type { TokenStore } from './store.js';

/**
 * A token store given to `createAuth`, with every failure of its own turned into an `AuthError` (code
 * `AUTH_STORE_FAILED`) whose `cause` is a redacted copy: the store is handed tokens, and a database driver's
 * error may carry the one it was writing in fields that no message scrubbing reaches (Sequelize's
 * `parameters`, an ORM's query). Errors of this package (a lock timeout of `@auth/redis-store`, a refresh that
 * failed inside the lock) and the reason of the lock's aborted signal pass as they are. A synchronous answer
 * stays synchronous.
 */
export function guardedStore(store: TokenStore): TokenStore {
  const guarded: TokenStore = {
    get: (key) => guard('get', () => store.get(key)),
    set: (key, token, options) => guard('set', () => store.set(key, token, options)),
    delete: (key) => guard('delete', () => store.delete(key)),
  };
  if (store.invalidate) {
    guarded.invalidate = (key, staleAccessToken) =>
      guard('invalidate', () => store.invalidate!(key, staleAccessToken));
  }
  if (store.lock) {
    guarded.lock = (key, task, signal) =>
      guard('lock', () => store.lock!(key, task, signal), signal) as ReturnType<typeof task>;
  }
  if (store.bind) guarded.bind = (emit) => store.bind!(emit);
  return guarded;
}

function guard<T>(method: string, call: () => T | PromiseLike<T>, signal?: AbortSignal): T | Promise<T> {
  const failed = (error: unknown): never => {
    if (isOwnError(error) || (signal?.aborted && error === signal.reason)) throw error;
    const name = error instanceof Error ? error.name : typeof error;
    throw new AuthError(
      `The token store's ${method}() failed with ${name}; see \`cause\`. Check the store (is its database reachable?).`,
      'AUTH_STORE_FAILED',
      { cause: error },
    );
  };
  let result: T | PromiseLike<T>;
  try {
    result = call();
  } catch (error) {
    return failed(error);
  }
  return typeof (result as PromiseLike<T> | undefined)?.then === 'function'
    ? Promise.resolve(result).then(undefined, failed)
    : (result as T);
}
