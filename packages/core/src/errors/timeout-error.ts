import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * Options of a {@link TimeoutError}.
 *
 * @example
 * ```ts
 * throw new TimeoutError({ target: 'The vault', timeout: 5_000 });
 * ```
 */
export interface TimeoutErrorOptions extends AuthErrorOptions {
  /** What timed out, e.g. `POST https://issuer/token` or `the token source`. */
  target: string;
  /** The limit that was reached, in milliseconds. */
  timeout: number;
}

/**
 * A token or discovery request did not answer within the `timeout` option (10 s by default). Retried with
 * backoff like other transient failures.
 *
 * @example
 * ```ts
 * import { TimeoutError, createAuth, apiKey } from '@auth/core';
 * const auth = createAuth({ baseUrl: 'http://localhost:8080', credentials: apiKey('key'), timeout: 5_000 });
 * // an `error instanceof TimeoutError` has `error.timeout === 5000`
 * ```
 */
export class TimeoutError extends AuthError {
  override name = 'TimeoutError';
  readonly target: string;
  readonly timeout: number;

  constructor(options: TimeoutErrorOptions) {
    super(
      `${options.target} did not answer within ${options.timeout} ms. Check that the server is reachable, or raise the \`timeout\` option.`,
      'AUTH_TIMEOUT',
      options,
    );
    this.target = options.target;
    this.timeout = options.timeout;
  }
}
