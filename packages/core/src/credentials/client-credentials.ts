import { clientCredentialsScope } from '../oidc/scopes.js';
import { oidcSession, sessionMembers } from '../oidc/session.js';
import { Redacted, redacted } from '../redact.js';
import { type OidcClientOptions, type ParsedClientOptions, parseClientOptions } from './client-options.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { optionalScopes, requireString } from './validate.js';

/**
 * Options of {@link clientCredentials}.
 */
export interface ClientCredentialsOptions extends OidcClientOptions {
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
  readonly #options: ParsedClientOptions;

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
    this.#options = parseClientOptions(options, 'clientCredentials()');
  }

  bind(env: CredentialEnvironment): TokenProvider {
    const session = oidcSession(env);
    const { extraParams, keyParts } = this.#options;
    const client = {
      clientId: this.#clientId,
      secret: this.#secret,
      authMethod: this.#options.client?.authMethod,
    };
    const scopes = this.#scopes;
    let scope: string | undefined;
    return {
      grant: 'client_credentials',
      renewable: true,
      identity: client.clientId,
      keyMaterial: () => ({
        parts: [client.secret, JSON.stringify(scopes ?? null), JSON.stringify(env.oidc ?? null), ...keyParts],
      }),
      secrets: () => [client.secret],
      obtain: async (request) =>
        (await session()).clientCredentials(
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
          extraParams,
        ),
      ...sessionMembers(session, { client, extraParams }),
    };
  }

  protected describe(): Record<string, unknown> {
    return {
      kind: this.kind,
      clientId: this.#clientId ?? '(from discovery)',
      clientSecret: redacted,
      scopes: this.#scopes ?? [],
      ...this.#options.description,
    };
  }
}

/**
 * A confidential client's secret: the client-credentials grant, run again at expiry (providers rarely give a
 * refresh token for it). The secret goes as `client_secret_post` or `client_secret_basic`, as the provider's
 * discovery document lists them (or `tokenEndpointAuthMethod` says); `extraParams` adds form parameters
 * such as Auth0's `audience` or Entra ID v1's `resource`.
 *
 * @example
 * ```ts
 * import { createAuth, clientCredentials } from '@auth/core';
 * const auth = createAuth({
 *   baseUrl: 'https://my-cluster.weaviate.cloud',
 *   credentials: clientCredentials({ clientSecret: process.env.CLIENT_SECRET!, scopes: ['api://weaviate/.default'] }),
 * });
 * // Auth0: clientCredentials({ clientId, clientSecret, extraParams: { audience: 'https://weaviate.example.com' } })
 * ```
 */
export function clientCredentials(options: ClientCredentialsOptions): Credentials {
  return new ClientCredentialsCredentials(options);
}
