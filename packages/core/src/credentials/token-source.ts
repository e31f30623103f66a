import { ConfigurationError } from '../errors/configuration-error.js';
import type { RefreshReason } from '../events.js';
import { Redacted } from '../redact.js';
import type { Credentials, TokenProvider, TokenSet } from './credentials.js';
import { requireString } from './validate.js';

/**
 * What a token source function is told.
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
 * import { createAuth, type TokenSourceFunction, tokenSource } from '@auth/core';
 *
 * const source: TokenSourceFunction = async (signal) => {
 *   const response = await fetch('https://tokens.internal/issue', { method: 'POST', signal });
 *   return { accessToken: await response.text(), expiresIn: 300 };
 * };
 * const auth = createAuth({ baseUrl: 'https://api.example.com', credentials: tokenSource(source) });
 * ```
 */
export type TokenSourceFunction = (
  signal: AbortSignal,
  context: TokenSourceContext,
) => Promise<TokenSet> | TokenSet;

/**
 * Options of {@link tokenSource}.
 */
export interface TokenSourceOptions {
  /**
   * A non-secret name for the credential the function returns tokens of, e.g. `'billing-service'`. Auth
   * objects (and processes) with the same `baseUrl`, the same shared store and the same `shareKey` share one
   * token and one refresh, so give it only to functions that return tokens of one and the same credential.
   * Without it, the tokens of this `tokenSource()` are never shared with another one.
   */
  readonly shareKey?: string | undefined;
}

class TokenSourceCredentials extends Redacted implements Credentials {
  readonly kind = 'token_source';
  protected readonly label = 'TokenSourceCredentials';
  readonly #source: TokenSourceFunction;
  readonly #shareKey: string | undefined;

  constructor(source: TokenSourceFunction, options: TokenSourceOptions) {
    super();
    if (typeof source !== 'function') {
      throw new ConfigurationError(
        'tokenSource(): pass a function that returns { accessToken, expiresIn?, refreshToken? }.',
      );
    }
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError(
        "tokenSource(): the second argument must be an options object, e.g. { shareKey: 'my-service' }.",
      );
    }
    this.#source = source;
    this.#shareKey =
      options.shareKey === undefined
        ? undefined
        : requireString(
            options.shareKey,
            'tokenSource(): `shareKey`',
            "Pass a non-secret name such as { shareKey: 'my-service' }, or leave it out.",
          );
  }

  bind(): TokenProvider {
    const source = this.#source;
    return {
      grant: 'token_source',
      renewable: true,
      // Without a shareKey a function has no stable identity: its key holds a random id of this credential.
      ...(this.#shareKey === undefined ? {} : { identity: this.#shareKey }),
      timeoutTarget: 'The tokenSource() function',
      obtain: async ({ signal, reason, refreshToken }) => source(signal, { refreshToken, reason }),
    };
  }

  protected describe(): Record<string, unknown> {
    return this.#shareKey === undefined ? { kind: this.kind } : { kind: this.kind, shareKey: this.#shareKey };
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
 *     const body = (await response.json()) as { access_token: string; expires_in: number };
 *     return { accessToken: body.access_token, expiresIn: body.expires_in };
 *   }),
 * });
 * // Shared by every process using one Redis store: tokenSource(fn, { shareKey: 'login.example.com/app' })
 * ```
 */
export function tokenSource(source: TokenSourceFunction, options: TokenSourceOptions = {}): Credentials {
  return new TokenSourceCredentials(source, options);
}
