import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * Options of a {@link TokenRequestError}.
 */
export interface TokenRequestErrorOptions extends AuthErrorOptions {
  /** The grant that was run: `password`, `refresh_token`, `client_credentials`, `token_source`, `api_key`. */
  grant: string;
  /** The token endpoint (without query string), when the request went over HTTP. */
  url?: string | undefined;
  /** The HTTP status of the answer, when there was one. */
  status?: number | undefined;
  /** The OAuth `error` code of the answer, such as `invalid_grant`. */
  error?: string | undefined;
  /** The OAuth `error_description` of the answer. */
  error_description?: string | undefined;
  /** Whether trying again later may succeed (network failure, 429, 5xx). @default false */
  transient?: boolean | undefined;
  /**
   * Seconds the provider asked to wait before trying again (its `Retry-After` on a 429 or 503). A transient
   * failure is retried no sooner than this, capped at the retry policy's longest delay.
   */
  retryAfter?: number | undefined;
}

/**
 * A token request failed: the provider refused it (`error` holds the OAuth code, such as `invalid_grant` or
 * `invalid_client`), answered 5xx, or could not be reached. Transient failures are retried with backoff.
 *
 * @example
 * ```ts
 * import { TokenRequestError } from '@auth/core';
 * try {
 *   await auth.authorize('/v1/meta');
 * } catch (error) {
 *   if (error instanceof TokenRequestError && error.error === 'invalid_grant') console.error('wrong password?');
 * }
 * ```
 */
export class TokenRequestError extends AuthError {
  override name = 'TokenRequestError';
  readonly grant: string;
  /** `POST` when the request went over HTTP (see `url`). */
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly error: string | undefined;
  readonly error_description: string | undefined;
  readonly transient: boolean;
  /** Seconds the provider asked to wait before trying again (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined;

  constructor(message: string, options: TokenRequestErrorOptions, code = 'AUTH_TOKEN_REQUEST_FAILED') {
    super(message, code, options);
    this.grant = options.grant;
    this.url = options.url;
    this.method = options.url === undefined ? undefined : 'POST';
    this.status = options.status;
    this.error = options.error;
    this.error_description = options.error_description;
    this.transient = options.transient ?? false;
    this.retryAfter = options.retryAfter;
  }
}
