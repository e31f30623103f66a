import { DbUsersError, type DbUsersErrorCode } from './error.js';

/** A fetch function: the global `fetch`, or one that adds credentials (`withAuth(fetch, auth)` of `@auth/fetch`). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Options of {@link createDbUsersClient}.
 */
export interface DbUsersClientOptions {
  /** The cluster, e.g. `https://my-cluster.weaviate.cloud` (a trailing `/` or `/v1` is ignored). */
  readonly baseUrl: string;
  /**
   * Sends the requests, with an admin credential: usually `withAuth(fetch, auth)` from `@auth/fetch`, so that
   * a 401 is retried once with a fresh token. Whatever it throws (network errors, `@auth/core`'s errors)
   * passes through unchanged.
   */
  readonly fetch: FetchLike;
  /** Milliseconds per request. @default no limit of its own (the fetch function's) */
  readonly timeout?: number | undefined;
}

/** A database user as Weaviate lists it (`DBUserInfo`), with times as `Date`s. */
export interface DbUser {
  readonly userId: string;
  /** `db_user`: created through the API; `db_env_user`: a static key's user (listed to root users only). */
  readonly dbUserType: 'db_user' | 'db_env_user';
  /** RBAC roles (`[]` without RBAC). */
  readonly roles: readonly string[];
  readonly active: boolean;
  /** Undefined for static users (Weaviate sends its zero time). */
  readonly createdAt: Date | undefined;
  /** Only when asked for (`includeLastUsedTime`) and the key was used since the server started. */
  readonly lastUsedAt: Date | undefined;
  /** The first three characters of the key; Weaviate shows them to root users only. */
  readonly apiKeyFirstLetters: string | undefined;
}

/** Per-call options. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/**
 * Weaviate's database-user API (1.30+, `/v1/users/db`) and its role assignment (`/v1/authz`, RBAC). Every
 * method throws a {@link DbUsersError} when Weaviate answers with an error.
 */
export interface DbUsersClient {
  /** Every database user the credential may read; static users too for a root user. */
  list(options?: CallOptions & { readonly includeLastUsedTime?: boolean }): Promise<DbUser[]>;
  /** One user (`not_found` when there is none). */
  get(userId: string, options?: CallOptions & { readonly includeLastUsedTime?: boolean }): Promise<DbUser>;
  /** Creates a user and resolves to its API key: Weaviate shows it this once. The user has no role yet. */
  create(userId: string, options?: CallOptions): Promise<string>;
  /** A new key for the user; the old one is refused from the next request on. Resolves to the new key. */
  rotateKey(userId: string, options?: CallOptions): Promise<string>;
  /** Resolves to false when the user was already active. */
  activate(userId: string, options?: CallOptions): Promise<boolean>;
  /**
   * Its key is refused until it is activated again; with `revokeKey`, until the key is also rotated.
   * Resolves to false when the user was already inactive.
   */
  deactivate(userId: string, options?: CallOptions & { readonly revokeKey?: boolean }): Promise<boolean>;
  /** Deletes the user and its key. */
  delete(userId: string, options?: CallOptions): Promise<void>;
  /** Assigns RBAC roles (`viewer`, `admin`, or roles of your own) to a database user. */
  assignRoles(userId: string, roles: readonly string[], options?: CallOptions): Promise<void>;
  /** Takes RBAC roles away from a database user. */
  revokeRoles(userId: string, roles: readonly string[], options?: CallOptions): Promise<void>;
}

// Go's zero time, which Weaviate sends for "never" (its dates are always present).
const ZERO_TIME = Date.parse('0001-01-01T00:00:00.000Z');

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms <= ZERO_TIME ? undefined : new Date(ms);
}

function toUser(raw: unknown, request: string): DbUser {
  const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : undefined;
  if (!record || typeof record.userId !== 'string') {
    throw new DbUsersError('unexpected', {
      status: 200,
      serverMessage: undefined,
      request,
      hint: 'The answer is not a Weaviate user (DBUserInfo): is the URL a Weaviate server?',
    });
  }
  return {
    userId: record.userId,
    dbUserType: record.dbUserType === 'db_env_user' ? 'db_env_user' : 'db_user',
    roles: Array.isArray(record.roles) ? record.roles.filter((r): r is string => typeof r === 'string') : [],
    active: record.active !== false,
    createdAt: date(record.createdAt),
    lastUsedAt: date(record.lastUsedAt),
    apiKeyFirstLetters:
      typeof record.apiKeyFirstLetters === 'string' && record.apiKeyFirstLetters !== ''
        ? record.apiKeyFirstLetters
        : undefined,
  };
}

function serverMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (Array.isArray(error)) {
    const first = error[0] as { message?: unknown } | undefined;
    if (typeof first?.message === 'string') return first.message;
  }
  return typeof message === 'string' ? message : undefined;
}

function codeFor(status: number, message: string | undefined, collection: boolean): DbUsersErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return collection ? 'unsupported' : 'not_found';
  if (status === 409) return 'conflict';
  if (status === 422 && message === 'db user management is not enabled') return 'not_enabled';
  if (status === 400 || status === 422) return 'invalid';
  return 'unexpected';
}

const HINTS: Partial<Record<DbUsersErrorCode, string>> = {
  forbidden: 'Managing users needs an admin credential.',
  not_enabled: 'The server runs without database users (AUTHENTICATION_DB_USERS_ENABLED is off).',
  unsupported: 'The server has no database-user API (Weaviate 1.30 or later has one).',
};

function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || userId === '') {
    throw new TypeError('@auth/cli/db-users: the user id must be a non-empty string, e.g. "etl-job".');
  }
  return encodeURIComponent(userId);
}

