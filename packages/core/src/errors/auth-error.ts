import { AUTH_ERROR_BRAND, safeCause } from '../redact.js';

export { AUTH_ERROR_BRAND } from '../redact.js';

/**
 * Options every {@link AuthError} accepts.
 */
export interface AuthErrorOptions {
  /** The error that caused this one. Stored as a redacted copy: name, message, code and HTTP status only. */
  cause?: unknown;
}

/**
 * The base class of every error `@auth/core` throws. `code` is stable across releases; `name` is the class
 * name; `cause` is a redacted copy of the underlying error (it never carries a response body or a secret).
 *
 * @example
 * ```ts
 * import { type Auth, AuthError } from '@auth/core';
 *
 * declare const auth: Auth; // from createAuth()
 * try {
 *   await auth.authorize('/v1/meta');
 * } catch (error) {
 *   if (error instanceof AuthError) console.error(error.code, error.message);
 * }
 * ```
 */
export class AuthError extends Error {
  override name = 'AuthError';
  /** A stable machine-readable code, such as `AUTH_TOKEN_REQUEST_FAILED`. */
  readonly code: string;

  constructor(message: string, code = 'AUTH_ERROR', options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: safeCause(options.cause) });
    this.code = code;
  }

  static {
    // Non-enumerable, on the prototype: invisible in JSON and util.inspect, inherited by every subclass.
    Object.defineProperty(AuthError.prototype, AUTH_ERROR_BRAND, { value: true });
  }
}
