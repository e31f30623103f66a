import { AuthError } from './auth-error.js';

/**
 * The auth object was closed with `close()`; it gives out no more credentials. Create a new one.
 *
 * @example
 * ```ts
 * import { AuthClosedError, createAuth, apiKey } from '@auth/core';
 * const auth = createAuth({ baseUrl: 'http://localhost:8080', credentials: apiKey('key') });
 * await auth.close();
 * await auth.authorize('/v1/meta').catch((error) => console.log(error instanceof AuthClosedError)); // true
 * ```
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
