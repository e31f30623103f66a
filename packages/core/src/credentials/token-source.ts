import { withTimeout } from '../abort.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import type { RefreshReason } from '../events.js';
import { Redacted } from '../redact.js';
import type { CredentialEnvironment, Credentials, TokenProvider, TokenSet } from './credentials.js';

/**
 * What a token source function is told.
 *
 * @example
 * ```ts
 * tokenSource(async (signal, { refreshToken, reason }) => (refreshToken ? renew(refreshToken, signal) : login(signal)));
 * ```
 */
export interface TokenSourceContext {
  /** The refresh token of the previous result, if it had one. */
  readonly refreshToken: string | undefined;
  readonly reason: RefreshReason;
}

/**
 * Returns a new token. `signal` aborts at the `timeout` or when the auth object closes. Leaving out
 * `expiresIn` means the token is used until the server answers 401.
 *
 * @example
 * ```ts
 * const source: TokenSourceFunction = async (signal) => ({ accessToken: await getToken(signal), expiresIn: 300 });
 * createAuth({ baseUrl, credentials: tokenSource(source) });
 * ```
 */
export type TokenSourceFunction = (
  signal: AbortSignal,
  context: TokenSourceContext,
) => Promise<TokenSet> | TokenSet;

class TokenSourceCredentials extends Redacted implements Credentials {
  readonly kind = 'token_source';
  protected readonly label = 'TokenSourceCredentials';
  readonly #source: TokenSourceFunction;

  constructor(source: TokenSourceFunction) {
    super();
    if (typeof source !== 'function') {
      throw new ConfigurationError(
        'tokenSource(): pass a function that returns { accessToken, expiresIn?, refreshToken? }.',
      );
    }
    this.#source = source;
  }

  bind(env: CredentialEnvironment): TokenProvider {
    const source = this.#source;
    return {
      grant: 'token_source',
      renewable: true,
      obtain: ({ signal, reason, refreshToken }) =>
        withTimeout((inner) => Promise.resolve(source(inner, { refreshToken, reason })), {
          signal,
          timeout: env.timeout,
          target: 'The tokenSource() function',
        }),
    };
  }

  protected describe(): Record<string, unknown> {
    return { kind: this.kind };
  }
}

/**
 * Any other way of getting a token: your function runs whenever a new token is needed, once at a time.
 *
 * @example
 * ```ts
 * import { createAuth, tokenSource } from '@auth/core';
 * const auth = createAuth({
 *   baseUrl: 'https://api.example.com',
 *   credentials: tokenSource(async (signal) => {
 *     const response = await fetch('https://login.example.com/token', { method: 'POST', signal });
 *     const body = await response.json();
 *     return { accessToken: body.access_token, expiresIn: body.expires_in };
 *   }),
 * });
 * ```
 */
export function tokenSource(source: TokenSourceFunction): Credentials {
  return new TokenSourceCredentials(source);
}
