import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * Options of a {@link TimeoutError}.
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
