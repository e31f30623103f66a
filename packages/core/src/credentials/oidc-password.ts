import { OidcSession } from '../oidc/client.js';
import { joinScopes } from '../oidc/scopes.js';
import { Redacted, redacted } from '../redact.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { optionalScopes, requireString } from './validate.js';

/**
 * Options of {@link oidcPassword}.
 */
export interface OidcPasswordOptions {
  readonly username: string;
  readonly password: string;
  /** Scopes in addition to the server's and `offline_access`. */
  readonly scopes?: readonly string[] | undefined;
}

class OidcPasswordCredentials extends Redacted implements Credentials {
  readonly kind = 'oidc_password';
  protected readonly label = 'OidcPasswordCredentials';
  readonly #username: string;
  readonly #password: string;
  readonly #scopes: readonly string[] | undefined;

  constructor(options: OidcPasswordOptions) {
    super();
    const hint = 'Pass oidcPassword({ username, password }).';
    this.#username = requireString(options?.username, 'oidcPassword(): `username`', hint);
    this.#password = requireString(options?.password, 'oidcPassword(): `password`', hint);
    this.#scopes = optionalScopes(options.scopes, 'oidcPassword(): `scopes`');
  }

  bind(env: CredentialEnvironment): TokenProvider {
    const session = new OidcSession(env);
    const username = this.#username;
    const password = this.#password;
    const userScopes = this.#scopes;
    let scope: string | undefined;
    return {
      grant: 'password',
      renewable: true,
      identity: username,
      keyMaterial: () => ({
        parts: [password, JSON.stringify(userScopes ?? []), JSON.stringify(env.oidc ?? null)],
        lowEntropy: true,
      }),
      secrets: () => [password],
      obtain: async (request) => {
        const discovered = await session.discover(request);
        // Computed once: the same scope on every request, however often tokens are renewed.
        scope ??= joinScopes(discovered.scopes, userScopes, ['offline_access']);
        return session.password(username, password, scope, request);
      },
      refresh: (refreshToken, request) => session.refresh(refreshToken, request),
    };
  }

  protected describe(): Record<string, unknown> {
    return { kind: this.kind, username: this.#username, password: redacted, scopes: this.#scopes ?? [] };
  }
}

/**
 * A user name and password: OIDC discovery through the Weaviate server, the password grant once, then the
 * refresh-token grant (falling back to the password when the refresh token is refused).
 *
 * @example
 * ```ts
 * import { createAuth, oidcPassword } from '@auth/core';
 * const auth = createAuth({
 *   baseUrl: 'http://localhost:8080',
 *   credentials: oidcPassword({ username: 'alice', password: process.env.WEAVIATE_PASSWORD! }),
 * });
 * ```
 */
export function oidcPassword(options: OidcPasswordOptions): Credentials {
  return new OidcPasswordCredentials(options);
}
