import { AuthError, type AuthErrorOptions } from './auth-error.js';

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
