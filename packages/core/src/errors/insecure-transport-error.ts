import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * A credential would travel over plain `http:` to a host that is not loopback. Use `https:`, or set
 * `allowInsecureHttp: true` if the network path is trusted.
 */
export class InsecureTransportError extends AuthError {
  override name = 'InsecureTransportError';
  /** The URL (origin) that was refused. */
  readonly url: string;

  constructor(url: string, what: string, options?: AuthErrorOptions) {
    super(
      `Refusing to send ${what} over plain http to ${url}: only loopback hosts may use http. Use https, or pass \`allowInsecureHttp: true\` to createAuth if this network is trusted.`,
      'AUTH_INSECURE_TRANSPORT',
      options,
    );
    this.url = url;
  }
}
