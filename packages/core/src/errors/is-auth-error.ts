import { AUTH_ERROR_BRAND, AuthError } from './auth-error.js';

const names = new Set([
  'AuthError',
  'ConfigurationError',
  'DiscoveryError',
  'TokenRequestError',
  'InvalidTokenResponseError',
  'TimeoutError',
  'ReauthenticationRequiredError',
  'InsecureTransportError',
  'AuthClosedError',
  'SignedOutError',
]);

/**
 * Whether `error` is an `AuthError`: one of `@auth/core`'s errors or any subclass (such as `RedisStoreError`
 * of `@auth/redis-store`), also when it comes from another copy of the package (a second install, the other
 * of the ESM and CJS builds), where `instanceof` fails. It checks `instanceof`, then the brand every
 * `AuthError` carries (`Symbol.for('@auth/core.AuthError')`), then, for copies older than the brand, the
 * `name` of core's own classes together with an `AUTH_` code.
 *
 * @example
 * ```ts
 * import { type Auth, isAuthError } from '@auth/core';
 *
 * declare const auth: Auth; // from createAuth()
 * try {
 *   await auth.authorize('/v1/meta');
 * } catch (error) {
 *   if (isAuthError(error)) console.error(error.code);
 * }
 * ```
 */
export function isAuthError(error: unknown): error is AuthError {
  if (error instanceof AuthError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code !== 'string' || typeof (error as { message?: unknown }).message !== 'string') return false;
  if ((error as { [AUTH_ERROR_BRAND]?: unknown })[AUTH_ERROR_BRAND] === true) return true;
  return typeof name === 'string' && names.has(name) && code.startsWith('AUTH_');
}
