import type { AuthorizationMode, Role } from './options.js';

/**
 * Who made a request, once authenticated (Weaviate's `models.Principal`): a static API key's user or a
 * database user (`db`), or the subject of an OIDC token (`oidc`).
 */
export interface Caller {
  username: string;
  userType: 'db' | 'oidc';
  /** The token's groups claim; `null` for API keys and for tokens without one. */
  groups: string[] | null;
  /** The configured role of a static key or an OIDC account; undefined for database users and unknown subjects. */
  role: Role | undefined;
}

/** Weaviate's verbs: create, read, update, delete, assign and revoke. */
export type Verb = 'C' | 'R' | 'U' | 'D' | 'A';

/** A permission as Weaviate's OpenAPI spec shapes it (`Permission`): an action and the resources it covers. */
export type Permission = { action: string } & Record<string, unknown>;

/** The built-in roles, sorted as `GET /v1/authz/roles` lists them. */
export const BUILT_IN_ROLES = ['admin', 'read-only', 'root', 'viewer'] as const;
/** Roles only the environment assigns (`authorization.EnvVarRoles`): never through `/v1/authz`. */
const ENV_ROLES = new Set(['root', 'read-only']);
const ALL_VERBS = new Set(['root', 'admin']);

// `availableWeaviateActions` of `usecases/auth/authorization/types.go` (1.34), in its order.
const ACTIONS = [
  'create_roles',
  'read_roles',
  'update_roles',
  'delete_roles',
  'manage_backups',
  'assign_and_revoke_users',
  'create_users',
  'read_users',
  'update_users',
  'delete_users',
  'read_cluster',
  'assign_and_revoke_groups',
  'read_groups',
  'read_nodes',
  'create_collections',
  'read_collections',
  'update_collections',
  'delete_collections',
  'create_data',
  'read_data',
  'update_data',
  'delete_data',
  'create_tenants',
  'read_tenants',
  'update_tenants',
  'delete_tenants',
  'create_replicate',
  'read_replicate',
  'update_replicate',
  'delete_replicate',
  'create_aliases',
  'read_aliases',
  'update_aliases',
  'delete_aliases',
];

// Every resource field set to "everything", as `viewerPermissions()` / `adminPermissions()` build them.
const ALL_RESOURCES = {
  aliases: { alias: '*', collection: '*' },
  backups: { collection: '*' },
  collections: { collection: '*' },
  data: { collection: '*', object: '*', tenant: '*' },
  groups: { group: '*', groupType: 'oidc' },
  nodes: { collection: '*', verbosity: 'verbose' },
  roles: { role: '*', scope: 'all' },
  tenants: { collection: '*', tenant: '*' },
  users: { users: '*' },
};

/** A built-in role's permissions: every action for `root` and `admin`, the `read_*` ones for the others. */
export function permissionsOf(role: string): Permission[] {
  const actions = ALL_VERBS.has(role) ? ACTIONS : ACTIONS.filter((action) => action.startsWith('read_'));
  return actions.map((action) => ({ action, ...structuredClone(ALL_RESOURCES) }));
}

const VERB_PREFIX: Record<Verb, string> = {
  C: 'create',
  R: 'read',
  U: 'update',
  D: 'delete',
  A: 'assign_and_revoke',
};

/** RBAC's words for a resource path: the action and the bracketed resource (`prettyPermissionsResources`). */
function describeResource(verb: Verb, resource: string): string {
  const parts = resource.split('/');
  if (parts[0] === 'data') {
    return `${VERB_PREFIX[verb]}_data [Domain: data, Collection: ${parts[2]}, Tenant: ${parts[4]}, Object: ${parts[6]}]`;
  }
  if (parts[0] === 'schema') {
    return `${VERB_PREFIX[verb]}_collections [Domain: collections, Collection: ${parts[2]}]`;
  }
  if (parts[0] === 'users') return `${VERB_PREFIX[verb]}_users [Domain: users, User: ${parts[1]}]`;
  return `${VERB_PREFIX[verb]}_${parts[0]} [Domain: ${parts[0]}]`;
}

/** ` (of group 'a')` / ` (of groups 'a', 'b')`, as Weaviate's `Forbidden.Error()` adds them. */
function groupsNote(groups: string[] | null): string {
  if (!groups || groups.length === 0) return '';
  if (groups.length === 1) return ` (of group '${groups[0]}')`;
  return ` (of groups ${groups.map((group) => `'${group}'`).join(', ')})`;
}

/** Weaviate's resource paths (`usecases/auth/authorization/types.go`). */
export const resources = {
  objects: (collection = '*', id = '*') => `data/collections/${collection}/shards/*/objects/${id}`,
  collections: (collection = '*') => `schema/collections/${collection}/shards/#`,
  user: (id: string) => `users/${id}`,
};

