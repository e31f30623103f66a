import type { ApiKeyOption, ClientOption, Role, UserOption } from './options.js';
import { randomSecret, secretEquals } from './secrets.js';

/** Who made a request, once authenticated. */
export interface Principal {
  username: string;
  role: Role;
}

/**
 * The API keys of a running server, like a cloud console: the default admin and read-only keys, and
 * `create` / `delete` at run time. A deleted key gets 401 from the next request on.
 *
 * @example
 * ```ts
 * import { startWeaviateServer } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const key = server.keys.create('read-only', 'dashboard');
 * const ok = await fetch(`${server.url}/v1/objects`, { headers: { authorization: `Bearer ${key}` } });
 * console.log(ok.status); // 200
 * server.keys.delete(key);
 * const gone = await fetch(`${server.url}/v1/objects`, { headers: { authorization: `Bearer ${key}` } });
 * console.log(gone.status); // 401
 * await server.close();
 * ```
 */
export interface ApiKeys {
  /** An admin key (the first admin key of `options.apiKeys`, or a random one). */
  readonly admin: string;
  /** A read-only key (the first read-only key of `options.apiKeys`, or a random one). */
  readonly readOnly: string;
  /** Creates a new random key and returns it. @default role 'admin', user 'admin' or 'reader' by role */
  create(role?: Role, user?: string): string;
  /** Deletes a key; requests carrying it get 401 from now on. Deleting an unknown key does nothing. */
  delete(key: string): void;
}

/**
 * A username and password of the OpenID Provider, for the password grant.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type UserCredentials } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const reader: UserCredentials = server.users.readOnly;
 * const tokens = await server.issueTokens(reader);
 * await server.close();
 * ```
 */
export interface UserCredentials {
  username: string;
  password: string;
}

/**
 * The users of a running server's OpenID Provider (password grant).
 *
 * @example
 * ```ts
 * import { startWeaviateServer } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const { username, password } = server.users.admin;
 * await server.close();
 * ```
 */
export interface Users {
  readonly admin: UserCredentials;
  readonly readOnly: UserCredentials;
}

/**
 * A confidential client's id and secret (client_credentials, `client_secret_post`).
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type ClientCredentialsPair } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const { clientId, clientSecret }: ClientCredentialsPair = server.clients.service;
 * const res = await fetch(`${server.issuer}/token`, {
 *   method: 'POST',
 *   body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
 * });
 * console.log(res.status); // 200
 * await server.close();
 * ```
 */
export interface ClientCredentialsPair {
  clientId: string;
  clientSecret: string;
}

/**
 * The confidential clients of a running server's OpenID Provider.
 *
 * @example
 * ```ts
 * import { startWeaviateServer } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const { clientId, clientSecret } = server.clients.service;
 * await server.close();
 * ```
 */
export interface Clients {
  /** The admin service client (the first admin client of `options.clients`, or a random one). */
  readonly service: ClientCredentialsPair;
}

const DEFAULT_USER: Record<Role, string> = { admin: 'admin', 'read-only': 'reader' };

function hide<T extends object>(target: T, label: string): T {
  // Keep secrets out of console.log / util.inspect / JSON.stringify of the handles.
  Object.defineProperty(target, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => `${label} [secrets hidden]`,
  });
  Object.defineProperty(target, 'toJSON', { value: () => `${label} [secrets hidden]` });
  return target;
}

/** The API key registry; comparisons are constant-time and never stop at the first match. */
export class ApiKeyRegistry implements ApiKeys {
  readonly #entries: { key: string; principal: Principal }[] = [];
  readonly admin: string;
  readonly readOnly: string;

  constructor(options: ApiKeyOption[] | undefined) {
    for (const option of options ?? []) {
      if (typeof option.key !== 'string' || option.key.length === 0) {
        throw new TypeError('startWeaviateServer: every apiKeys entry needs a non-empty `key` string.');
      }
      this.#add(option.key, option.role ?? 'admin', option.user);
    }
    this.admin = this.#entries.find((e) => e.principal.role === 'admin')?.key ?? this.create('admin');
    this.readOnly =
      this.#entries.find((e) => e.principal.role === 'read-only')?.key ?? this.create('read-only');
    hide(this, 'ApiKeys');
  }

