import type { Prepared } from '../context.js';
import {
  decodeClaims,
  explainUnauthorized,
  type Problem,
  problemToError,
  serverMessage,
} from '../diagnose.js';
import { bearerValue, headerValue, type ServerAnswer } from '../session.js';

/** Who the server says the caller is (`GET /v1/users/own-info`). */
export interface Identity {
  username: string | undefined;
  roles: string[] | undefined;
}

export function parseIdentity(body: unknown): Identity {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const username = typeof record.username === 'string' ? record.username : undefined;
  const roles = Array.isArray(record.roles)
    ? record.roles
        .map((role) =>
          typeof role === 'string'
            ? role
            : typeof role === 'object' &&
                role !== null &&
                typeof (role as { name?: unknown }).name === 'string'
              ? (role as { name: string }).name
              : undefined,
        )
        .filter((role): role is string => role !== undefined)
    : undefined;
  return { username, roles };
}

/** Explains a 401 the server gave to a request carrying our credential. */
export async function unauthorizedProblem(
  prepared: Prepared,
  path: string,
  answer: ServerAnswer,
): Promise<Problem> {
  const authorization = headerValue(answer.sent, 'authorization');
  const token = authorization === undefined ? undefined : bearerValue(authorization);
  const { kind } = prepared.credential;
  const isOidc = kind === 'password' || kind === 'client-credentials' || kind === 'login';
  const claims = isOidc && token !== undefined ? decodeClaims(token) : undefined;
  const discovery = prepared.discovery();
  let server: { oidc: boolean | undefined; issuer: string | undefined; clientId: string | undefined } = {
    oidc: discovery === undefined ? undefined : true,
    issuer: discovery?.issuer,
    clientId: discovery?.clientId,
  };
  if (discovery === undefined) {
    const probe = await prepared.probe().catch(() => undefined);
    if (probe?.state === 'on') server = { oidc: true, issuer: probe.issuer, clientId: probe.clientId };
    else if (probe?.state === 'off') server = { oidc: false, issuer: undefined, clientId: undefined };
  }
  return explainUnauthorized({
    credential: prepared.credential,
    path,
    message: serverMessage(answer.body),
    claims,
    isJwt: isOidc ? claims !== undefined : undefined,
    server,
    now: Date.now(),
  });
}

/**
 * A Weaviate endpoint that every version serves (`/v1/meta`, `/v1/schema`) answered neither 2xx nor 401/403:
 * what answers at the URL is not Weaviate's API (a 404: another service, or the wrong path), or the server is
 * failing (5xx). Either way the credential could not be checked: exit code 3, as for a server that cannot be
 * reached.
 */
export function serverProblem(baseUrl: string, path: string, answer: ServerAnswer): Problem {
  const message = serverMessage(answer.body);
  const said = `GET ${path} -> ${answer.status}${message === undefined ? '' : `: "${message}"`}`;
  if (answer.status >= 500) {
    return {
      code: 'unreachable',
      summary: `the server could not answer (${said}).`,
      likely: ['The server is starting, overloaded or failing.'],
      todo: ['Try again in a moment; GET /v1/.well-known/ready answers 200 once Weaviate is ready.'],
    };
  }
  return {
    code: 'unreachable',
    summary: `there is no Weaviate API at ${baseUrl} (${said}).`,
    likely: [
      '--url names another service, a path under the cluster, or a proxy path that does not lead to Weaviate.',
    ],
    todo: [
      "Check --url: the cluster's root (e.g. https://my-cluster.weaviate.cloud), with a path only where a proxy serves Weaviate under one.",
    ],
  };
}

/** The result of asking the server whether it accepts the credential. */
export interface Verification {
  verified: boolean;
  path: string;
  status: number;
  identity: Identity | undefined;
}

/**
 * Asks the server whether it accepts the credential: `GET /v1/users/own-info`, or `GET /v1/meta` where the
 * server has no own-info. A 401 throws an explained error (exit 1), any other failure the server problem (exit 3);
 * a 403 still means the credential is valid.
 */
export async function verifyWithServer(prepared: Prepared): Promise<Verification> {
  let path = '/v1/users/own-info';
  let answer = await prepared.get(path);
  if (answer.status === 404 || answer.status === 405) {
    path = '/v1/meta';
    answer = await prepared.get(path);
  }
  if (answer.status === 401) throw problemToError(await unauthorizedProblem(prepared, path, answer));
  const ok = (answer.status >= 200 && answer.status < 300) || answer.status === 403;
  if (!ok) {
    const problem = serverProblem(prepared.baseUrl, path, answer);
    problem.todo.push('--no-verify prints the credential without asking the server.');
    throw problemToError(problem);
  }
  return {
    verified: ok,
    path,
    status: answer.status,
    identity: path === '/v1/users/own-info' && answer.status === 200 ? parseIdentity(answer.body) : undefined,
  };
}

/** Lifetime facts about the credential just obtained, from core's events. */
export function lifetime(prepared: Prepared): {
  grant: string;
  expiresIn: number | null;
  expiresAt: string | null;
  hasRefreshToken: boolean | null;
} {
  const token = prepared.session.token;
  if (prepared.credential.kind === 'api-key' || token === undefined) {
    return {
      grant: prepared.credential.kind === 'api-key' ? 'api_key' : (token?.grant ?? 'unknown'),
      expiresIn: null,
      expiresAt: null,
      hasRefreshToken: null,
    };
  }
  return {
    grant: token.grant,
    expiresIn: token.expiresIn ?? null,
    expiresAt: token.expiresIn === undefined ? null : isoSeconds(token.obtainedAt + token.expiresIn * 1000),
    hasRefreshToken: token.hasRefreshToken ?? null,
  };
}

/** An ISO 8601 time to the second: `2026-01-01T12:00:00Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
