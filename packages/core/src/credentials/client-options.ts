import type { ConfidentialClient, ExtraParams, TokenEndpointAuthMethod } from '../oidc/client.js';
import { redacted } from '../redact.js';
import { optionalAuthMethod, optionalExtraParams, requireString } from './validate.js';

/**
 * The OAuth client a credential's token requests go out as, and what they send besides their grant's own
 * parameters. Shared by {@link oidcPassword}, {@link clientCredentials} and {@link bearerToken}.
 *
 * @example
 * ```ts
 * import { oidcPassword } from '@auth/core';
 * // Auth0: a confidential client, and the API the access token is for
 * oidcPassword({
 *   username: 'alice',
 *   password: process.env.PASSWORD!,
 *   clientId: 'my-app',
 *   clientSecret: process.env.CLIENT_SECRET!,
 *   extraParams: { audience: 'https://weaviate.example.com' },
 * });
 * ```
 */
export interface OidcClientOptions {
  /** The client the token requests go out as. @default the client id the server's discovery gives */
  readonly clientId?: string | undefined;
  /**
   * The client's secret, for a confidential client (Keycloak, Okta, Auth0 and Entra ID apps with a secret):
   * sent with every token request of the credential, refreshes included. Without it, the client is public.
   */
  readonly clientSecret?: string | undefined;
  /**
   * How the client secret is sent: HTTP Basic (`client_secret_basic`) or in the form
   * (`client_secret_post`).
   * @default from the provider's `token_endpoint_auth_methods_supported`: `client_secret_post` when listed,
   *   else `client_secret_basic`
   */
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined;
  /**
   * Form parameters added to every token request of the credential: `audience` (Auth0, Okta custom
   * authorization servers), `resource` (Entra ID v1, RFC 8707; an array sends it repeated), or any other.
   * Parameters core sets itself (`grant_type`, `client_id`, `client_secret`, `username`, `password`,
   * `refresh_token`, `scope`) are refused: each has its own option.
   */
  readonly extraParams?: Readonly<Record<string, string | readonly string[]>> | undefined;
}

/** {@link OidcClientOptions}, checked. */
export interface ParsedClientOptions {
  /** Undefined for the public client of discovery with nothing to change. */
  readonly client: ConfidentialClient | undefined;
  readonly extraParams: ExtraParams | undefined;
  /** What `toJSON()`/`util.inspect()` of the credential shows of them (the secret redacted). */
  readonly description: Record<string, unknown>;
  /** The parts of the token store key they add: another client or other parameters get other tokens. */
  readonly keyParts: readonly string[];
}

/** Checks {@link OidcClientOptions}; `where` is the function name for messages, e.g. `oidcPassword()`. */
export function parseClientOptions(options: OidcClientOptions, where: string): ParsedClientOptions {
  const hint = 'Pass a non-empty string, or leave it out.';
  const clientId =
    options.clientId === undefined
      ? undefined
      : requireString(options.clientId, `${where}: \`clientId\``, hint);
  const secret =
    options.clientSecret === undefined
      ? undefined
      : requireString(options.clientSecret, `${where}: \`clientSecret\``, hint);
  const authMethod = optionalAuthMethod(
    options.tokenEndpointAuthMethod,
    `${where}: \`tokenEndpointAuthMethod\``,
  );
  const extraParams = optionalExtraParams(options.extraParams, `${where}: \`extraParams\``);
  const client =
    clientId === undefined && secret === undefined && authMethod === undefined
      ? undefined
      : { clientId, secret, authMethod };
  return {
    client,
    extraParams,
    description: {
      ...(clientId === undefined ? {} : { clientId }),
      ...(secret === undefined ? {} : { clientSecret: redacted }),
      ...(authMethod === undefined ? {} : { tokenEndpointAuthMethod: authMethod }),
      ...(extraParams === undefined ? {} : { extraParams }),
    },
    keyParts: [clientId ?? '', secret ?? '', JSON.stringify(extraParams ?? null)],
  };
}
