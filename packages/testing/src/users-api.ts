import type { ApiKeyRegistry } from './accounts.js';
import {
  Authorizer,
  BUILT_IN_ROLES,
  type Caller,
  permissionsOf,
  resources,
  type Verb,
} from './authorization.js';
import { type DbUser, type DbUserStore, userNameProblem } from './db-users.js';

/** A handler's answer: a status and a JSON body (none for an empty body). */
export interface Reply {
  status: number;
  body?: unknown;
}

/** Weaviate's `ErrorResponse`. */
export const errorBody = (message: string): { error: { message: string }[] } => ({ error: [{ message }] });

const fail = (status: number, message: string): Reply => ({ status, body: errorBody(message) });

/** strfmt.DateTime as Go marshals it (`RFC3339Millis`); Go's zero time for none. */
const dateTime = (date: Date | undefined): string => (date ?? new Date(-62135596800000)).toISOString();

export interface UsersApiOptions {
  keys: ApiKeyRegistry;
  dbUsers: DbUserStore;
  authorizer: Authorizer;
  /** Whether OIDC is on (an `oidc` user then always "exists" for role assignment). */
  oidc: boolean;
}

/** What a route handler gets: who is calling, the path's ids, the query and the parsed JSON body. */
export interface Request {
  caller: Caller | undefined;
  id: string;
  userType?: string;
  query: URLSearchParams;
  body: unknown;
}

/**
 * `GET /v1/users/own-info`, the database-user API (`/v1/users/db`) and role assignment (`/v1/authz`), as
 * Weaviate 1.34's handlers answer them (`adapters/handlers/rest/handlers_authn.go`,
 * `adapters/handlers/rest/db_users/handlers_db_users.go`, `adapters/handlers/rest/authz/handlers_authz.go`).
 */
export class UsersApi {
  readonly #keys: ApiKeyRegistry;
  readonly #dbUsers: DbUserStore;
  readonly #authorizer: Authorizer;
  readonly #oidc: boolean;

  constructor(options: UsersApiOptions) {
    this.#keys = options.keys;
    this.#dbUsers = options.dbUsers;
    this.#authorizer = options.authorizer;
    this.#oidc = options.oidc;
  }

