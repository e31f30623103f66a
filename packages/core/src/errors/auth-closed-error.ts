import { AuthError } from './auth-error.js';

/**
 * The auth object was closed with `close()`; it gives out no more credentials. Create a new one.
 */
export class AuthClosedError extends AuthError {
  override name = 'AuthClosedError';

  constructor(
    message = 'This auth object was closed: create a new one with createAuth().',
    code = 'AUTH_CLOSED',
  ) {
    super(message, code);
  }
}
