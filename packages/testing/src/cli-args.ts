import { parseArgs } from 'node:util';
import type { WeaviateServerOptions } from './options.js';

/** The bin's --help text. */
export const HELP = `weaviate-auth-server: an embedded Weaviate-compatible server with a real OpenID Provider.

Usage: weaviate-auth-server [options]

Options:
  --host <host>            interface to listen on (default 127.0.0.1)
  --port <port>            REST port (default 0: any free port)
  --oidc-port <port>       OpenID Provider port (default 0: any free port)
  --token-ttl <seconds>    access token lifetime (default 60)
  --refresh-ttl <seconds>  refresh token lifetime (default 3600)
  --client-id <id>         public OIDC client id, also the token audience (default weaviate)
  --scope <scope>          scope advertised by discovery; repeat for several (default openid, email)
  --no-scopes              advertise no scopes (discovery omits them, as on Weaviate Cloud)
  --rbac                   RBAC authorization (roles; admins are root users) instead of the admin list
  --db-users               the database-user API (/v1/users/db); on by default with --rbac (--no-db-users)
  --admin-key <key>        a fixed admin API key (default: random)
  --read-only-key <key>    a fixed read-only API key (default: random)
  --admin-password <pw>    a fixed password for the admin user (default: random)
  --reader-password <pw>   a fixed password for the read-only user (default: random)
  --client-secret <secret> a fixed secret for the service client (default: random)
  --no-oidc                run without the OpenID Provider (discovery answers 404)
  --anonymous              allow requests without a credential (read-only)
  --json                   print the connection details as one JSON line
  -h, --help               show this help

Runs until interrupted (Ctrl+C, SIGINT or SIGTERM).`;

/** A bad command line; the message says which flag and why. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses the bin's flags into server options; undefined for --help. Throws UsageError or TypeError. */
export function parseCliArgs(argv: string[]): { options: WeaviateServerOptions; json: boolean } | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowNegative: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'oidc-port': { type: 'string' },
      'token-ttl': { type: 'string' },
      'refresh-ttl': { type: 'string' },
      'client-id': { type: 'string' },
      scope: { type: 'string', multiple: true },
      scopes: { type: 'boolean', default: true },
      rbac: { type: 'boolean', default: false },
      'db-users': { type: 'boolean' },
      'admin-key': { type: 'string' },
      'read-only-key': { type: 'string' },
      'admin-password': { type: 'string' },
      'reader-password': { type: 'string' },
      'client-secret': { type: 'string' },
      oidc: { type: 'boolean', default: true },
      anonymous: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;

  const options: WeaviateServerOptions = { oidc: values.oidc, anonymousAccess: values.anonymous };
  if (values.host !== undefined) options.host = values.host;
  const port = integer('port', values.port);
  if (port !== undefined) options.port = port;
  const oidcPort = integer('oidc-port', values['oidc-port']);
  if (oidcPort !== undefined) options.oidcPort = oidcPort;
  const ttl = integer('token-ttl', values['token-ttl']);
  if (ttl !== undefined) options.accessTokenTtl = ttl;
  const refreshTtl = integer('refresh-ttl', values['refresh-ttl']);
  if (refreshTtl !== undefined) options.refreshTokenTtl = refreshTtl;
  if (values['client-id'] !== undefined) options.clientId = values['client-id'];
  if (values.scope !== undefined) options.scopes = values.scope;
  if (!values.scopes) {
    if (values.scope !== undefined) throw new UsageError('--no-scopes and --scope contradict each other');
    options.scopes = [];
  }
  if (values.rbac) options.authorization = 'rbac';
  if (values['db-users'] !== undefined) options.dbUsers = values['db-users'];

  const apiKeys: NonNullable<WeaviateServerOptions['apiKeys']> = [];
  if (values['admin-key'] !== undefined) apiKeys.push({ key: values['admin-key'], role: 'admin' });
  if (values['read-only-key'] !== undefined)
    apiKeys.push({ key: values['read-only-key'], role: 'read-only' });
  if (apiKeys.length > 0) options.apiKeys = apiKeys;

  const users: NonNullable<WeaviateServerOptions['users']> = [];
  if (values['admin-password'] !== undefined) {
    users.push({ username: 'admin', password: values['admin-password'], role: 'admin' });
  }
  if (values['reader-password'] !== undefined) {
    users.push({ username: 'reader', password: values['reader-password'], role: 'read-only' });
  }
  if (users.length > 0) options.users = users;

  if (values['client-secret'] !== undefined) {
    const clientId = `${options.clientId ?? 'weaviate'}-service`;
    options.clients = [{ clientId, clientSecret: values['client-secret'], role: 'admin' }];
  }
  return { options, json: values.json };
}
