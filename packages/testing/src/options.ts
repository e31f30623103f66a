import type { ProviderProfile } from './profiles.js';

/**
 * What a configured user, API key or service client may do: `admin` reads and writes, `read-only` only reads
 * (a write gets 403). With `authorization: 'adminlist'` these are Weaviate's two lists
 * (`AUTHORIZATION_ADMINLIST_USERS`, `AUTHORIZATION_ADMINLIST_READONLY_USERS`); with `'rbac'` an admin is a
 * root user (`AUTHORIZATION_RBAC_ROOT_USERS`, role `root`) and a read-only account a viewer
 * (`EXPERIMENTAL_AUTHORIZATION_RBAC_READONLY_USERS`, role `viewer`).
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type Role } from '@auth/testing';
 *
 * const role: Role = 'read-only';
 * const server = await startWeaviateServer();
 * const key = server.keys.create(role, 'reporting');
 * await server.close();
 * ```
 */
export type Role = 'admin' | 'read-only';

/**
 * An API key the server accepts as `Authorization: Bearer <key>`, mapped to a user and a role.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type ApiKeyOption } from '@auth/testing';
 *
 * const apiKeys: ApiKeyOption[] = [{ key: 'my-admin-key', user: 'ci', role: 'admin' }];
 * const server = await startWeaviateServer({ apiKeys });
 * await server.close();
 * ```
 */
export interface ApiKeyOption {
  /** The secret sent as `Authorization: Bearer <key>`. */
  key: string;
  /** The user the key belongs to (what `GET /v1/users/own-info` answers). @default the role's default user */
  user?: string;
  /** @default 'admin' */
  role?: Role;
}

/**
 * A user of the OpenID Provider, for the password grant.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type UserOption } from '@auth/testing';
 *
 * const users: UserOption[] = [{ username: 'alice', password: 'wonderland', role: 'admin' }];
 * const server = await startWeaviateServer({ users });
 * await server.close();
 * ```
 */
export interface UserOption {
  username: string;
  password: string;
  /** @default 'admin' */
  role?: Role;
}

/**
 * A confidential client of the OpenID Provider, for the client credentials grant (`client_secret_post`).
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type ClientOption } from '@auth/testing';
 *
 * const clients: ClientOption[] = [{ clientId: 'etl', clientSecret: 's3cret', role: 'admin' }];
 * const server = await startWeaviateServer({ clients });
 * await server.close();
 * ```
 */
export interface ClientOption {
  clientId: string;
  clientSecret: string;
  /** @default 'admin' */
  role?: Role;
}

/**
 * How the server decides what an authenticated user may do, as Weaviate's two authorization modules:
 *
 * - `'adminlist'`: admin and read-only users; `GET /v1/users/own-info` answers `roles: null`; 403 messages
 *   start with `adminlist:`;
 * - `'rbac'`: built-in roles with permissions (`root` and `admin` do everything, `viewer` and `read-only`
 *   read); own-info lists each role with its `permissions`; 403 messages start with `rbac:`; roles are
 *   assigned to database users through `/v1/authz`.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type AuthorizationMode } from '@auth/testing';
 *
 * const authorization: AuthorizationMode = 'rbac';
 * const server = await startWeaviateServer({ authorization });
 * await server.close();
 * ```
 */
export type AuthorizationMode = 'adminlist' | 'rbac';

/**
 * Options of {@link startWeaviateServer}. Every field is optional.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type WeaviateServerOptions } from '@auth/testing';
 *
 * const options: WeaviateServerOptions = { accessTokenTtl: 1, anonymousAccess: false };
 * const server = await startWeaviateServer(options);
 * await server.close();
 * ```
 */
export interface WeaviateServerOptions {
  /** Interface both servers (REST and OpenID Provider) listen on. @default '127.0.0.1' */
  host?: string;
  /** Port of the REST side; 0 picks a free one. The provider always gets its own free port. @default 0 */
  port?: number;
  /** Port of the OpenID Provider; 0 picks a free one. @default 0 */
  oidcPort?: number;
  /**
   * Run the OpenID Provider. When false, `GET /v1/.well-known/openid-configuration` answers 404 with an
   * empty body and bearer JWTs are refused.
   * @default true
   */
  oidc?: boolean;
  /** Let requests without any credential through, as read-only. @default false */
  anonymousAccess?: boolean;
  /** Lifetime of access tokens in seconds (whole seconds, at least 1). @default 60 */
  accessTokenTtl?: number;
  /** Lifetime of refresh tokens in seconds (whole seconds, at least 1). @default 3600 */
  refreshTokenTtl?: number;
  /**
   * The public client (password and refresh_token grants); also the `aud` of every access token.
   * @default 'weaviate'
   */
  clientId?: string;
  /**
   * Scopes the Weaviate discovery endpoint advertises (`AUTHENTICATION_OIDC_SCOPES`). `[]` is a server
   * configured without scopes, as Weaviate Cloud is: discovery then omits `scopes` altogether.
   * @default ['openid', 'email']
   */
  scopes?: string[];
  /** Weaviate's authorization module: admin list or RBAC. See {@link AuthorizationMode}. @default 'adminlist' */
  authorization?: AuthorizationMode;
  /**
   * The database-user API (`/v1/users/db`, Weaviate 1.30+, `AUTHENTICATION_DB_USERS_ENABLED`): users created,
   * rotated, deactivated and deleted at run time, each with its own API key. When off, Weaviate's answers
   * for a server without it (an empty list; 422 `db user management is not enabled`).
   * @default true with `authorization: 'rbac'`, false with `'adminlist'`
   */
  dbUsers?: boolean;
  /** API keys. @default one admin key and one read-only key, both random */
  apiKeys?: ApiKeyOption[];
  /** Users for the password grant. @default an admin user and a read-only user, random passwords */
  users?: UserOption[];
  /**
   * Confidential clients: the client credentials grant, and the password grant of a confidential client
   * (with its secret). @default one admin service client, random secret
   */
  clients?: ClientOption[];
  /**
   * Seconds between polls the device flow asks for (the `interval` of the device authorization answer; RFC
   * 8628 says 5 when a provider names none). A poll that comes sooner gets `slow_down`, as real providers
   * answer. A fraction is allowed, for tests.
   * @default 5
   */
  deviceInterval?: number;
  /** Seconds a device code lives (`expires_in` of the device authorization answer). @default 600 */
  deviceCodeTtl?: number;
  /**
   * Redirect URIs of the public client (authorization code + PKCE), besides the loopback ones it always
   * accepts on any port: `http://127.0.0.1/`, `http://127.0.0.1/callback`, `http://localhost/` and
   * `http://localhost/callback`.
   * @default []
   */
  redirectUris?: string[];
  /**
   * Make the OpenID Provider answer like a named real provider (issuer path, token endpoint, answer fields,
   * errors, supported grants), from its public documentation; see {@link ProviderProfile}.
   * @default 'oidc-provider'
   */
  profile?: ProviderProfile;
}