export interface AuthorizerOptions {
  mode: AuthorizationMode;
  /**
   * The configured role of an account: a static API key's user (`db`) or a user or service client of the
   * OpenID Provider (`oidc`); undefined for anyone else.
   */
  accountRole: (username: string, userType: 'db' | 'oidc') => Role | undefined;
}

/**
 * Weaviate's two authorization modules. The admin list (`usecases/auth/authorization/adminlist/authorizer.go`)
 * lets admins do anything and read-only users read; RBAC (`usecases/auth/authorization/rbac/`) checks the
 * caller's roles, here the built-in ones: `root` and `admin` do anything, `viewer` and `read-only` read.
 */
export class Authorizer {
  readonly mode: AuthorizationMode;
  readonly #accountRole: AuthorizerOptions['accountRole'];
  /** Role assignments made through `/v1/authz`, by `<userType>:<username>`. */
  readonly #assigned = new Map<string, string[]>();

  constructor(options: AuthorizerOptions) {
    this.mode = options.mode;
    this.#accountRole = options.accountRole;
  }

  /**
   * The caller's RBAC roles. The environment makes configured admins root users and read-only accounts
   * viewers (`AUTHORIZATION_RBAC_ROOT_USERS`, `EXPERIMENTAL_AUTHORIZATION_RBAC_READONLY_USERS`, set up in
   * `rbac/model.go`); everything else comes from `/v1/authz` assignments.
   */
  rolesOf(username: string, userType: 'db' | 'oidc'): string[] {
    return this.#assigned.get(`${userType}:${username}`) ?? envRoles(this.#accountRole(username, userType));
  }

  /** A root user sees static users and key prefixes in listings, and cannot be deleted or deactivated. */
  isRoot(caller: Caller | undefined): boolean {
    return this.mode === 'rbac' && caller !== undefined && caller.role === 'admin';
  }

  /** Whether `username` is a root user (RBAC: a configured admin account, static or OIDC). */
  isRootName(username: string): boolean {
    return (
      this.mode === 'rbac' &&
      (this.#accountRole(username, 'db') === 'admin' || this.#accountRole(username, 'oidc') === 'admin')
    );
  }

  assign(username: string, userType: 'db' | 'oidc', roles: string[]): void {
    const current = this.rolesOf(username, userType);
    this.#assigned.set(`${userType}:${username}`, [...new Set([...current, ...roles])]);
  }

  revoke(username: string, userType: 'db' | 'oidc', roles: string[]): void {
    const current = this.rolesOf(username, userType);
    this.#assigned.set(
      `${userType}:${username}`,
      current.filter((role) => !roles.includes(role)),
    );
  }

  /** Forgets a deleted database user's roles (Weaviate revokes them on delete). */
  forget(username: string): void {
    this.#assigned.delete(`db:${username}`);
  }

  /** Whether `role` is a role that exists here. */
  static exists(role: string): boolean {
    return (BUILT_IN_ROLES as readonly string[]).includes(role);
  }

  /** Whether `role` may be assigned and revoked through `/v1/authz` (not `root`, not `read-only`). */
  static assignable(role: string): boolean {
    return !ENV_ROLES.has(role);
  }

  /**
   * Undefined when the caller may do `verb` on every resource; otherwise Weaviate's 403 message for the first
   * refused one. An anonymous caller (anonymous access on, no credential) may read under the admin list, as if
   * `anonymous` were on its read-only list; under RBAC it has no permission.
   */
  check(caller: Caller | undefined, verb: Verb, resourcePaths: string[]): string | undefined {
    if (this.mode === 'adminlist') {
      const role = caller === undefined ? 'read-only' : caller.role;
      if (role === 'admin' || (verb === 'R' && role === 'read-only')) return undefined;
      return `adminlist: authorization, forbidden action: user '${caller?.username ?? 'anonymous'}'${groupsNote(caller?.groups ?? null)} has insufficient permissions to ${verb} [${resourcePaths.join(' ')}]`;
    }
    if (caller === undefined) return 'rbac: user is not authenticated';
    const roles = this.rolesOf(caller.username, caller.userType);
    if (roles.some((role) => ALL_VERBS.has(role)) || (verb === 'R' && roles.length > 0)) return undefined;
    const [first = ''] = resourcePaths;
    return `rbac: authorization, forbidden action: user '${caller.username}'${groupsNote(caller.groups)} has insufficient permissions to ${describeResource(verb, first)}`;
  }
}

function envRoles(role: Role | undefined): string[] {
  if (role === 'admin') return ['root'];
  if (role === 'read-only') return ['viewer'];
  return [];
}
