import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { closeServer, listen } from './oidc-provider.js';
import { onFreePort, PortTakenError, saysPortTaken } from './ports.js';

/** Debian's glewlwyd package: the server, and the SQLite schema its package ships. */
const BINARY = '/usr/bin/glewlwyd';
const SCHEMA = '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3';
/** The administrator the schema creates (Glewlwyd's documented first login). */
const ADMIN = { username: 'admin', password: 'password' };
/** The scope every token is asked for with; Glewlwyd puts the granted scopes in the access token's `aud`. */
const SCOPE = 'weaviate';

/**
 * Options of {@link startGlewlwyd}.
 *
 * @example
 * ```ts
 * import { startGlewlwyd } from '@auth/testing';
 *
 * const glewlwyd = await startGlewlwyd({ accessTokenTtl: 60 });
 * await glewlwyd.close();
 * ```
 */
export interface GlewlwydOptions {
  /** Seconds an access token lives. @default 60 */
  accessTokenTtl?: number;
}

/**
 * A running Glewlwyd (Debian's `glewlwyd`, an OpenID Provider written by others) on a loopback port, with
 * its OIDC plugin, one user and one confidential client, and in front of it a small API that accepts a
 * bearer token only if it is a JWT Glewlwyd signed (checked against its JWKS, issuer and expiry) and
 * serves Weaviate's discovery (`/v1/.well-known/openid-configuration`) pointing at Glewlwyd.
 *
 * @example
 * ```ts
 * import { startGlewlwyd } from '@auth/testing';
 *
 * await using glewlwyd = await startGlewlwyd();
 * console.log(glewlwyd.issuer); // http://127.0.0.1:PORT/api/oidc
 * ```
 */
