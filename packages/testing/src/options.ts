import type { ProviderProfile } from './profiles.js';

/**
 * What a user, an API key or a service client may do, like Weaviate's adminlist: `admin` reads and writes,
 * `read-only` only reads (a write gets 403).
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
  /** Scopes the Weaviate discovery endpoint advertises. @default ['openid', 'email'] */
  scopes?: string[];
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
   * Make the OpenID Provider answer like a named real provider (issuer path, token endpoint, answer fields,
   * errors, supported grants), from its public documentation; see {@link ProviderProfile}.
   * @default 'oidc-provider'
   */
  profile?: ProviderProfile;
}
