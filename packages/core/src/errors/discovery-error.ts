import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * Options of a {@link DiscoveryError}.
 */
export interface DiscoveryErrorOptions extends AuthErrorOptions {
  /** The URL that was read, without its query string. */
  url: string;
  /** The HTTP status, when the server answered. */
  status?: number | undefined;
  /** Whether trying again later may succeed (network failure, 5xx). @default false */
  transient?: boolean | undefined;
}

/**
 * Reading the OpenID configuration failed: Weaviate's `/v1/.well-known/openid-configuration`, or the
 * provider's own discovery document. Transient failures (network, 5xx, timeout) are retried, and discovery
 * runs again on the next token request.
 */
export class DiscoveryError extends AuthError {
  override name = 'DiscoveryError';
  readonly url: string;
  readonly status: number | undefined;
  readonly transient: boolean;

  constructor(message: string, options: DiscoveryErrorOptions) {
    super(message, 'AUTH_DISCOVERY_FAILED', options);
    this.url = options.url;
    this.status = options.status;
    this.transient = options.transient ?? false;
  }
}