/**
 * A small typed client for Weaviate's database users: list, get, create (-> an API key), rotate-key,
 * activate, deactivate, delete, and role assignment. It holds no credential: the `fetch` you give it adds one.
 *
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { createDbUsersClient } from '@auth/cli/db-users';
 * import { withAuth } from '@auth/fetch';
 *
 * const baseUrl = 'https://my-cluster.weaviate.cloud';
 * const auth = createAuth({ baseUrl, credentials: apiKey(process.env.WEAVIATE_API_KEY!) });
 * const users = createDbUsersClient({ baseUrl, fetch: withAuth(fetch, auth) });
 * const key = await users.create('etl-job');
 * await users.assignRoles('etl-job', ['viewer']);
 * for (const user of await users.list()) console.log(user.userId, user.roles.join(','), user.active);
 * await users.delete('etl-job');
 * await auth.close();
 * ```
 */
export function createDbUsersClient(options: DbUsersClientOptions): DbUsersClient {
  if (typeof options?.fetch !== 'function') {
    throw new TypeError(
      '@auth/cli/db-users: createDbUsersClient() needs `fetch`, e.g. withAuth(fetch, auth) from @auth/fetch.',
    );
  }
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new TypeError(
      '@auth/cli/db-users: `baseUrl` must be an absolute URL such as https://my-cluster.weaviate.cloud.',
    );
  }
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
  const { fetch: send, timeout } = options;

  const call = async (
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    init: { body?: unknown; signal?: AbortSignal | undefined; collection?: boolean; expect: number[] },
  ): Promise<{ status: number; body: unknown }> => {
    const request = `${method} ${path.replace(/\?.*$/, '')}`;
    const signals = [init.signal, timeout === undefined ? undefined : AbortSignal.timeout(timeout)].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    );
    const response = await send(`${root}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(signals.length === 0
        ? {}
        : { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) }),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (init.expect.includes(response.status)) return { status: response.status, body };
    const message = serverMessage(body);
    const code = codeFor(response.status, message, init.collection ?? false);
    throw new DbUsersError(code, {
      status: response.status,
      serverMessage: message,
      request,
      ...(HINTS[code] === undefined ? {} : { hint: HINTS[code] }),
    });
  };

  const apiKeyOf = (body: unknown, request: string): string => {
    const key = (body as { apikey?: unknown } | undefined)?.apikey;
    if (typeof key !== 'string' || key === '') {
      throw new DbUsersError('unexpected', {
        status: 200,
        serverMessage: undefined,
        request,
        hint: 'The answer holds no API key (`apikey`).',
      });
    }
    return key;
  };

  const roleChange = async (
    change: 'assign' | 'revoke',
    userId: string,
    roles: readonly string[],
    callOptions: CallOptions,
  ): Promise<void> => {
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((role) => typeof role === 'string')) {
      throw new TypeError(`@auth/cli/db-users: ${change}Roles() needs a non-empty array of role names.`);
    }
    await call('POST', `/v1/authz/users/${checkUserId(userId)}/${change}`, {
      body: { roles, userType: 'db' },
      signal: callOptions.signal,
      expect: [200],
    });
  };

  return {
    async list(callOptions = {}) {
      const query = callOptions.includeLastUsedTime ? '?includeLastUsedTime=true' : '';
      const { body } = await call('GET', `/v1/users/db${query}`, {
        signal: callOptions.signal,
        collection: true,
        expect: [200],
      });
      if (!Array.isArray(body)) {
        throw new DbUsersError('unexpected', {
          status: 200,
          serverMessage: undefined,
          request: 'GET /v1/users/db',
          hint: 'The answer is not a list of users: is the URL a Weaviate server?',
        });
      }
      return body.map((user) => toUser(user, 'GET /v1/users/db'));
    },
    async get(userId, callOptions = {}) {
      const query = callOptions.includeLastUsedTime ? '?includeLastUsedTime=true' : '';
      const path = `/v1/users/db/${checkUserId(userId)}`;
      const { body } = await call('GET', `${path}${query}`, { signal: callOptions.signal, expect: [200] });
      return toUser(body, `GET ${path}`);
    },
    async create(userId, callOptions = {}) {
      const path = `/v1/users/db/${checkUserId(userId)}`;
      const { body } = await call('POST', path, {
        signal: callOptions.signal,
        collection: true,
        expect: [201],
      });
      return apiKeyOf(body, `POST ${path}`);
    },
    async rotateKey(userId, callOptions = {}) {
      const path = `/v1/users/db/${checkUserId(userId)}/rotate-key`;
      const { body } = await call('POST', path, { signal: callOptions.signal, expect: [200] });
      return apiKeyOf(body, `POST ${path}`);
    },
    async activate(userId, callOptions = {}) {
      const path = `/v1/users/db/${checkUserId(userId)}/activate`;
      const { status } = await call('POST', path, { signal: callOptions.signal, expect: [200, 409] });
      return status === 200;
    },
    async deactivate(userId, callOptions = {}) {
      const path = `/v1/users/db/${checkUserId(userId)}/deactivate`;
      const { status } = await call('POST', path, {
        body: { revoke_key: callOptions.revokeKey === true },
        signal: callOptions.signal,
        expect: [200, 409],
      });
      return status === 200;
    },
    async delete(userId, callOptions = {}) {
      await call('DELETE', `/v1/users/db/${checkUserId(userId)}`, {
        signal: callOptions.signal,
        expect: [204],
      });
    },
    assignRoles: (userId, roles, callOptions = {}) => roleChange('assign', userId, roles, callOptions),
    revokeRoles: (userId, roles, callOptions = {}) => roleChange('revoke', userId, roles, callOptions),
  };
}
