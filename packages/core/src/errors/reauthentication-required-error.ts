import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * No new token can be had without the user: the token expired and there is no refresh token, or the refresh
 * token was refused and the credential has no other grant (a `bearerToken()`). Create the auth object again
 * with fresh credentials.
 */
export class ReauthenticationRequiredError extends AuthError {
  override name = 'ReauthenticationRequiredError';

  constructor(message: string, options?: AuthErrorOptions) {
    super(message, 'AUTH_REAUTHENTICATION_REQUIRED', options);
  }
}
