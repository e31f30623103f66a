import { OidcSession } from '../oidc/client.js';
import { clientCredentialsScope } from '../oidc/scopes.js';
import { Redacted, redacted } from '../redact.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { optionalScopes, requireString } from './validate.js';

/**
 * Options of {@link clientCredentials}.
 */
export interface ClientCredentialsOptions {
  readonly clientSecret: string;
  /** The scopes to ask for. None: the provider's default (`<clientId>/.default` on Microsoft Entra ID). */
  readonly scopes?: readonly string[] | undefined;
  /** The confidential client. @default the client id the server's discovery gives */
  readonly clientId?: string | undefined;
}

class ClientCredentialsCredentials extends Redacted implements Credentials {
  readonly kind = 'client_credentials';
  protected readonly label = 'ClientCredentials';
  readonly #secret: string;
  readonly #clientId: string | undefined;
  readonly #scopes: readonly string[] | undefined;

  constructor(options: ClientCredentialsOptions) {
    super();
    this.#secret = requireString(
      options?.clientSecret,
      'clientCredentials(): `clientSecret`',
      'Pass clientCredentials({ clientSecret }).',
    );
    this.#clientId =
      options.clientId === undefined
        ? undefined
        : requireString(
            options.clientId,
            'clientCredentials(): `clientId`',
            'Pass the client id, or leave it out.',
          );
    this.#scopes = optionalScopes(options.scopes, 'clientCredentials(): `scopes`');
  }

  bind(env: CredentialEnvironment): TokenProvider {
    const session = new OidcSession(env);
    const client = { clientId: this.#clientId, secret: this.#secret };
    const scopes = this.#scopes;
    let scope: string | undefined;
    return {
      grant: 'client_credentials',
      renewable: true,
      identity: client.clientId,
      keyMaterial: () => ({
        parts: [client.secret, JSON.stringify(scopes ?? null), JSON.stringify(env.oidc ?? null)],
      }),
      secrets: () => [client.secret],
      obtain: (request) =>
        session.clientCredentials(
          client,
          (discovered) => {
            scope ??= clientCredentialsScope(
              scopes,
              client.clientId ?? discovered.clientId,
              discovered.tokenEndpoint,
            );
            return scope;
          },
          request,
        ),
      refresh: (refreshToken, request) => session.refresh(refreshToken, request, client),
    };
  }

  protected describe(): Record<string, unknown> {
    return {
      kind: this.kind,
      clientId: this.#clientId ?? '(from discovery)',
      clientSecret: redacted,
      scopes: this.#scopes ?? [],
    };
  }
}

/**
 * A confidential client's secret: the client-credentials grant (client_secret_post), run again at expiry
 * (providers rarely give a refresh token for it).
 *
 * @example
 * ```ts
 * import { createAuth, clientCredentials } from '@auth/core';
 * const auth = createAuth({
 *   baseUrl: 'https://my-cluster.weaviate.cloud',
 *   credentials: clientCredentials({ clientSecret: process.env.CLIENT_SECRET!, scopes: ['api://weaviate/.default'] }),
 * });
 * ```
 */
export function clientCredentials(options: ClientCredentialsOptions): Credentials {
  return new ClientCredentialsCredentials(options);
}
