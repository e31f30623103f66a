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
  /** The OAuth `error_uri` of the answer: a page about the error, when the provider names one. */
  error_uri?: string | undefined;
  /** The media type of the answer's body (`application/json`, `text/html`...), when it named one. */
  contentType?: string | undefined;
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
 * Whatever the body, an answer keeps its `status` and `contentType`, and the OAuth `error`,
 * `error_description` and `error_uri` of its JSON body or its `WWW-Authenticate` header.
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
  /** The OAuth `error_uri` of the answer (from its body or its `WWW-Authenticate` header), when it had one. */
  readonly error_uri: string | undefined;
  /** The media type of the answer's body (`text/html` for a gateway's page), when it named one. */
  readonly contentType: string | undefined;
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
    this.error_uri = options.error_uri;
    this.contentType = options.contentType;
    this.transient = options.transient ?? false;
    this.retryAfter = options.retryAfter;
  }
}