  #add(key: string, role: Role, user: string | undefined): void {
    if (role !== 'admin' && role !== 'read-only') {
      throw new TypeError(`Unknown role ${JSON.stringify(role)}: use 'admin' or 'read-only'.`);
    }
    this.#entries.push({ key, principal: { username: user ?? DEFAULT_USER[role], role } });
  }

  create(role: Role = 'admin', user?: string): string {
    const key = randomSecret();
    this.#add(key, role, user);
    return key;
  }

  delete(key: string): void {
    for (let i = this.#entries.length - 1; i >= 0; i -= 1) {
      if (this.#entries[i]?.key === key) this.#entries.splice(i, 1);
    }
  }

  /**
   * The users the static keys belong to (Weaviate's `AUTHENTICATION_APIKEY_USERS`), each once, in the order of
   * their first key; a user with an admin key and a read-only key is an admin.
   */
  users(): Principal[] {
    const byName = new Map<string, Principal>();
    for (const { principal } of this.#entries) {
      const seen = byName.get(principal.username);
      if (!seen || principal.role === 'admin') byName.set(principal.username, principal);
    }
    return [...byName.values()];
  }

  /** The role of a static key's user, or undefined when no static key belongs to `username`. */
  roleOf(username: string): Role | undefined {
    return this.users().find((user) => user.username === username)?.role;
  }

  /** The principal of a presented key, or undefined. Every key is compared, in constant time each. */
  lookup(presented: string): Principal | undefined {
    let found: Principal | undefined;
    for (const entry of this.#entries) {
      if (secretEquals(entry.key, presented) && !found) found = entry.principal;
    }
    return found;
  }
}

/** Users of the provider, checked in constant time. */
export class UserDirectory {
  readonly #users: Required<UserOption>[];
  readonly public: Users;

  constructor(options: UserOption[] | undefined) {
    const users = (options ?? []).map((u) => {
      if (!u.username || !u.password) {
        throw new TypeError('startWeaviateServer: every users entry needs a `username` and a `password`.');
      }
      return { username: u.username, password: u.password, role: u.role ?? 'admin' };
    });
    for (const role of ['admin', 'read-only'] as const) {
      if (!users.some((u) => u.role === role)) {
        users.push({ username: DEFAULT_USER[role], password: randomSecret(), role });
      }
    }
    this.#users = users;
    const pick = (role: Role): UserCredentials => {
      const u = users.find((x) => x.role === role)!;
      return { username: u.username, password: u.password };
    };
    this.public = hide({ admin: pick('admin'), readOnly: pick('read-only') }, 'Users');
  }

  verify(username: string, password: string): Principal | undefined {
    let found: Principal | undefined;
    for (const u of this.#users) {
      const match = secretEquals(u.username, username) && secretEquals(u.password, password);
      if (match && !found) found = { username: u.username, role: u.role };
    }
    return found;
  }

  find(username: string): Principal | undefined {
    const u = this.#users.find((x) => x.username === username);
    return u ? { username: u.username, role: u.role } : undefined;
  }

  list(): { username: string; role: Role }[] {
    return this.#users.map((u) => ({ username: u.username, role: u.role }));
  }
}

/** Confidential clients of the provider. */
export class ClientDirectory {
  readonly all: Required<ClientOption>[];
  readonly public: Clients;

  constructor(options: ClientOption[] | undefined, publicClientId: string) {
    const clients = (options ?? []).map((c) => {
      if (!c.clientId || !c.clientSecret) {
        throw new TypeError(
          'startWeaviateServer: every clients entry needs a `clientId` and a `clientSecret`.',
        );
      }
      if (c.clientId === publicClientId) {
        throw new TypeError(
          `startWeaviateServer: confidential client id ${JSON.stringify(c.clientId)} is the public clientId; pick another.`,
        );
      }
      return { clientId: c.clientId, clientSecret: c.clientSecret, role: c.role ?? 'admin' };
    });
    if (!clients.some((c) => c.role === 'admin')) {
      clients.push({ clientId: `${publicClientId}-service`, clientSecret: randomSecret(), role: 'admin' });
    }
    this.all = clients;
    const service = clients.find((c) => c.role === 'admin')!;
    this.public = hide(
      { service: { clientId: service.clientId, clientSecret: service.clientSecret } },
      'Clients',
    );
  }

  find(clientId: string): Principal | undefined {
    const c = this.all.find((x) => x.clientId === clientId);
    return c ? { username: c.clientId, role: c.role } : undefined;
  }
}
