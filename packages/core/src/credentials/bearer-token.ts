import { ConfigurationError } from '../errors/configuration-error.js';
import { oidcSession, sessionMembers } from '../oidc/session.js';
import { Redacted, redacted } from '../redact.js';
import { type OidcClientOptions, type ParsedClientOptions, parseClientOptions } from './client-options.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { requireToken } from './validate.js';

/**
 * Options of {@link bearerToken}. The client options apply to refreshes: a refresh token issued to a
 * confidential client is refreshed with its `clientId` and `clientSecret`.
 */
export interface BearerTokenOptions extends OidcClientOptions {
  /** The access token. Leave it out to start from a refresh token alone (the first request refreshes). */
  readonly accessToken?: string | undefined;
  /** Seconds the access token still lives, counted from the call to `bearerToken()` (with `accessToken`). */
  readonly expiresIn?: number | undefined;
  /** Renews the access token (through the provider the server's discovery names). */
  readonly refreshToken?: string | undefined;
}

class BearerTokenCredentials extends Redacted implements Credentials {
  readonly kind = 'bearer_token';
  protected readonly label = 'BearerTokenCredentials';
  readonly #accessToken: string | undefined;
  readonly #refreshToken: string | undefined;
  readonly #expiresAt: number;
  readonly #client: ParsedClientOptions;

  constructor(options: BearerTokenOptions) {
    super();
    const hint =
      'Pass bearerToken({ accessToken, expiresIn, refreshToken? }), or bearerToken({ refreshToken }) to start from a refresh token alone.';
    const given = (value: unknown, name: string) =>
      value === undefined ? undefined : requireToken(value, `bearerToken(): \`${name}\``, hint);
    this.#refreshToken = given(options?.refreshToken, 'refreshToken');
    this.#accessToken =
      this.#refreshToken === undefined || options.accessToken !== undefined
        ? requireToken(options?.accessToken, 'bearerToken(): `accessToken`', hint)
        : undefined;
    const { expiresIn } = options;
    if (
      this.#accessToken !== undefined &&
      (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0)
    ) {
      throw new ConfigurationError(
        'bearerToken(): `expiresIn` must be the number of seconds the access token still lives (0 or more), e.g. the `expires_in` of the token response.',
      );
    }
    this.#expiresAt = Date.now() + (expiresIn ?? 0) * 1000;
    this.#client = parseClientOptions(options, 'bearerToken()');
  }

  bind(env: CredentialEnvironment): TokenProvider {
    const session = oidcSession(env);
    const { client, extraParams } = this.#client;
    return {
      grant: 'refresh_token',
      renewable: this.#refreshToken !== undefined,
      // Processes given the same token (and refresh token) share it; different ones never do.
      keyMaterial: () => ({ parts: [(this.#refreshToken ?? this.#accessToken)!] }),
      secrets: () => [this.#accessToken ?? '', this.#refreshToken ?? '', client?.secret ?? ''],
      initial: () => {
        if (this.#accessToken === undefined) return { refreshToken: this.#refreshToken! };
        // Called when the token session starts: discover the provider now, not when the token goes stale
        // and many requests are waiting for the refresh.
        if (this.#refreshToken !== undefined) session.warm();
        return {
          accessToken: this.#accessToken,
          expiresIn: Math.max(0, (this.#expiresAt - Date.now()) / 1000),
          refreshToken: this.#refreshToken,
        };
      },
      ...sessionMembers(session, { client, extraParams }),
    };
  }

  protected describe(): Record<string, unknown> {
    return {
      kind: this.kind,
      accessToken: this.#accessToken === undefined ? undefined : redacted,
      refreshToken: this.#refreshToken === undefined ? undefined : redacted,
      expiresAt: this.#accessToken === undefined ? undefined : new Date(this.#expiresAt).toISOString(),
      ...this.#client.description,
    };
  }
}

/**
 * A token you already have (from a login page, another library). Refreshed with its refresh token; without
 * one, requests fail with `ReauthenticationRequiredError` once it expires (an expired token is never sent).
 * A refresh token alone (a CLI or a job that stored one) works too: `bearerToken({ refreshToken })`.
 *
 * @example
 * ```ts
 * import { createAuth, bearerToken } from '@auth/core';
 *
 * // What a token endpoint answered, e.g. to your login page.
 * declare const tokens: { access_token: string; expires_in: number; refresh_token: string };
 * const auth = createAuth({
 *   baseUrl: 'http://localhost:8080',
 *   credentials: bearerToken({ accessToken: tokens.access_token, expiresIn: tokens.expires_in, refreshToken: tokens.refresh_token }),
 * });
 * ```
 */
export function bearerToken(options: BearerTokenOptions): Credentials {
  return new BearerTokenCredentials(options);
}
