import { AuthClosedError } from './auth-closed-error.js';

/**
 * The auth object was signed out with `signOut()`: its token was forgotten (and its refresh token revoked
 * at the provider, unless asked not to), and it gives out no more credentials. Sign in again with a new one.
 */
export class SignedOutError extends AuthClosedError {
  override name = 'SignedOutError';

  constructor() {
    super(
      'This auth object was signed out: create a new one with createAuth() to sign in again.',
      'AUTH_SIGNED_OUT',
    );
  }
}
