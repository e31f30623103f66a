import { AuthError } from './auth-error.js';

/**
 * The auth object was closed with `close()`; it gives out no more credentials. Create a new one.
 */
export class AuthClosedError extends AuthError {
  override name = 'AuthClosedError';

  constructor() {
    super(
      'This auth object was closed; it gives out no more credentials. Create a new one with createAuth().',
      'AUTH_CLOSED',
    );
  }
}
