import { describe, expect, it } from 'vitest';
import { AuthError } from './auth-error.js';
import { isAuthError } from './is-auth-error.js';
import { TimeoutError } from './timeout-error.js';

/** What an AuthError subclass from another copy of @auth/core looks like: same brand, other class. */
function foreignAuthError(name: string, code: string): Error {
  class ForeignAuthError extends Error {
    readonly code = code;
  }
  Object.defineProperty(ForeignAuthError.prototype, Symbol.for('@auth/core.AuthError'), { value: true });
  class Subclass extends ForeignAuthError {
    override name = name;
  }
  return new Subclass('Something failed. Do this.');
}

describe('isAuthError', () => {
  it('recognises core’s errors and any subclass of AuthError', () => {
    class StoreError extends AuthError {
      override name = 'StoreError';
    }
    expect(isAuthError(new TimeoutError({ target: 'The thing', timeout: 5 }))).toBe(true);
    expect(isAuthError(new StoreError('The store failed. Check it.', 'AUTH_STORE'))).toBe(true);
  });

  it('recognises any AuthError subclass from another copy of the package by its brand (instanceof fails there)', () => {
    const foreign = foreignAuthError('RedisStoreError', 'AUTH_REDIS_UNAVAILABLE');
    expect(foreign instanceof AuthError).toBe(false);
    expect(isAuthError(foreign)).toBe(true);
  });

  it('still recognises core’s own names from a copy without the brand, and nothing else', () => {
    const old = Object.assign(new Error('Timed out.'), { name: 'TimeoutError', code: 'AUTH_TIMEOUT' });
    expect(isAuthError(old)).toBe(true);
    const unknown = Object.assign(new Error('x'), {
      name: 'RedisStoreError',
      code: 'AUTH_REDIS_UNAVAILABLE',
    });
    expect(isAuthError(unknown)).toBe(false);
    expect(isAuthError(Object.assign(new Error('x'), { name: 'TimeoutError', code: 'ETIMEDOUT' }))).toBe(
      false,
    );
    expect(isAuthError(new Error('plain'))).toBe(false);
    expect(isAuthError(undefined)).toBe(false);
    expect(isAuthError('AuthError')).toBe(false);
  });

  it('keeps the brand out of JSON and util.inspect (it is no secret, only noise)', async () => {
    const { inspect } = await import('node:util');
    const error = new AuthError('Failed. Retry.', 'AUTH_X');
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
    expect(inspect(error)).not.toContain('@auth/core.AuthError');
    expect(JSON.stringify(error)).toBe('{"name":"AuthError","code":"AUTH_X"}');
  });
});
