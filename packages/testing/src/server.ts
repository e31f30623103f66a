import { createServer } from 'node:http';
import {
  ApiKeyRegistry,
  type ApiKeys,
  ClientDirectory,
  type Clients,
  type UserCredentials,
  UserDirectory,
  type Users,
} from './accounts.js';
import { Authenticator } from './authenticate.js';
import { Authorizer } from './authorization.js';
import { browserSignIn, type SignInOptions } from './browser-sign-in.js';
import { DbUserStore } from './db-users.js';
import type { DeviceFlow } from './device-flow.js';
import { type Faults, type MalformedKind, TokenFaultQueue } from './faults.js';
import { ObjectStore } from './object-store.js';
import { closeServer, listen, OidcProviderHost } from './oidc-provider.js';
import type { AuthorizationMode, Role, WeaviateServerOptions } from './options.js';
import { createRestHandler } from './rest.js';
import { type ServerStats, StatsRecorder } from './stats.js';
import { UsersApi } from './users-api.js';

/**
 * Tokens from a real password grant, as {@link WeaviateServer.issueTokens} returns them.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type IssuedTokens } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const tokens: IssuedTokens = await server.issueTokens();
 * console.log(tokens.expiresIn); // 60
 * await server.close();
 * ```
 */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds, as the token endpoint answered. */
  expiresIn: number;
}

/**
 * Options of {@link WeaviateServer.issueTokens}.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type IssueTokensOptions } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const options: IssueTokensOptions = { scope: 'openid email offline_access' };
 * await server.issueTokens('read-only', options);
 * await server.close();
 * ```
 */
export interface IssueTokensOptions {
  /** Must contain `offline_access` (a refresh token is always returned). @default 'openid offline_access' */
  scope?: string;
}

/**
 * A running embedded Weaviate-compatible server and its OpenID Provider. See {@link startWeaviateServer}.
 *
 * @example
 * ```ts
 * import { startWeaviateServer } from '@auth/testing';
 *
 * await using server = await startWeaviateServer();
 * const res = await fetch(`${server.url}/v1/meta`, { headers: { authorization: `Bearer ${server.keys.admin}` } });
 * console.log(res.status); // 200
 * ```
 */