  /**
   * `{username, roles, groups}`: `roles` is null without RBAC (and with RBAC for a user without roles) and
   * each role carries its `permissions`; `groups` is the token's groups claim, null for API keys. An
   * anonymous caller gets a 401 with an empty body, even with anonymous access on.
   */
  ownInfo(caller: Caller | undefined): Reply {
    if (!caller) return { status: 401 };
    let roles: { name: string; permissions: unknown[] }[] | null = null;
    if (this.#authorizer.mode === 'rbac') {
      const names = [...this.#authorizer.rolesOf(caller.username, caller.userType)].sort();
      if (names.length > 0) roles = names.map((name) => ({ name, permissions: permissionsOf(name) }));
    }
    return { status: 200, body: { groups: caller.groups, roles, username: caller.username } };
  }

  /** `GET /v1/users/db`: database users the caller may read; a root user also sees the static users. */
  list({ caller, query }: Request): Reply {
    if (!this.#dbUsers.enabled) return { status: 200, body: [] };
    const isRoot = this.#authorizer.isRoot(caller);
    const withLastUse = query.get('includeLastUsedTime') === 'true';
    const users = this.#dbUsers.list();
    // The admin list answers all or nothing (one check); RBAC filters user by user.
    const visible =
      this.#authorizer.mode === 'adminlist'
        ? this.#denied(caller, 'R', users[0]?.id ?? '*')
          ? []
          : users
        : users.filter((user) => !this.#denied(caller, 'R', user.id));
    const body: Record<string, unknown>[] = visible.map((user) => this.#info(user, isRoot, withLastUse));
    if (isRoot) {
      for (const { username } of this.#keys.users()) {
        if (this.#dbUsers.get(username)) continue;
        body.push(this.#staticInfo(username));
      }
    }
    return { status: 200, body };
  }

  /** `GET /v1/users/db/{user_id}`. */
  get({ caller, id, query }: Request): Reply {
    const denied = this.#denied(caller, 'R', id);
    if (denied) return fail(403, denied);
    if (!this.#dbUsers.enabled) return fail(422, 'db user management is not enabled');
    const user = this.#dbUsers.get(id);
    if (user) {
      return {
        status: 200,
        body: this.#info(user, this.#authorizer.isRoot(caller), query.get('includeLastUsedTime') === 'true'),
      };
    }
    if (this.#authorizer.isRoot(caller) && this.#keys.roleOf(id))
      return { status: 200, body: this.#staticInfo(id) };
    return { status: 404 };
  }

  /** `POST /v1/users/db/{user_id}`: 201 `{apikey}`; the user has no role until one is assigned. */
  create({ caller, id }: Request): Reply {
    const problem = userNameProblem(id);
    if (problem) return fail(422, problem);
    const denied = this.#denied(caller, 'C', id);
    if (denied) return fail(403, denied);
    if (!this.#dbUsers.enabled) return fail(422, 'db user management is not enabled');
    if (this.#keys.roleOf(id)) return fail(409, `user '${id}' already exists`);
    if (this.#authorizer.isRootName(id)) return fail(422, 'cannot create db user with root user name');
    if (this.#dbUsers.get(id)) return fail(409, `user '${id}' already exists`);
    return { status: 201, body: { apikey: this.#dbUsers.create(id) } };
  }

  /** `POST /v1/users/db/{user_id}/rotate-key`: 200 `{apikey}`; the old key is refused from now on. */
  rotateKey({ caller, id }: Request): Reply {
    const missing = this.#existing(caller, 'U', id);
    if (missing) return missing;
    return { status: 200, body: { apikey: this.#dbUsers.rotate(id) } };
  }

  /** `DELETE /v1/users/db/{user_id}`: 204; the user's roles go with it. */
  delete({ caller, id }: Request): Reply {
    const missing = this.#existing(caller, 'D', id, 'cannot delete root user');
    if (missing) return missing;
    this.#authorizer.forget(id);
    this.#dbUsers.delete(id);
    return { status: 204 };
  }

  /** `POST /v1/users/db/{user_id}/deactivate`, optional body `{"revoke_key": true}`. */
  deactivate({ caller, id, body }: Request): Reply {
    const missing = this.#existing(caller, 'U', id, 'cannot deactivate root user', true);
    if (missing) return missing;
    const user = this.#dbUsers.get(id) as DbUser;
    if (!user.active) return { status: 409 };
    user.active = false;
    if ((body as { revoke_key?: unknown } | undefined)?.revoke_key === true) user.keyRevoked = true;
    return { status: 200 };
  }

  /** `POST /v1/users/db/{user_id}/activate`. */
  activate({ caller, id }: Request): Reply {
    const missing = this.#existing(caller, 'U', id, 'cannot activate root user');
    if (missing) return missing;
    const user = this.#dbUsers.get(id) as DbUser;
    if (user.active) return { status: 409 };
    user.active = true;
    return { status: 200 };
  }

  /** `GET /v1/authz/roles`: the built-in roles the caller may read (`root` for root users only). */
  roles({ caller }: Request): Reply {
    const notRbac = this.#requireRbac();
    if (notRbac) return notRbac;
    const visible = BUILT_IN_ROLES.filter(
      (name) =>
        (name !== 'root' || this.#authorizer.isRoot(caller)) &&
        !this.#authorizer.check(caller, 'R', [`roles/${name}`]),
    );
    return { status: 200, body: visible.map((name) => ({ name, permissions: permissionsOf(name) })) };
  }

  /** `POST /v1/authz/users/{id}/assign` and `/revoke`, body `{roles, userType}`. */
  changeRoles({ caller, id, body }: Request, change: 'assign' | 'revoke'): Reply {
    const { roles, userType = '' } = (body ?? {}) as { roles?: unknown; userType?: unknown };
    const names = Array.isArray(roles)
      ? roles.filter((role): role is string => typeof role === 'string')
      : [];
    const verb = change === 'assign' ? 'assigning' : 'revoking';
    for (const role of names) {
      if (role.trim() === '') return fail(400, `one or more of the roles you want to ${change} is empty`);
      if (!Authorizer.assignable(role)) {
        return fail(403, `${verb}: modifying '${role}' role or changing its assignments is not allowed`);
      }
    }
    if (names.length === 0) return fail(400, 'roles can not be empty');
    const denied = this.#denied(caller, 'A', id);
    if (denied) return fail(403, denied);
    const notRbac = this.#requireRbac();
    if (notRbac) return notRbac;
    if (!names.every((role) => Authorizer.exists(role))) {
      return fail(
        404,
        change === 'assign'
          ? "one or more of the roles requested doesn't exist"
          : "one or more of the request roles doesn't exist",
      );
    }
    const types = this.#userTypes(id, userType);
    if (types === undefined) return fail(400, `unknown userType: ${String(userType)}`);
    if (types.length === 0) {
      return fail(
        404,
        change === 'assign'
          ? "username to assign role to doesn't exist"
          : "username to revoke role from doesn't exist",
      );
    }
    for (const type of types) this.#authorizer[change](id, type, names);
    return { status: 200 };
  }

  /** `GET /v1/authz/users/{id}/roles/{userType}`: `[{name}]`, with `permissions` when `includeFullRoles=true`. */
  rolesOfUser({ caller, id, userType = '', query }: Request): Reply {
    const own = caller?.username === id && caller.userType === userType;
    if (!own) {
      const denied = this.#denied(caller, 'R', id);
      if (denied) return fail(403, denied);
    }
    if (userType !== 'db' && userType !== 'oidc') return fail(400, `unknown userType: ${userType}`);
    if (this.#userTypes(id, userType)?.length !== 1) return { status: 404 };
    const full = query.get('includeFullRoles') === 'true';
    const names = [...this.#authorizer.rolesOf(id, userType)].sort();
    return {
      status: 200,
      body: names.map((name) => (full ? { name, permissions: permissionsOf(name) } : { name })),
    };
  }

  #denied(caller: Caller | undefined, verb: Verb, id: string): string | undefined {
    return this.#authorizer.check(caller, verb, [resources.user(id)]);
  }

  /** The checks before changing an existing database user, in Weaviate's order; undefined when it may go on. */
  #existing(
    caller: Caller | undefined,
    verb: Verb,
    id: string,
    rootRefusal?: string,
    noSelf = false,
  ): Reply | undefined {
    const denied = this.#denied(caller, verb, id);
    if (denied) return fail(403, denied);
    if (!this.#dbUsers.enabled) return fail(422, 'db user management is not enabled');
    if (noSelf && caller?.username === id) return fail(422, `user '${id}' cannot self-deactivate`);
    if (rootRefusal && this.#authorizer.isRootName(id)) return fail(422, rootRefusal);
    if (!this.#dbUsers.get(id)) {
      return this.#keys.roleOf(id) ? fail(422, `user '${id}' is static user`) : { status: 404 };
    }
    return undefined;
  }

  /** The user types a role change applies to; [] when the user does not exist; undefined for a bad type. */
  #userTypes(id: string, userType: unknown): ('db' | 'oidc')[] | undefined {
    const isDb = this.#dbUsers.get(id) !== undefined || this.#keys.roleOf(id) !== undefined;
    if (userType === 'db') return isDb ? ['db'] : [];
    if (userType === 'oidc') return this.#oidc ? ['oidc'] : [];
    // No userType: the deprecated form, for both kinds.
    if (userType === '') return isDb ? (this.#oidc ? ['oidc', 'db'] : ['db']) : [];
    return undefined;
  }

  #requireRbac(): Reply | undefined {
    // Not modelled on Weaviate, whose answer here depends on its cluster state: a plain refusal.
    return this.#authorizer.mode === 'rbac'
      ? undefined
      : fail(422, "roles need RBAC: this server's authorization is the admin list");
  }

  #info(user: DbUser, isRoot: boolean, withLastUse: boolean): Record<string, unknown> {
    return {
      active: user.active,
      ...(isRoot && user.apiKeyFirstLetters !== '' ? { apiKeyFirstLetters: user.apiKeyFirstLetters } : {}),
      createdAt: dateTime(user.createdAt),
      dbUserType: 'db_user',
      lastUsedAt: dateTime(withLastUse ? user.lastUsedAt : undefined),
      roles: this.#authorizer.rolesOf(user.id, 'db'),
      userId: user.id,
    };
  }

  #staticInfo(username: string): Record<string, unknown> {
    return {
      active: true,
      createdAt: dateTime(undefined),
      dbUserType: 'db_env_user',
      lastUsedAt: dateTime(undefined),
      roles: this.#authorizer.rolesOf(username, 'db'),
      userId: username,
    };
  }
}
