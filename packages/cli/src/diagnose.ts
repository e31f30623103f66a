import { discoverWeaviateOidc, isAuthError, type WeaviateOidcConfig } from '@auth/core';
import { CliError, type CliErrorCode } from './cli-error.js';
import type { CredentialSpec } from './credentials.js';

/** A problem found while authenticating: what happened, what it most likely means, what to do. */
export interface Problem {
  code: CliErrorCode;
  summary: string;
  likely: string[];
  todo: string[];
}

/** Turns a problem into the error a command exits with. */
export function problemToError(problem: Problem, cause?: unknown): CliError {
  return new CliError(problem.code, problem.summary, {
    hints: [...problem.likely.map((line) => `Likely: ${line}`), ...problem.todo.map((line) => `Do: ${line}`)],
    cause,
  });
}

// Error codes of Node's sockets, DNS, TLS and undici that mean "could not talk to the host at all".
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error and its `cause` chain (and the members of an AggregateError), outermost first. */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 16) {
    const current = queue.shift();
    if (current === undefined || current === null || chain.includes(current)) continue;
    chain.push(current);
    if (typeof current === 'object') {
      const record = current as { cause?: unknown; errors?: unknown };
      if (record.cause !== undefined) queue.push(record.cause);
      if (Array.isArray(record.errors)) queue.push(...record.errors);
    }
  }
  return chain;
}

