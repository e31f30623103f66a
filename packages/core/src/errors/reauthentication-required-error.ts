import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * No new token can be had without the user: the token expired and there is no refresh token, or the refresh
 * token was refused and the credential has no other grant (a `bearerToken()`). Create the auth object again
 * with fresh credentials.
 *
 * @example
 * ```ts
 * import { ReauthenticationRequiredError } from '@auth/core';
 * try {
 *   await auth.authorize('/v1/meta');
 * } catch (error) {
 *   if (error instanceof ReauthenticationRequiredError) console.log('please log in again');
 * }
 * ```
 */
export class ReauthenticationRequiredError extends AuthError {
  override name = 'ReauthenticationRequiredError';

  constructor(message: string, options?: AuthErrorOptions) {
    super(message, 'AUTH_REAUTHENTICATION_REQUIRED', options);
  }
}