export interface GlewlwydServer {
  /** Glewlwyd's OIDC issuer, `http://127.0.0.1:PORT/api/oidc`. */
  readonly issuer: string;
  /** The API in front of it (Weaviate's discovery, token checks), `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The confidential client the API's discovery names (password, refresh and client-credentials grants). */
  readonly client: { readonly clientId: string; readonly clientSecret: string };
  /** A public client (no secret): Glewlwyd refuses it the password grant when it names itself. */
  readonly publicClientId: string;
  readonly user: { readonly username: string; readonly password: string };
  /** What the API saw: the `sub` of every token it accepted, and how many it refused. */
  readonly api: { readonly accepted: string[]; refused: number };
  /** Runs the password grant as the confidential client and returns the raw answer's tokens. */
  issueTokens(): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Whether Debian's glewlwyd and sqlite3 are installed (`.ci/run` installs them). */
export function glewlwydInstalled(): boolean {
  return existsSync(BINARY) && existsSync(SCHEMA) && commandExists('sqlite3');
}

function commandExists(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts Glewlwyd on a free loopback port with a fresh SQLite database (its package's schema), configures it
 * through its admin API (the OIDC plugin with RS256 keys, refresh tokens that rotate and are refused when
 * reused, the password, refresh-token and client-credentials grants), and starts the API in front of it.
 * Rejects with a clear error when the package is not installed.
 */
export async function startGlewlwyd(options: GlewlwydOptions = {}): Promise<GlewlwydServer> {
  if (!glewlwydInstalled()) {
    throw new Error(
      "startGlewlwyd: Debian's glewlwyd package (and sqlite3) is not installed. Install it (apt-get install glewlwyd), as .ci/run does.",
    );
  }
  // Glewlwyd takes a port number, not 0: another process may take it first, then it starts on another one.
  return onFreePort((port) => startOn(port, options.accessTokenTtl ?? 60));
}

async function startOn(port: number, accessTokenTtl: number): Promise<GlewlwydServer> {
  const dir = await mkdtemp(join(tmpdir(), 'glewlwyd-'));
  const base = `http://127.0.0.1:${port}`;
  const issuer = `${base}/api/oidc`;
  const database = join(dir, 'glewlwyd.db');
  execFileSync('sqlite3', [database], { input: await readFile(SCHEMA) });
  const config = join(dir, 'glewlwyd.conf');
  await writeFile(config, configFile(port, database));
  const child = spawn(BINARY, [`--config-file=${config}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const admin = await adminSession(base, child, () => log);
    const user = { username: 'alice', password: `pw-${randomBytes(12).toString('hex')}` };
    const client = { clientId: 'weaviate-app', clientSecret: `secret-${randomBytes(12).toString('hex')}` };
    const publicClientId = 'weaviate';
    await configure(admin, { issuer, accessTokenTtl, user, client, publicClientId });
    const api = await startApi(issuer, client.clientId);
    const issueTokens = async () => {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa(`${client.clientId}:${client.clientSecret}`)}` },
        body: new URLSearchParams({ grant_type: 'password', ...user, scope: `${SCOPE} offline_access` }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as {
        access_token: string;
        refresh_token: string;
        expires_in: number;
      };
      return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresIn: body.expires_in };
    };
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= Promise.all([api.close(), stop()]).then(() => undefined);
      return closing;
    };
    return {
      issuer,
      url: api.url,
      client,
      publicClientId,
      user,
      api: api.seen,
      issueTokens,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function configFile(port: number, database: string): string {
  // The shape of the package's own /etc/glewlwyd/glewlwyd.conf (its TLS keys must be present, even unused).
  return `port=${port}
bind_address="127.0.0.1"
external_url="http://127.0.0.1:${port}"
login_url="login.html"
api_prefix="api"
allow_origin="*"
log_mode="console"
log_level="ERROR"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
plugin_api_run_enabled=""
add_x_frame_option_header_deny=true
max_post_size=1048576
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
use_secure_connection=false
secure_connection_key_file="/etc/glewlwyd/cert.key"
secure_connection_pem_file="/etc/glewlwyd/cert.pem"
secure_connection_ca_file="/etc/glewlwyd/ca.crt"
hash_algorithm = "SHA512"
database =
{
  type = "sqlite3"
  path = "${database}"
};
static_files_mime_types = ( { extension = ".json" mime_type = "application/json" } )
`;
}

type Admin = (method: string, path: string, body: unknown) => Promise<void>;

/** Logs in as the administrator once Glewlwyd answers (within 10 s); returns a caller of its admin API. */
async function adminSession(base: string, child: ChildProcess, log: () => string): Promise<Admin> {
  const deadline = Date.now() + 10_000;
  let cookie: string | undefined;
  while (!cookie) {
    // It may stay up after it failed to bind its port: its log says so.
    if (saysPortTaken(log())) throw new PortTakenError(`startGlewlwyd: ${log()}`);
    if (child.exitCode !== null)
      throw new Error(`startGlewlwyd: glewlwyd exited (${child.exitCode}): ${log()}`);
    try {
      const response = await fetch(`${base}/api/auth/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
        // Whatever else holds the port may never answer.
        signal: AbortSignal.timeout(2_000),
      });
      cookie = response.headers.get('set-cookie')?.split(';')[0];
      if (!response.ok || !cookie) throw new Error(`admin login answered ${response.status}`);
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`startGlewlwyd: glewlwyd did not start: ${String(error)} ${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return async (method, path, body) => {
    const response = await fetch(`${base}/api${path}`, {
      method,
      headers: { 'content-type': 'application/json', cookie: cookie ?? '' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      throw new Error(
        `startGlewlwyd: ${method} /api${path} answered ${response.status}: ${await response.text()}`,
      );
    }
  };
}

async function configure(
  admin: Admin,
  setup: {
    issuer: string;
    accessTokenTtl: number;
    user: { username: string; password: string };
    client: { clientId: string; clientSecret: string };
    publicClientId: string;
  },
): Promise<void> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'auth-testing', alg: 'RS256', use: 'sig' };
  const scopes = ['openid', SCOPE, 'offline_access'];
  await admin('POST', '/mod/plugin/', {
    module: 'oidc',
    name: 'oidc',
    display_name: 'OpenID Connect',
    enabled: true,
    parameters: {
      iss: setup.issuer,
      'jwks-private': JSON.stringify({ keys: [jwk] }),
      'default-kid': 'auth-testing',
      'access-token-duration': setup.accessTokenTtl,
      'refresh-token-duration': 3600,
      'code-duration': 600,
      'refresh-token-rolling': true,
      // Rotation with reuse detection: a refresh token works once, a replayed one breaks the chain.
      'refresh-token-one-use': 'always',
      'allow-non-oidc': true,
      'auth-type-password-enabled': true,
      'auth-type-client-enabled': true,
      'auth-type-refresh-enabled': true,
      'auth-type-code-enabled': false,
      'auth-type-token-enabled': false,
      'auth-type-id-token-enabled': true,
      'auth-type-none-enabled': false,
      'auth-type-device-enabled': false,
      'jwks-show': true,
      scope: [],
      claims: [],
      'additional-parameters': [],
      'allowed-scope': scopes,
    },
  });
  for (const name of [SCOPE, 'offline_access']) {
    await admin('POST', '/scope/', { name, display_name: name, description: name, password_required: false });
  }
  await admin('POST', '/user/', { ...setup.user, name: 'Alice', scope: scopes, enabled: true });
  const grants = ['password', 'refresh_token', 'client_credentials'];
  await admin('POST', '/client/', {
    client_id: setup.client.clientId,
    name: setup.client.clientId,
    confidential: true,
    password: setup.client.clientSecret,
    authorization_type: grants,
    token_endpoint_auth_method: ['client_secret_basic', 'client_secret_post'],
    scope: scopes,
    redirect_uri: [],
    enabled: true,
  });
  await admin('POST', '/client/', {
    client_id: setup.publicClientId,
    name: setup.publicClientId,
    confidential: false,
    authorization_type: ['password', 'refresh_token'],
    scope: scopes,
    redirect_uri: [],
    enabled: true,
  });
}

/** The API in front of Glewlwyd: Weaviate's discovery, and 200 only for a bearer JWT Glewlwyd signed. */
async function startApi(
  issuer: string,
  clientId: string,
): Promise<{ url: string; seen: { accepted: string[]; refused: number }; close(): Promise<void> }> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const seen = { accepted: [] as string[], refused: 0 };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      for await (const _ of req) {
        // drain the body
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path === '/v1/.well-known/openid-configuration') {
        return send(res, 200, {
          href: `${issuer}/.well-known/openid-configuration`,
          clientId,
          scopes: [SCOPE],
        });
      }
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      try {
        if (!token) throw new Error('no bearer token');
        const { payload } = await jwtVerify(token, jwks, { issuer, clockTolerance: 0 });
        seen.accepted.push(String(payload.sub));
      } catch {
        seen.refused++;
        return send(res, 401, { code: 401, message: 'the token is not a valid Glewlwyd access token' });
      }
      return send(res, 200, path.endsWith('/graphql') ? { data: { __typename: 'Query' } } : { ok: true });
    })().catch(() => res.destroy());
  });
  const port = await listen(server, '127.0.0.1', 0);
  return { url: `http://127.0.0.1:${port}`, seen, close: () => closeServer(server) };
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