export interface WeaviateServer {
  /** The REST side, e.g. `'http://127.0.0.1:41235'` (no trailing slash). */
  readonly url: string;
  /** The OpenID Provider's issuer, e.g. `'http://127.0.0.1:41236'`; `''` when OIDC is off. */
  readonly issuer: string;
  /** The provider's token endpoint (`${issuer}/token`); `''` when OIDC is off. */
  readonly tokenEndpoint: string;
  /** The public client id; also the `aud` of every access token. */
  readonly clientId: string;
  /** The scopes the discovery endpoint advertises (none: discovery omits `scopes`). */
  readonly scopes: readonly string[];
  /** The authorization module: `'adminlist'` or `'rbac'`. */
  readonly authorization: AuthorizationMode;
  /** Whether the database-user API (`/v1/users/db`) is on. */
  readonly dbUsers: boolean;
  readonly keys: ApiKeys;
  readonly users: Users;
  readonly clients: Clients;
  readonly stats: ServerStats;
  readonly faults: Faults;
  /**
   * The device flow (RFC 8628) as a test drives it in place of a person: approve, deny or expire a code,
   * answer `slow_down`. Throws when OIDC is off.
   */
  readonly deviceFlow: DeviceFlow;
  /**
   * What a person does in a browser for the authorization code flow: opens `authorizationUrl`, signs in at
   * the provider's page as `options.user` (or presses Cancel with `deny`), and is sent back. Resolves with
   * the URL the browser is sent to (the redirect URI with `code` and `state`, or with `error`), without
   * loading it. A wrong password rejects.
   * @default user 'admin'
   */
  signIn(authorizationUrl: string, options?: SignInOptions): Promise<string>;
  /** Whether requests without a credential get through (as read-only). Settable at run time. */
  anonymousAccess: boolean;
  /**
   * Runs a real password grant against the provider (counted in `stats.tokenRequests`) and returns the
   * tokens. `user` is a role (`'admin'` or `'read-only'`, the default users) or explicit credentials.
   * @default user 'admin', scope 'openid offline_access'
   */
  issueTokens(user?: Role | UserCredentials, options?: IssueTokensOptions): Promise<IssuedTokens>;
  /** Stops both servers, closes every connection and clears every timer. Safe to call twice. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function checkTtl(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(
      `startWeaviateServer: ${name} must be a whole number of seconds >= 1, got ${String(value)}.`,
    );
  }
  return value;
}

function checkSeconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `startWeaviateServer: ${name} must be a number of seconds > 0, got ${String(value)}.`,
    );
  }
  return value;
}

function checkPort(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new TypeError(
      `startWeaviateServer: ${name} must be 0 (any free port) or 1-65535, got ${String(value)}.`,
    );
  }
  return value;
}

/**
 * Starts an embedded Weaviate-compatible server on 127.0.0.1 (REST subset, API keys, admin and read-only
 * users) and a real OpenID Provider (oidc-provider) on its own loopback port: password grant, client
 * credentials, refresh tokens with rotation, JWT access tokens. Everything is in memory.
 *
 * @example
 * ```ts
 * import { startWeaviateServer } from '@auth/testing';
 *
 * const server = await startWeaviateServer({ accessTokenTtl: 1 });
 * const { accessToken } = await server.issueTokens();
 * const res = await fetch(`${server.url}/v1/objects`, { headers: { authorization: `Bearer ${accessToken}` } });
 * console.log(res.status, server.stats.tokenRequests.password); // 200 1
 * await server.close();
 * ```
 */
export async function startWeaviateServer(options: WeaviateServerOptions = {}): Promise<WeaviateServer> {
  const host = options.host ?? '127.0.0.1';
  const port = checkPort('port', options.port);
  const oidcPort = checkPort('oidcPort', options.oidcPort);
  const accessTokenTtl = checkTtl('accessTokenTtl', options.accessTokenTtl, 60);
  const refreshTokenTtl = checkTtl('refreshTokenTtl', options.refreshTokenTtl, 3600);
  const deviceInterval = checkSeconds('deviceInterval', options.deviceInterval, 5);
  const deviceCodeTtl = checkTtl('deviceCodeTtl', options.deviceCodeTtl, 600);
  const redirectUris = options.redirectUris ?? [];
  if (
    !Array.isArray(redirectUris) ||
    redirectUris.some((uri) => typeof uri !== 'string' || !URL.canParse(uri))
  ) {
    throw new TypeError('startWeaviateServer: redirectUris must be an array of absolute URLs.');
  }
  const clientId = options.clientId ?? 'weaviate';
  if (typeof clientId !== 'string' || clientId === '') {
    throw new TypeError('startWeaviateServer: clientId must be a non-empty string.');
  }
  const scopes = [...(options.scopes ?? ['openid', 'email'])];
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope === '' || /[\s,]/.test(scope)) {
      throw new TypeError(
        `startWeaviateServer: scope ${JSON.stringify(scope)} is not valid (one word per entry).`,
      );
    }
  }

  const authorization = options.authorization ?? 'adminlist';
  if (authorization !== 'adminlist' && authorization !== 'rbac') {
    throw new TypeError(
      `startWeaviateServer: authorization must be 'adminlist' or 'rbac', got ${JSON.stringify(authorization)}.`,
    );
  }
  const dbUsersEnabled = options.dbUsers ?? authorization === 'rbac';
  if (typeof dbUsersEnabled !== 'boolean') {
    throw new TypeError('startWeaviateServer: dbUsers must be true or false.');
  }

  const keys = new ApiKeyRegistry(options.apiKeys);
  const users = new UserDirectory(options.users);
  const clients = new ClientDirectory(options.clients, clientId);
  const stats = new StatsRecorder();
  const tokenFaults = new TokenFaultQueue();
  const store = new ObjectStore();
  let anonymousAccess = options.anonymousAccess ?? false;

  const oidc =
    options.oidc === false
      ? undefined
      : await OidcProviderHost.start({
          host,
          port: oidcPort,
          accessTokenTtl,
          refreshTokenTtl,
          clientId,
          scopes,
          users,
          clients,
          stats,
          faults: tokenFaults,
          profile: options.profile,
          deviceInterval,
          deviceCodeTtl,
          redirectUris,
        });

  const dbUsers = new DbUserStore(dbUsersEnabled);
  const authenticator = new Authenticator({ keys, dbUsers, users, clients, clientId, oidc });
  const authorizer = new Authorizer({
    mode: authorization,
    accountRole: (username, userType) =>
      userType === 'db'
        ? keys.roleOf(username)
        : oidc && (users.find(username)?.role ?? clients.find(username)?.role),
  });
  const usersApi = new UsersApi({ keys, dbUsers, authorizer, oidc: oidc !== undefined });

  let url = '';
  const rest = createServer(
    createRestHandler({
      store,
      stats,
      authenticator,
      authorizer,
      users: usersApi,
      oidc,
      clientId,
      scopes,
      anonymousAccess: () => anonymousAccess,
      url: () => url,
    }),
  );
  let restPort: number;
  try {
    restPort = await listen(rest, host, port);
  } catch (error) {
    await oidc?.close();
    throw error;
  }
  url = `http://${host.includes(':') ? `[${host}]` : host}:${restPort}`;

  const requireOidc = (what: string): OidcProviderHost => {
    if (!oidc) throw new Error(`${what}: OIDC is off on this server (started with oidc: false).`);
    return oidc;
  };

  const faults: Faults = {
    failTokenRequests: (count, status) => tokenFaults.failTokenRequests(count, status),
    hangTokenRequests: (ms, count) => tokenFaults.hangTokenRequests(ms, count),
    malformedTokenResponses: (kind: MalformedKind, count?: number) =>
      tokenFaults.malformedTokenResponses(kind, count),
    invalidGrant: (count) => tokenFaults.invalidGrant(count),
    revokeAllTokens: () => requireOidc('faults.revokeAllTokens').revokeAllTokens(),
    stopProvider: async () => requireOidc('faults.stopProvider').stop(),
    startProvider: async () => requireOidc('faults.startProvider').start(),
    reset: () => {
      tokenFaults.reset();
      oidc?.deviceFlow.reset();
    },
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= Promise.all([closeServer(rest), oidc?.close()]).then(() => undefined);
    return closing;
  };

  const issueTokens = async (
    user: Role | UserCredentials = 'admin',
    issueOptions: IssueTokensOptions = {},
  ): Promise<IssuedTokens> => {
    const provider = requireOidc('issueTokens');
    const credentials =
      user === 'admin' ? users.public.admin : user === 'read-only' ? users.public.readOnly : user;
    if (typeof credentials !== 'object' || !credentials.username || !credentials.password) {
      throw new TypeError("issueTokens: pass 'admin', 'read-only' or { username, password }.");
    }
    const scope = issueOptions.scope ?? 'openid offline_access';
    if (!scope.split(' ').includes('offline_access')) {
      throw new TypeError(
        'issueTokens: the scope must contain offline_access (a refresh token is returned).',
      );
    }
    const res = await fetch(provider.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: clientId,
        username: credentials.username,
        password: credentials.password,
        scope,
      }),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // reported below
    }
    const { access_token: accessToken, refresh_token: refreshToken, expires_in: expiresIn } = json;
    if (
      !res.ok ||
      typeof accessToken !== 'string' ||
      typeof refreshToken !== 'string' ||
      typeof expiresIn !== 'number'
    ) {
      const reason =
        typeof json.error === 'string' ? `${json.error}: ${String(json.error_description)}` : 'no tokens';
      throw new Error(
        `issueTokens: the password grant at POST ${provider.tokenEndpoint} failed with HTTP ${res.status} (${reason}). Check the user's credentials and any faults set on the server.`,
      );
    }
    return { accessToken, refreshToken, expiresIn };
  };

  const server: WeaviateServer = {
    url,
    issuer: oidc?.issuer ?? '',
    tokenEndpoint: oidc?.tokenEndpoint ?? '',
    clientId,
    scopes,
    authorization,
    dbUsers: dbUsersEnabled,
    keys,
    users: users.public,
    clients: clients.public,
    stats,
    faults,
    get deviceFlow(): DeviceFlow {
      return requireOidc('deviceFlow').deviceFlow;
    },
    signIn: async (authorizationUrl, signInOptions = {}) => {
      const provider = requireOidc('signIn');
      const { user = 'admin', deny = false } = signInOptions;
      const credentials =
        user === 'admin' ? users.public.admin : user === 'read-only' ? users.public.readOnly : user;
      return browserSignIn(authorizationUrl, new URL(provider.issuer).origin, deny ? undefined : credentials);
    },
    get anonymousAccess() {
      return anonymousAccess;
    },
    set anonymousAccess(value: boolean) {
      anonymousAccess = value;
    },
    issueTokens,
    close,
    [Symbol.asyncDispose]: close,
  };
  return server;
}
