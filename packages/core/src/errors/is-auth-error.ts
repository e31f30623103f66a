import { AuthError } from './auth-error.js';

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
]);

/**
 * Whether `error` is an error of `@auth/core`. Also true for errors from another copy of the package (it
 * compares `name` and the `AUTH_` code, not only `instanceof`).
 *
 * @example
 * ```ts
 * import { isAuthError } from '@auth/core';
 * try {
 *   await auth.authorize('/v1/meta');
 * } catch (error) {
 *   if (isAuthError(error)) console.error(error.code);
 * }
 * ```
 */
export function isAuthError(error: unknown): error is AuthError {
  if (error instanceof AuthError) return true;
  if (!(error instanceof Error) || !names.has(error.name)) return false;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('AUTH_');
}
