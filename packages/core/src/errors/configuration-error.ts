import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * The options given to `createAuth` or to a credential are wrong (a missing `baseUrl`, an empty key, both an
 * API key and OIDC settings, ...), or the server's setup does not fit them (OIDC is off on the server).
 * Thrown as early as possible; the message says what to change. Never retried.
 */
export class ConfigurationError extends AuthError {
  override name = 'ConfigurationError';

  constructor(message: string, options?: AuthErrorOptions) {
    super(message, 'AUTH_CONFIGURATION', options);
  }
}
