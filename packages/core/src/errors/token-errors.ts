/**
 * The errors of getting a token, in one module: a token request's (and its answer's), a timeout, discovery and
 * reauthentication. Each keeps its own file too, which re-exports it from here. One module because the index,
 * the token-request code and the OIDC code all import them: esbuild's code splitting puts such a module into a
 * chunk the app loads at start, one chunk per set of lazy chunks that use it (an API-key app loaded five chunks
 * at start, now four: about 400 B less min+gzip). rolldown keeps them out of the start either way (none is
 * thrown before the first token request) and loads them with the token manager. `isAuthError` stays in a module
 * of its own: adapters call it at start (@auth/ky), and a module is bundled whole.
 */
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
 * import { type Auth, TokenRequestError } from '@auth/core';
 *
 * declare const auth: Auth; // from createAuth()
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

/**
 * The token endpoint (or a token source) answered, but not with a usable token: no `access_token`, a
 * `token_type` other than `Bearer`, or a body that is not JSON. No header is built from such an answer
 * (never `Bearer undefined`).
 */
export class InvalidTokenResponseError extends TokenRequestError {
  override name = 'InvalidTokenResponseError';

  constructor(message: string, options: TokenRequestErrorOptions) {
    super(message, options, 'AUTH_INVALID_TOKEN_RESPONSE');
  }
}

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

/**
 * No new token can be had without the user: the token expired and there is no refresh token, or the refresh
 * token was refused and the credential has no other grant (a `bearerToken()`). Create the auth object again
 * with fresh credentials.
 */
export class ReauthenticationRequiredError extends AuthError {
  override name = 'ReauthenticationRequiredError';

  constructor(message: string, options?: AuthErrorOptions) {
    super(message, 'AUTH_REAUTHENTICATION_REQUIRED', options);
  }
}

/**
 * Options of a {@link DiscoveryError}.
 */
export interface DiscoveryErrorOptions extends AuthErrorOptions {
  /** The URL that was read, without its query string. */
  url: string;
  /** The HTTP status, when the server answered. */
  status?: number | undefined;
  /** Whether trying again later may succeed (network failure, 5xx, 429). @default false */
  transient?: boolean | undefined;
  /** The media type of the answer's body (`text/html`...), when it named one. */
  contentType?: string | undefined;
  /** The OAuth `error` of the answer (its JSON body or its `WWW-Authenticate` header), when it had one. */
  error?: string | undefined;
  /** The OAuth `error_description` of the answer, when it had one. */
  error_description?: string | undefined;
  /** The OAuth `error_uri` of the answer, when it had one. */
  error_uri?: string | undefined;
  /** Seconds the server asked to wait before trying again (`Retry-After`), when it said. */
  retryAfter?: number | undefined;
}

/**
 * Reading the OpenID configuration failed: Weaviate's `/v1/.well-known/openid-configuration`, or the
 * provider's own discovery document. Transient failures (network, 5xx, 429, timeout) are retried, and discovery
 * runs again on the next token request. An answer keeps its `status`, `contentType` and any OAuth error.
 */
export class DiscoveryError extends AuthError {
  override name = 'DiscoveryError';
  readonly url: string;
  readonly status: number | undefined;
  readonly transient: boolean;
  /** The media type of the answer's body (`text/html` for a gateway's page), when it named one. */
  readonly contentType: string | undefined;
  readonly error: string | undefined;
  readonly error_description: string | undefined;
  readonly error_uri: string | undefined;
  /** Seconds the server asked to wait before trying again (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined;

  constructor(message: string, options: DiscoveryErrorOptions) {
    super(message, 'AUTH_DISCOVERY_FAILED', options);
    this.url = options.url;
    this.status = options.status;
    this.transient = options.transient ?? false;
    this.contentType = options.contentType;
    this.error = options.error;
    this.error_description = options.error_description;
    this.error_uri = options.error_uri;
    this.retryAfter = options.retryAfter;
  }
}