function prop(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function isTimeout(value: unknown): boolean {
  const name = prop(value, 'name');
  const code = prop(value, 'code');
  return name === 'TimeoutError' || code === 'timeout' || code === 'TIMEOUT' || code === 'ETIMEDOUT';
}

/**
 * When `error` means the host could not be reached (refused, DNS, TLS, timeout), the exit-3 error that says
 * so; otherwise undefined. `doing` names what was attempted, e.g. `GET http://localhost:8080/v1/schema`.
 */
export function networkProblem(error: unknown, doing: string): CliError | undefined {
  const chain = causeChain(error);
  if (chain.some(isTimeout)) {
    return new CliError('timeout', `no answer in time while ${doing}.`, {
      hints: [
        'Check that the URL and port are right and the server is up; raise --timeout for a slow network.',
      ],
      cause: error,
    });
  }
  if (chain.some((item) => prop(item, 'message') === 'bad port')) {
    return new CliError(
      'usage',
      `fetch refuses to connect to this port (a "bad port" of the Fetch standard) while ${doing}.`,
      {
        hints: ['Run the server on another port.'],
        cause: error,
      },
    );
  }
  const network = chain.find((item) => {
    const code = prop(item, 'code');
    return typeof code === 'string' && NETWORK_CODES.has(code);
  });
  // By name: in a cause chain that core copied (redacted), the TypeError is a plain Error named so.
  const fetchFailed = chain.some(
    (item) => prop(item, 'name') === 'TypeError' && prop(item, 'message') === 'fetch failed',
  );
  if (network === undefined && !fetchFailed) return undefined;
  const code = network === undefined ? undefined : String(prop(network, 'code'));
  const address = prop(network, 'address') ?? prop(network, 'hostname');
  const port = prop(network, 'port');
  const where =
    typeof address === 'string' ? ` (${address}${typeof port === 'number' ? `:${port}` : ''})` : '';
  if (code !== undefined && TLS_CODES.has(code)) {
    return new CliError(
      'unreachable',
      `the TLS certificate was not accepted (${code})${where} while ${doing}.`,
      {
        hints: [
          'The server presents a certificate Node does not trust. For a private CA, set NODE_EXTRA_CA_CERTS=/path/to/ca.pem.',
        ],
        cause: error,
      },
    );
  }
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host name not found'
        : (code ?? 'network error');
  return new CliError('unreachable', `cannot reach the server: ${reason}${where} while ${doing}.`, {
    hints: [
      'Check the URL (scheme, host and port), that the server is running, and that you are online (VPN, proxy).',
    ],
    cause: error,
  });
}

/** What `GET /v1/.well-known/openid-configuration` says about the server's OIDC configuration. */
export type DiscoveryProbe =
  | {
      state: 'on';
      issuer: string | undefined;
      clientId: string | undefined;
      scopes: string[] | undefined;
    }
  | { state: 'off' }
  | { state: 'unexpected'; status: number };

/**
 * Asks the server (without credentials) whether OIDC is on, through core's own discovery request
 * (`discoverWeaviateOidc`). Only for diagnosis and for API keys, where core does no discovery; the credential
 * flows themselves are core's. Throws an exit-3 `CliError` when the server cannot be reached.
 */
export async function probeDiscovery(baseUrl: string, timeout: number): Promise<DiscoveryProbe> {
  let config: WeaviateOidcConfig | undefined;
  try {
    config = await discoverWeaviateOidc(baseUrl, { timeout });
  } catch (error) {
    // A DiscoveryError with a status: the server answered, but not with a usable discovery document.
    const status = errorName(error) === 'DiscoveryError' ? prop(error, 'status') : undefined;
    if (typeof status === 'number') return { state: 'unexpected', status };
    throw networkProblem(error, `GET ${baseUrl}/v1/.well-known/openid-configuration`) ?? error;
  }
  if (config === undefined) return { state: 'off' };
  return {
    state: 'on',
    issuer: config.href.replace(/\/?\.well-known\/openid-configuration$/, ''),
    clientId: config.clientId,
    scopes: [...config.scopes],
  };
}

/** The OAuth `error` code (`invalid_grant`, `invalid_client`, ...) somewhere in an error's cause chain. */
export function oauthErrorCode(error: unknown): string | undefined {
  for (const item of causeChain(error)) {
    for (const name of ['oauthError', 'error', 'errorCode']) {
      const value = prop(item, name);
      if (typeof value === 'string' && /^[a-z_]+$/.test(value)) return value;
    }
  }
  return undefined;
}

function errorName(error: unknown): string {
  const name = prop(error, 'name');
  return typeof name === 'string' ? name : '';
}

function errorMessage(error: unknown): string {
  const message = prop(error, 'message');
  return typeof message === 'string' && message !== '' ? message : String(error);
}

/** What the CLI knows when a credential could not be obtained. */
export interface FailureContext {
  baseUrl: string;
  credential: CredentialSpec;
  /** The client id given with --client-id, if any. */
  clientId: string | undefined;
  /** The client id the server announced, once core's discovery has run. */
  announcedClientId: () => string | undefined;
  timeout: number;
  /** Asks the server whether OIDC is on (to explain a failed discovery). */
  probe: () => Promise<DiscoveryProbe>;
}

/** Explains why core could not produce a credential, as the error the command exits with. */
export async function explainFailure(error: unknown, context: FailureContext): Promise<CliError> {
  if (error instanceof CliError) return error;
  const name = errorName(error);
  if (name === 'InsecureTransportError') {
    const url = prop(error, 'url');
    const target = typeof url === 'string' ? url : context.baseUrl;
    return new CliError(
      'insecure_transport',
      `refusing to send a credential over plain http to ${target}: only loopback hosts may use http.`,
      {
        hints: [
          'Use an https:// URL, or pass --allow-insecure-http if the network between you and the server is trusted.',
        ],
        cause: error,
      },
    );
  }
  const network = networkProblem(error, 'getting a credential');
  if (network !== undefined || name === 'TimeoutError') {
    const unreachable = network ?? new CliError('timeout', `${errorMessage(error)}`, { cause: error });
    // Say whether it is the server or its OpenID Provider that cannot be reached.
    try {
      await context.probe();
      return new CliError(
        unreachable.code,
        `the server answers, but its OpenID Provider could not be reached: ${unreachable.message}`,
        {
          hints: ['Check that this machine can reach the issuer URL (`weaviate-auth check` prints it).'],
          cause: error,
        },
      );
    } catch (probeError) {
      return probeError instanceof CliError ? probeError : unreachable;
    }
  }
  if (context.credential.kind !== 'api-key' && context.credential.kind !== 'none') {
    const probe = await context.probe().catch((probeError: unknown) => probeError);
    if (probe instanceof CliError) return probe;
    if (typeof probe === 'object' && probe !== null && prop(probe, 'state') === 'off') {
      return problemToError(oidcDisabled(context.credential), error);
    }
  }
  if (name === 'ConfigurationError') {
    return new CliError('usage', errorMessage(error), { cause: error });
  }
  if (name === 'SignInError') return signInProblem(error, context);
  if (name === 'TokenRequestError' || oauthErrorCode(error) !== undefined) {
    return problemToError(tokenRequestProblem(error, context), error);
  }
  if (name === 'DiscoveryError') {
    return new CliError('discovery_failed', errorMessage(error), {
      hints: [
        'Likely: the server announces an issuer whose discovery document cannot be read, or the URL is not a Weaviate server.',
        'Do: run `weaviate-auth check` to see the issuer, and open <issuer>/.well-known/openid-configuration in a browser.',
      ],
      cause: error,
    });
  }
  if (name === 'ReauthenticationRequiredError' || name === 'LoginFileError') {
    return new CliError('invalid_credentials', errorMessage(error), {
      hints: [
        context.credential.kind === 'login'
          ? `Do: sign in again with \`weaviate-auth login --url ${context.baseUrl}\`.`
          : 'Do: check the credential; the provider no longer accepts it.',
      ],
      cause: error,
    });
  }
  if (isAuthError(error)) return new CliError('token_request_failed', errorMessage(error), { cause: error });
  return new CliError('unexpected', `unexpected error: ${errorMessage(error)}`, { cause: error });
}

/** What the CLI's flags are for each grant a provider offers instead of the device flow. */
const INSTEAD: Record<string, string> = {
  password: 'a username and password: --username (the password is asked for)',
  client_credentials: 'a service client: --client-secret with --client-id',
  authorization_code: 'an API key (--api-key), as this CLI cannot sign in in a browser',
};

/** A device sign-in (`weaviate-auth login`) that did not give a token. */
function signInProblem(error: unknown, context: FailureContext): CliError {
  const reason = prop(error, 'reason');
  const message = errorMessage(error);
  const again = `Run \`weaviate-auth login --url ${context.baseUrl}\` again.`;
  const cause = prop(error, 'cause');
  if (reason === 'cancelled' && prop(cause, 'name') === 'CliError') {
    // The CLI's own prompt refused to show what the provider sent.
    return new CliError('sign_in_failed', errorMessage(cause), { cause: error });
  }
  switch (reason) {
    case 'cancelled':
      return new CliError(
        'interrupted',
        'the sign-in was cancelled before it was approved (Ctrl-C, or the terminal closed); nothing was stored.',
        { hints: [again], cause: error },
      );
    case 'access_denied':
      return new CliError('refused', message, {
        hints: [`${again} Approve the request on the provider's page if it was yours.`],
        cause: error,
      });
    case 'expired':
      return new CliError('sign_in_failed', message, {
        hints: [`${again} Open the page and enter the code before it expires.`],
        cause: error,
      });
    case 'unsupported': {
      const alternatives = prop(error, 'alternatives');
      const ways = (Array.isArray(alternatives) ? alternatives : [])
        .map((grant) => INSTEAD[String(grant)])
        .filter((way): way is string => way !== undefined);
      return new CliError('unsupported', message, {
        hints:
          ways.length > 0
            ? ways.map((way) => `Instead, use ${way}.`)
            : ['Instead, use an API key (--api-key).'],
        cause: error,
      });
    }
    default:
      return new CliError('sign_in_failed', message, { hints: [again], cause: error });
  }
}

/** OIDC credentials given to a server with OIDC off. */
export function oidcDisabled(credential: CredentialSpec): Problem {
  const what =
    credential.kind === 'password'
      ? 'a username and password'
      : credential.kind === 'client-credentials'
        ? 'a client secret'
        : 'a sign-in with its OpenID Provider';
  return {
    code: 'oidc_disabled',
    summary: `this server does not have OIDC enabled (GET /v1/.well-known/openid-configuration answered 404), so it cannot accept ${what}.`,
    likely: ['The server authenticates with API keys only (or allows anonymous access).'],
    todo: [
      'Use an API key: --api-key or WEAVIATE_API_KEY.',
      'Or ask the administrator to enable OIDC (AUTHENTICATION_OIDC_ENABLED=true) if you expected it.',
    ],
  };
}

function tokenRequestProblem(error: unknown, context: FailureContext): Problem {
  const oauth = oauthErrorCode(error);
  const credential = context.credential;
  const grant =
    credential.kind === 'password'
      ? 'password'
      : credential.kind === 'login'
        ? 'refresh_token'
        : credential.kind === 'device'
          ? 'device_code'
          : 'client_credentials';
  const announced = context.announcedClientId();
  const clientNote =
    context.clientId !== undefined
      ? `client id '${context.clientId}'`
      : announced === undefined
        ? 'the client id the server announces'
        : `client id '${announced}' (announced by the server; no --client-id given)`;
  const base = `the OpenID Provider refused the ${grant} grant${oauth === undefined ? '' : ` (${oauth})`}: ${errorMessage(error)}`;
  if (credential.kind === 'login' && oauth === 'invalid_grant') {
    return {
      code: 'invalid_credentials',
      summary: `the OpenID Provider refused the stored login's refresh token (invalid_grant).`,
      likely: [
        'The sign-in was revoked or expired at the provider (signed out elsewhere, a password change, an idle timeout), or its refresh token was used by another copy of the login file.',
      ],
      todo: [`Sign in again: weaviate-auth login --url ${context.baseUrl}`],
    };
  }
  switch (oauth) {
    case 'invalid_grant':
      return credential.kind === 'password'
        ? {
            code: 'invalid_credentials',
            summary: `the OpenID Provider refused the username or password for '${credential.username}' (invalid_grant).`,
            likely: [
              'A wrong password or username (user names can be case-sensitive), or a locked, disabled or unverified account.',
            ],
            todo: [
              'Check the username and password; sign in once in a browser to see whether the account needs an action.',
            ],
          }
        : {
            code: 'invalid_credentials',
            summary: base,
            likely: ['The provider does not accept this grant for this client.'],
            todo: ['Check the client configuration at the provider.'],
          };
    case 'invalid_client':
      return credential.kind === 'client-credentials'
        ? {
            code: 'invalid_credentials',
            summary: `the OpenID Provider refused the client id or secret (invalid_client) for ${clientNote}.`,
            likely: [
              'A wrong or expired client secret, or the wrong client id: a confidential client usually has its own id, not the one the server announces.',
            ],
            todo: [
              'Pass the client id that owns this secret with --client-id (or WEAVIATE_CLIENT_ID), and copy the secret again.',
            ],
          }
        : {
            code: 'invalid_credentials',
            summary: `the OpenID Provider does not accept ${clientNote} for a password login (invalid_client).`,
            likely: ['The client is unknown to the provider, or it is confidential and needs a secret.'],
            todo: ['Ask the administrator which public client to use, and pass it with --client-id.'],
          };
    case 'unauthorized_client':
      return {
        code: 'invalid_credentials',
        summary: `${clientNote} is not allowed to use the ${grant} grant (unauthorized_client).`,
        likely: ['The grant is disabled for this client at the provider.'],
        todo: [
          credential.kind === 'password'
            ? 'Enable the password grant ("Direct access grants" in Keycloak) for the client, or use a client secret.'
            : 'Enable the client credentials grant ("Service accounts" in Keycloak) for the client.',
        ],
      };
    case 'unsupported_grant_type':
      return {
        code: 'invalid_credentials',
        summary: `the OpenID Provider does not support the ${grant} grant (unsupported_grant_type).`,
        likely: ['Many providers disable the password grant.'],
        todo: ['Use another credential: an API key, or a client secret.'],
      };
    case 'invalid_scope':
      return {
        code: 'invalid_credentials',
        summary: `the OpenID Provider refused the requested scopes (invalid_scope).`,
        likely: ['A scope from --scope, or one the server announces, is not allowed for this client.'],
        todo: ['Drop --scope, or allow the scopes for the client at the provider.'],
      };
    default:
      return {
        code: 'token_request_failed',
        summary: base,
        likely: ['The provider could not issue a token for this credential.'],
        todo: ['Run `weaviate-auth check` for the server and provider details.'],
      };
  }
}

/** The non-secret claims of a JWT access token, for diagnosis. Undefined for an opaque token. */
export interface TokenClaims {
  iss?: string;
  aud?: string | string[];
  sub?: string;
  azp?: string;
  scope?: string;
  iat?: number;
  exp?: number;
}

export function decodeClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const claims: TokenClaims = {};
  const p = payload as Record<string, unknown>;
  if (typeof p.iss === 'string') claims.iss = p.iss;
  if (typeof p.aud === 'string' || (Array.isArray(p.aud) && p.aud.every((a) => typeof a === 'string'))) {
    claims.aud = p.aud as string | string[];
  }
  if (typeof p.sub === 'string') claims.sub = p.sub;
  if (typeof p.azp === 'string') claims.azp = p.azp;
  if (typeof p.scope === 'string') claims.scope = p.scope;
  if (typeof p.iat === 'number') claims.iat = p.iat;
  if (typeof p.exp === 'number') claims.exp = p.exp;
  return claims;
}

