import { ConfigurationError } from '../errors/configuration-error.js';
import { OidcSession } from '../oidc/client.js';
import { Redacted, redacted } from '../redact.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { requireToken } from './validate.js';

/**
 * Options of {@link bearerToken}.
 */
export interface BearerTokenOptions {
  readonly accessToken: string;
  /** Seconds the access token still lives, counted from the call to `bearerToken()`. */
  readonly expiresIn: number;
  /** Renews the access token (through the provider the server's discovery names). */
  readonly refreshToken?: string | undefined;
}

class BearerTokenCredentials extends Redacted implements Credentials {
  readonly kind = 'bearer_token';
  protected readonly label = 'BearerTokenCredentials';
  readonly #accessToken: string;
  readonly #refreshToken: string | undefined;
  readonly #expiresAt: number;

  constructor(options: BearerTokenOptions) {
    super();
    const hint = 'Pass bearerToken({ accessToken, expiresIn, refreshToken? }).';
    this.#accessToken = requireToken(options?.accessToken, 'bearerToken(): `accessToken`', hint);
    this.#refreshToken =
      options.refreshToken === undefined
        ? undefined
        : requireToken(options.refreshToken, 'bearerToken(): `refreshToken`', hint);
    const { expiresIn } = options;
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0) {
      throw new ConfigurationError(
        'bearerToken(): `expiresIn` must be the number of seconds the access token still lives (0 or more), e.g. the `expires_in` of the token response.',
      );
    }
    this.#expiresAt = Date.now() + expiresIn * 1000;
  }

  bind(env: CredentialEnvironment): TokenProvider {
    let session: OidcSession | undefined;
    return {
      grant: 'refresh_token',
      renewable: this.#refreshToken !== undefined,
      // Processes given the same token (and refresh token) share it; different ones never do.
      keyMaterial: () => ({ parts: [this.#refreshToken ?? this.#accessToken] }),
      secrets: () => [this.#accessToken, ...(this.#refreshToken === undefined ? [] : [this.#refreshToken])],
      initial: () => ({
        accessToken: this.#accessToken,
        expiresIn: Math.max(0, (this.#expiresAt - Date.now()) / 1000),
        refreshToken: this.#refreshToken,
      }),
      refresh: (refreshToken, request) => {
        session ??= new OidcSession(env);
        return session.refresh(refreshToken, request);
      },
    };
  }

  protected describe(): Record<string, unknown> {
    return {
      kind: this.kind,
      accessToken: redacted,
      refreshToken: this.#refreshToken === undefined ? undefined : redacted,
      expiresAt: new Date(this.#expiresAt).toISOString(),
    };
  }
}

/**
 * A token you already have (from a login page, another library). Refreshed with its refresh token; without
 * one, requests fail with `ReauthenticationRequiredError` once it expires (an expired token is never sent).
 *
 * @example
 * ```ts
 * import { createAuth, bearerToken } from '@auth/core';
 * const auth = createAuth({
 *   baseUrl: 'http://localhost:8080',
 *   credentials: bearerToken({ accessToken: tokens.access_token, expiresIn: tokens.expires_in, refreshToken: tokens.refresh_token }),
 * });
 * ```
 */
export function bearerToken(options: BearerTokenOptions): Credentials {
  return new BearerTokenCredentials(options);
}
