import { joinScopes } from '../oidc/scopes.js';
import { oidcSession, sessionMembers } from '../oidc/session.js';
import { Redacted, redacted } from '../redact.js';
import { type OidcClientOptions, type ParsedClientOptions, parseClientOptions } from './client-options.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { optionalScopes, requireString } from './validate.js';

/**
 * Options of {@link oidcPassword}. With `clientSecret`, the grant goes out as a confidential client (client
 * id + secret + username + password), as Keycloak, Okta, Auth0 and Entra ID apps with a secret require.
 */
export interface OidcPasswordOptions extends OidcClientOptions {
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
  readonly #client: ParsedClientOptions;

  constructor(options: OidcPasswordOptions) {
    super();
    const hint = 'Pass oidcPassword({ username, password }).';
    this.#username = requireString(options?.username, 'oidcPassword(): `username`', hint);
    this.#password = requireString(options?.password, 'oidcPassword(): `password`', hint);
    this.#scopes = optionalScopes(options.scopes, 'oidcPassword(): `scopes`');
    this.#client = parseClientOptions(options, 'oidcPassword()');
  }

  bind(env: CredentialEnvironment): TokenProvider {
    const session = oidcSession(env);
    const username = this.#username;
    const password = this.#password;
    const userScopes = this.#scopes;
    const { client, extraParams, keyParts } = this.#client;
    const grant = { client, extraParams };
    let scope: string | undefined;
    return {
      grant: 'password',
      renewable: true,
      identity: username,
      keyMaterial: () => ({
        parts: [password, JSON.stringify(userScopes ?? []), JSON.stringify(env.oidc ?? null), ...keyParts],
        lowEntropy: true,
      }),
      secrets: () => [password, client?.secret ?? ''],
      obtain: async (request) => {
        const oidc = await session();
        const discovered = await oidc.discover(request);
        // Computed once: the same scope on every request, however often tokens are renewed.
        scope ??= joinScopes(discovered.scopes, userScopes, ['offline_access']);
        return oidc.password(username, password, scope, request, grant);
      },
      ...sessionMembers(session, grant),
    };
  }

  protected describe(): Record<string, unknown> {
    return {
      kind: this.kind,
      username: this.#username,
      password: redacted,
      scopes: this.#scopes ?? [],
      ...this.#client.description,
    };
  }
}

/**
 * A user name and password: OIDC discovery through the Weaviate server, the password grant once, then the
 * refresh-token grant (falling back to the password when the refresh token is refused). A confidential client
 * adds `clientId` and `clientSecret`; `extraParams` adds form parameters such as Auth0's `audience`.
 *
 * @example
 * ```ts
 * import { createAuth, oidcPassword } from '@auth/core';
 * const auth = createAuth({
 *   baseUrl: 'http://localhost:8080',
 *   credentials: oidcPassword({ username: 'alice', password: process.env.WEAVIATE_PASSWORD! }),
 * });
 * // a confidential client: oidcPassword({ username, password, clientId: 'app', clientSecret: process.env.CLIENT_SECRET! })
 * ```
 */
export function oidcPassword(options: OidcPasswordOptions): Credentials {
  return new OidcPasswordCredentials(options);
}