/** The message in a Weaviate error body: `{"message": ...}` (401) or `{"error":[{"message": ...}]}` (403). */
export function serverMessage(body: unknown): string | undefined {
  const message = prop(body, 'message');
  if (typeof message === 'string') return message;
  const errors = prop(body, 'error');
  if (Array.isArray(errors)) {
    const first = prop(errors[0], 'message');
    if (typeof first === 'string') return first;
  }
  return typeof body === 'string' && body !== '' ? body.slice(0, 200) : undefined;
}

/** What the CLI knows when the server answered 401 to a request that carried our credential. */
export interface UnauthorizedContext {
  credential: CredentialSpec;
  path: string;
  message: string | undefined;
  claims: TokenClaims | undefined;
  /** The token was a JWT? False for an opaque token, undefined for an API key. */
  isJwt: boolean | undefined;
  /** What the server announces (issuer, client id), from core's discovery event or the probe. */
  server: { oidc: boolean | undefined; issuer: string | undefined; clientId: string | undefined };
  now: number;
}

/** The most likely meaning of a 401 and what to do, given what the CLI saw. */
export function explainUnauthorized(context: UnauthorizedContext): Problem {
  const said = context.message === undefined ? '' : `: "${context.message}"`;
  const summary = `the server refused the credential (GET ${context.path} -> 401${said}).`;
  const { credential, claims, server } = context;
  if (credential.kind === 'none') {
    return {
      code: 'unauthorized',
      summary: `the server requires authentication (GET ${context.path} -> 401${said}).`,
      likely: ['Anonymous access is off on this server.'],
      todo: [
        'Give a credential: --api-key, --username (a password is then asked for), or --client-secret with --client-id.',
      ],
    };
  }
  if (credential.kind === 'api-key') {
    return {
      code: 'unauthorized',
      summary,
      likely: [
        'The server does not know this API key: a typo or a truncated copy, a key that was deleted or rotated, or a key of another cluster.',
        ...(server.oidc === true
          ? ['Or this server accepts only OIDC tokens (API keys disabled): it announces an OpenID Provider.']
          : []),
      ],
      todo: [
        'Copy the key again from where it was issued (in Weaviate Cloud: the cluster details, API keys) and check that --url is that cluster.',
      ],
    };
  }
  if (context.isJwt === false) {
    return {
      code: 'unauthorized',
      summary,
      likely: ['The provider issued an opaque (non-JWT) access token; Weaviate can only verify JWTs.'],
      todo: ['Configure the provider to issue JWT access tokens for this client.'],
    };
  }
  const likely: string[] = [];
  const todo: string[] = [];
  const audiences = claims?.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (server.clientId !== undefined && claims !== undefined && !audiences.includes(server.clientId)) {
    likely.push(
      `The token's audience (aud: ${audiences.join(', ') || 'none'}) does not contain the client id the server expects ('${server.clientId}'); Weaviate only accepts tokens whose aud contains it.`,
    );
    todo.push(
      `Have the provider add '${server.clientId}' to the audience of this client's tokens (an audience mapper), or use a client whose tokens carry it.`,
    );
  }
  if (
    server.issuer !== undefined &&
    claims?.iss !== undefined &&
    trimSlash(claims.iss) !== trimSlash(server.issuer)
  ) {
    likely.push(`The token's issuer (${claims.iss}) is not the issuer the server trusts (${server.issuer}).`);
    todo.push('Use the provider the server announces, or fix AUTHENTICATION_OIDC_ISSUER on the server.');
  }
  if (claims?.exp !== undefined && claims.exp * 1000 <= context.now) {
    likely.push(`The token had already expired (exp ${new Date(claims.exp * 1000).toISOString()}).`);
    todo.push("Check this machine's clock and the server's (they must agree to within a few seconds).");
  }
  if (likely.length === 0) {
    likely.push(
      "The server rejected a token its provider has just issued: the server's OIDC settings do not match the provider (issuer URL, client id), the username claim it reads is missing from the token, or it cannot fetch the provider's signing keys.",
    );
    todo.push(
      'Compare AUTHENTICATION_OIDC_ISSUER, AUTHENTICATION_OIDC_CLIENT_ID and AUTHENTICATION_OIDC_USERNAME_CLAIM on the server with the token claims shown by `weaviate-auth check --json`.',
    );
  }
  return { code: 'unauthorized', summary, likely, todo };
}

/** The most likely meaning of a 403 and what to do. */
export function explainForbidden(
  path: string,
  message: string | undefined,
  username: string | undefined,
): Problem {
  const said = message === undefined ? '' : `: "${message}"`;
  return {
    code: 'forbidden',
    summary: `authenticated${username === undefined ? '' : ` as ${username}`}, but not allowed to read (GET ${path} -> 403${said}).`,
    likely: [
      'The credential is valid, but its user has no permission to read: with RBAC, no role grants reading collections or data; without RBAC, the user is in neither the admin nor the read-only list.',
    ],
    todo: [
      'Ask an administrator to assign a role that can read (for example viewer or read-only), or use a credential of a user who has one.',
    ],
  };
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '');
}
