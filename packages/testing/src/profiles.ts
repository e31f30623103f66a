import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The real OpenID Providers (and the gateway) the embedded provider can answer like, from their public
 * documentation: `startWeaviateServer({ profile: 'keycloak' })`. `'oidc-provider'` is the embedded provider
 * as it is (the default).
 *
 * | profile | issuer path | token endpoint | what it does differently |
 * | --- | --- | --- | --- |
 * | `keycloak` | `/realms/weaviate` | `.../protocol/openid-connect/token` | `refresh_expires_in`, `not-before-policy`, `session_state`; a wrong client secret is `401 unauthorized_client`; a refused refresh is `invalid_grant` "Session not active" |
 * | `entra-v1` | `/<tenant>` | `/<tenant>/oauth2/token` | `resource` parameter required; `expires_in`, `ext_expires_in`, `expires_on` as strings; AADSTS codes |
 * | `entra-v2` | `/<tenant>/v2.0` | `/<tenant>/oauth2/v2.0/token` | client credentials only with a `<resource>/.default` scope; `ext_expires_in`; AADSTS codes, `error_codes`, `error_uri` |
 * | `okta` | `/oauth2/default` | `.../v1/token` | an opaque access token unless `audience` is sent; confidential clients use `client_secret_basic` |
 * | `auth0` | `/` | `/oauth/token` | an opaque access token unless `audience` is sent; a wrong client secret is `401 access_denied` "Unauthorized"; a wrong password `403 invalid_grant` |
 * | `google` | `/` | `/oauth2/v4/token` | no password or client-credentials grant; refresh tokens never rotate (the refresh answer has none) |
 * | `authentik` | `/application/o/weaviate/` (trailing slash) | `/application/o/token/` | the issuer ends in a slash |
 * | `cognito` | `/<pool>` | `/oauth2/token` | no password grant, no device flow; `client_secret_basic` only; a wrong client secret is `400 invalid_client` |
 * | `html-gateway` | `/` | `/token` | every token request gets a gateway's `403` HTML page |
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type ProviderProfile } from '@auth/testing';
 *
 * const profile: ProviderProfile = 'keycloak';
 * const server = await startWeaviateServer({ profile });
 * console.log(server.issuer); // http://127.0.0.1:PORT/realms/weaviate
 * await server.close();
 * ```
 */
export type ProviderProfile =
  | 'oidc-provider'
  | 'keycloak'
  | 'entra-v1'
  | 'entra-v2'
  | 'okta'
  | 'auth0'
  | 'google'
  | 'authentik'
  | 'cognito'
  | 'html-gateway';

/** The grants of a token request, as the profiles tell them apart. */
type GrantType = 'password' | 'refresh_token' | 'client_credentials';

/**
 * What a test needs to know about a profile: which credential kinds it supports and which extra parameters
 * it wants. See {@link providerProfiles}.
 *
 * @example
 * ```ts
 * import { providerProfiles } from '@auth/testing';
 *
 * const { password, clientCredentials, extraParams } = providerProfiles.auth0;
 * console.log(password, clientCredentials, extraParams); // true true { audience: 'https://weaviate.test/api' }
 * ```
 */
export interface ProviderProfileInfo {
  readonly name: ProviderProfile;
  /** The password grant (public and confidential clients). */
  readonly password: boolean;
  /** The client-credentials grant. */
  readonly clientCredentials: boolean;
  /** Whether a refresh answer brings a new refresh token (rotation). */
  readonly rotatesRefreshTokens: boolean;
  /** The device authorization grant (RFC 8628): a `device_authorization_endpoint` in discovery. */
  readonly deviceFlow: boolean;
  /** The parameters every token request must carry to get a JWT the Weaviate side accepts. */
  readonly extraParams: Readonly<Record<string, string>>;
  /** The scopes a client-credentials request must ask for (Entra ID v2: `<resource>/.default`). */
  readonly clientCredentialsScopes: readonly string[];
  /** How the provider's confidential clients authenticate, when only one way works for them. */
  readonly clientAuthMethod: 'client_secret_post' | 'client_secret_basic';
}

/** The API the Okta, Auth0 and Entra ID profiles issue JWT access tokens for. */
const API = 'https://weaviate.test/api';
const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

interface ProfileDefinition extends ProviderProfileInfo {
  /** The issuer's path (no trailing slash), and whether the issuer ends in one. */
  readonly issuerPath: string;
  readonly trailingSlash: boolean;
  /** The token endpoint's path. */
  readonly tokenPath: string;
  /** `token_endpoint_auth_methods_supported` of the discovery document. */
  readonly authMethods: readonly string[];
  /** The parameter a request without `extraParams` lacks: an error, or an opaque token that no API accepts. */
  readonly missingParam: 'error' | 'opaque-token';
  /** Every token request is answered with an HTML page (a gateway in front of the provider). */
  readonly gateway: boolean;
  /**
   * Confidential clients must authenticate with `clientAuthMethod` and no other way (Okta's apps; the embedded
   * provider itself takes either).
   */
  readonly strictClientAuth: boolean;
  /** Fields added to a successful token answer. */
  shape?(json: Record<string, unknown>, grant: GrantType, refreshTokenTtl: number): Record<string, unknown>;
  /** The provider's own way of refusing, from the embedded provider's `error` and the grant. */
  refuse?(error: string, grant: GrantType): ProfileAnswer | undefined;
}

/** An answer a profile gives instead of the embedded provider's. */
export interface ProfileAnswer {
  readonly status: number;
  readonly body: Record<string, unknown> | string;
  readonly headers?: Record<string, string>;
}

const base = {
  trailingSlash: false,
  password: true,
  clientCredentials: true,
  rotatesRefreshTokens: true,
  deviceFlow: true,
  extraParams: {},
  clientCredentialsScopes: [],
  clientAuthMethod: 'client_secret_post',
  authMethods: ['client_secret_basic', 'client_secret_post', 'none'],
  missingParam: 'error',
  gateway: false,
  strictClientAuth: false,
} as const;

const entraError = (code: number, error: string, text: string, status = 400): ProfileAnswer => {
  const trace = randomUUID();
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${trace} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: trace,
      correlation_id: randomUUID(),
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
};

const entraRefusals = (error: string, grant: GrantType): ProfileAnswer | undefined => {
  if (error === 'invalid_client') {
    return entraError(
      7000215,
      'invalid_client',
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      401,
    );
  }
  if (error === 'invalid_grant' && grant === 'password') {
    return entraError(
      50126,
      'invalid_grant',
      'Error validating credentials due to invalid username or password.',
    );
  }
  if (error === 'invalid_grant') {
    return entraError(
      70008,
      'invalid_grant',
      'The provided authorization code or refresh token has expired due to inactivity.',
    );
  }
  return undefined;
};

const seconds = (value: unknown) => String(typeof value === 'number' ? value : 0);

const definitions: Record<ProviderProfile, ProfileDefinition> = {
  'oidc-provider': {
    ...base,
    name: 'oidc-provider',
    issuerPath: '',
    tokenPath: '/token',
    authMethods: [
      'client_secret_basic',
      'client_secret_jwt',
      'client_secret_post',
      'private_key_jwt',
      'none',
    ],
  },
  keycloak: {
    ...base,
    name: 'keycloak',
    issuerPath: '/realms/weaviate',
    tokenPath: '/realms/weaviate/protocol/openid-connect/token',
    authMethods: [
      'private_key_jwt',
      'client_secret_basic',
      'client_secret_post',
      'tls_client_auth',
      'client_secret_jwt',
    ],
    shape: (json, _grant, refreshTokenTtl) => ({
      ...json,
      refresh_expires_in: json.refresh_token ? refreshTokenTtl : 0,
      'not-before-policy': 0,
      session_state: randomUUID(),
    }),
    refuse: (error, grant) => {
      if (error === 'invalid_client') {
        return {
          status: 401,
          body: {
            error: 'unauthorized_client',
            error_description: 'Invalid client or Invalid client credentials',
          },
        };
      }
      if (error === 'invalid_grant') {
        return grant === 'password'
          ? { status: 401, body: { error: 'invalid_grant', error_description: 'Invalid user credentials' } }
          : { status: 400, body: { error: 'invalid_grant', error_description: 'Session not active' } };
      }
      return undefined;
    },
  },
  'entra-v1': {
    ...base,
    name: 'entra-v1',
    issuerPath: `/${TENANT}`,
    tokenPath: `/${TENANT}/oauth2/token`,
    authMethods: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    extraParams: { resource: API },
    shape: (json) => {
      const now = Math.floor(Date.now() / 1000);
      const lifetime = typeof json.expires_in === 'number' ? json.expires_in : 0;
      return {
        ...json,
        expires_in: seconds(lifetime),
        ext_expires_in: seconds(lifetime),
        expires_on: String(now + lifetime),
        not_before: String(now),
        resource: API,
      };
    },
    refuse: entraRefusals,
  },
  'entra-v2': {
    ...base,
    name: 'entra-v2',
    issuerPath: `/${TENANT}/v2.0`,
    tokenPath: `/${TENANT}/oauth2/v2.0/token`,
    authMethods: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    clientCredentialsScopes: [`${API}/.default`],
    shape: (json) => ({ ...json, ext_expires_in: json.expires_in }),
    refuse: entraRefusals,
  },
  okta: {
    ...base,
    name: 'okta',
    issuerPath: '/oauth2/default',
    tokenPath: '/oauth2/default/v1/token',
    authMethods: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      'none',
    ],
    extraParams: { audience: API },
    missingParam: 'opaque-token',
    clientAuthMethod: 'client_secret_basic',
    strictClientAuth: true,
    refuse: (error, grant) => {
      if (error === 'invalid_client') {
        return {
          status: 401,
          body: {
            error: 'invalid_client',
            error_description: 'The client secret supplied for a confidential client is invalid.',
          },
        };
      }
      if (error === 'invalid_grant') {
        return {
          status: 400,
          body: {
            error: 'invalid_grant',
            error_description:
              grant === 'password'
                ? 'The credentials provided were invalid.'
                : 'The refresh token is invalid or expired.',
          },
        };
      }
      return undefined;
    },
  },
  auth0: {
    ...base,
    name: 'auth0',
    issuerPath: '',
    trailingSlash: true,
    tokenPath: '/oauth/token',
    authMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    extraParams: { audience: API },
    missingParam: 'opaque-token',
    refuse: (error, grant) => {
      if (error === 'invalid_client')
        return { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } };
      if (error === 'invalid_grant') {
        return {
          status: 403,
          body: {
            error: 'invalid_grant',
            error_description:
              grant === 'password' ? 'Wrong email or password.' : 'Unknown or invalid refresh token.',
          },
        };
      }
      return undefined;
    },
  },
  google: {
    ...base,
    name: 'google',
    issuerPath: '',
    tokenPath: '/oauth2/v4/token',
    password: false,
    clientCredentials: false,
    rotatesRefreshTokens: false,
    authMethods: ['client_secret_post', 'client_secret_basic'],
    refuse: (error) => {
      if (error === 'invalid_client')
        return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
      if (error === 'invalid_grant') {
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
        };
      }
      return undefined;
    },
  },
  authentik: {
    ...base,
    name: 'authentik',
    issuerPath: '/application/o/weaviate',
    trailingSlash: true,
    tokenPath: '/application/o/token/',
    authMethods: ['client_secret_post', 'client_secret_basic'],
  },
  cognito: {
    ...base,
    name: 'cognito',
    issuerPath: '/us-east-1_Example',
    tokenPath: '/oauth2/token',
    password: false,
    rotatesRefreshTokens: false,
    deviceFlow: false,
    authMethods: ['client_secret_basic'],
    clientAuthMethod: 'client_secret_basic',
    refuse: (error) => {
      if (error === 'invalid_client') return { status: 400, body: { error: 'invalid_client' } };
      if (error === 'invalid_grant') return { status: 400, body: { error: 'invalid_grant' } };
      return undefined;
    },
  },
  'html-gateway': {
    ...base,
    name: 'html-gateway',
    issuerPath: '',
    tokenPath: '/token',
    gateway: true,
  },
};

/**
 * What each {@link ProviderProfile} supports and needs, for tests that run every credential kind a profile
 * supports.
 *
 * @example
 * ```ts
 * import { providerProfiles } from '@auth/testing';
 *
 * for (const profile of Object.values(providerProfiles)) console.log(profile.name, profile.password);
 * ```
 */
export const providerProfiles: Readonly<Record<ProviderProfile, ProviderProfileInfo>> = Object.freeze(
  Object.fromEntries(
    Object.values(definitions).map((d) => [
      d.name,
      Object.freeze({
        name: d.name,
        password: d.password && !d.gateway,
        clientCredentials: d.clientCredentials && !d.gateway,
        rotatesRefreshTokens: d.rotatesRefreshTokens,
        deviceFlow: d.deviceFlow && !d.gateway,
        extraParams: d.extraParams,
        clientCredentialsScopes: d.clientCredentialsScopes,
        clientAuthMethod: d.clientAuthMethod,
      }),
    ]),
  ) as Record<ProviderProfile, ProviderProfileInfo>,
);

/** The definition of `name`, or a clear error for an unknown one. */
export function profileDefinition(name: ProviderProfile | undefined): ProfileDefinition {
  const definition = definitions[name ?? 'oidc-provider'];
  if (!definition) {
    throw new TypeError(
      `startWeaviateServer: profile must be one of ${Object.keys(definitions).join(', ')}; got ${JSON.stringify(name)}.`,
    );
  }
  return definition;
}

export type { GrantType, ProfileDefinition };

/**
 * Checks and rewrites a token request's form the way the profile's provider would read it: the grant must be
 * one it supports, its extra parameter must be there (then it is dropped: the embedded provider issues for
 * one API only), Entra ID v2's client credentials must ask for `<resource>/.default`. Returns the answer to
 * give instead, if the provider would refuse; `opaque` when the access token must be one no API accepts.
 */
export function screenTokenRequest(
  profile: ProfileDefinition,
  form: URLSearchParams,
  authorization: string | undefined,
): { refuse?: ProfileAnswer; opaque: boolean } {
  if (profile.gateway) {
    return {
      opaque: false,
      refuse: {
        status: 403,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>Access Denied</h1><p>You must sign in to the corporate gateway to reach this resource.</p><form action="/gateway/login" method="post"><input name="user"><input name="pass" type="password"></form></body></html>',
      },
    };
  }
  const grant = form.get('grant_type');
  const unsupported =
    (grant === 'password' && !profile.password) ||
    (grant === 'client_credentials' && !profile.clientCredentials) ||
    (grant === 'urn:ietf:params:oauth:grant-type:device_code' && !profile.deviceFlow);
  if (unsupported) {
    return {
      opaque: false,
      refuse: {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: `grant_type ${grant} is not supported` },
      },
    };
  }
  const sentBasic = authorization?.toLowerCase().startsWith('basic ') === true;
  const sentPost = form.has('client_secret');
  if (
    profile.strictClientAuth &&
    (sentBasic || sentPost) &&
    sentBasic !== (profile.clientAuthMethod === 'client_secret_basic')
  ) {
    return {
      opaque: false,
      refuse: {
        status: 401,
        body: {
          error: 'invalid_client',
          error_description:
            'Client authentication failed. Either the client or the client credentials are invalid.',
        },
      },
    };
  }
  let opaque = false;
  for (const [name, value] of Object.entries(profile.extraParams)) {
    const sent = form.get(name);
    form.delete(name);
    if (grant === 'refresh_token' || sent === value) continue;
    if (profile.missingParam === 'opaque-token') {
      opaque = true;
      continue;
    }
    const answer = profile.name.startsWith('entra')
      ? entraError(
          900144,
          'invalid_request',
          `The request body must contain the following parameter: '${name}'.`,
        )
      : { status: 400, body: { error: 'invalid_request', error_description: `${name} is missing or wrong` } };
    return { opaque, refuse: answer };
  }
  if (profile.clientCredentialsScopes.length > 0 && grant === 'client_credentials') {
    const scope = form.get('scope') ?? '';
    if (!profile.clientCredentialsScopes.every((s) => scope.split(' ').includes(s))) {
      return {
        opaque,
        refuse: entraError(
          1002012,
          'invalid_scope',
          `The provided value for scope ${scope || '(none)'} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        ),
      };
    }
    form.delete('scope');
  }
  return { opaque };
}

/** An opaque access token, as Okta and Auth0 issue without an `audience`: no API can verify it. */
export function opaqueToken(): string {
  return randomBytes(24).toString('base64url');
}
