import { CliError } from '../cli-error.js';
import { type CommandContext, type Prepared, prepare } from '../context.js';
import { assumedHttpsHint, KIND_LABEL } from '../credentials.js';
import {
  type DiscoveryProbe,
  decodeClaims,
  explainForbidden,
  oidcDisabled,
  type Problem,
  serverMessage,
  type TokenClaims,
} from '../diagnose.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { Output } from '../output.js';
import { bearerValue, headerValue } from '../session.js';
import {
  type Identity,
  isoSeconds,
  lifetime,
  parseIdentity,
  serverProblem,
  unauthorizedProblem,
} from './shared.js';

/**
 * The `check` report; `check --json` prints it as is. Never holds a secret or a token.
 *
 * @example
 * ```ts
 * import { type CheckReport, run } from '@auth/cli';
 *
 * let json = '';
 * await run(['check', '--json', '--url', 'http://localhost:8080'], { stdout: { write: (t: string) => (json += t) } });
 * const report = JSON.parse(json) as CheckReport;
 * for (const problem of report.problems) console.log(problem.summary, problem.todo);
 * ```
 */
export interface CheckReport {
  ok: boolean;
  exitCode: ExitCodeValue;
  url: string;
  server: { reachable: boolean | null };
  oidc: {
    enabled: boolean | null;
    issuer: string | null;
    clientId: string | null;
    scopes: string[] | null;
    /** `core`: from core's discovery event (what the token request used); `server`: the server's answer. */
    source: 'core' | 'server' | null;
    /** The client id used instead of the server's, from --client-id or WEAVIATE_CLIENT_ID. */
    clientIdOverride: string | null;
  };
  credential: {
    kind: string;
    source: string | null;
    username: string | null;
    passwordSource: string | null;
  };
  token: {
    grant: string;
    expiresIn: number | null;
    expiresAt: string | null;
    hasRefreshToken: boolean | null;
    claims: TokenClaims | null;
  } | null;
  identity: ({ status: number } & Partial<Identity>) | null;
  read: { path: string; status: number; ok: boolean } | null;
  problems: Problem[];
  notes: string[];
}

/** `weaviate-auth check`: a diagnosis of the server, the credential and the token, with advice for 401/403. */
export async function checkCommand(context: CommandContext): Promise<ExitCodeValue> {
  const { args, output } = context;
  const prepared = await prepare(context, { allowNone: true });
  try {
    const report = await diagnose(prepared);
    const hint = assumedHttpsHint(args, context.env);
    if (hint !== undefined && report.exitCode === ExitCode.Unreachable)
      report.problems.at(-1)?.todo.push(hint);
    if (args.json) output.json(report);
    else render(report, output);
    return report.exitCode;
  } finally {
    await prepared.session.close();
  }
}

async function diagnose(prepared: Prepared): Promise<CheckReport> {
  const { credential } = prepared;
  const report: CheckReport = {
    ok: false,
    exitCode: ExitCode.Ok,
    url: prepared.baseUrl,
    server: { reachable: null },
    oidc: {
      enabled: null,
      issuer: null,
      clientId: null,
      scopes: null,
      source: null,
      clientIdOverride: prepared.clientId?.clientId ?? null,
    },
    credential: {
      kind: credential.kind,
      source: credential.kind === 'none' ? null : credential.source,
      username: credential.kind === 'password' ? credential.username : null,
      passwordSource: credential.kind === 'password' ? credential.passwordSource : null,
    },
    token: null,
    identity: null,
    read: null,
    problems: [],
    notes: [],
  };
  const fail = (problem: Problem, exitCode: ExitCodeValue = ExitCode.AuthFailed) => {
    report.problems.push(problem);
    if (report.exitCode === ExitCode.Ok) report.exitCode = exitCode;
  };
  const finish = () => {
    report.ok = report.problems.length === 0;
    return report;
  };

  // 1. The server, and whether it announces an OpenID Provider (asked without credentials).
  let probe: DiscoveryProbe;
  try {
    probe = await prepared.probe();
  } catch (error) {
    report.server.reachable = false;
    const cliError = error instanceof CliError ? error : new CliError('unreachable', String(error));
    fail(fromCliError(cliError), cliError.exitCode);
    return finish();
  }
  report.server.reachable = true;
  if (probe.state === 'on') {
    report.oidc = {
      ...report.oidc,
      enabled: true,
      issuer: probe.issuer ?? null,
      clientId: probe.clientId ?? null,
      scopes: probe.scopes ?? null,
      source: 'server',
    };
  } else if (probe.state === 'off') {
    report.oidc = { ...report.oidc, enabled: false };
  } else {
    report.notes.push(
      `GET /v1/.well-known/openid-configuration answered ${probe.status}; is --url a Weaviate server (and its root, not a sub-path)?`,
    );
  }
  const oidcCredential =
    credential.kind === 'password' || credential.kind === 'client-credentials' || credential.kind === 'login';
  if (oidcCredential && probe.state === 'off') {
    fail(oidcDisabled(credential));
    return finish();
  }

  // 2. The credential, through core.
  if (credential.kind !== 'none') {
    let headers: Record<string, string>;
    try {
      headers = await prepared.headers();
    } catch (error) {
      const cliError = error instanceof CliError ? error : new CliError('unexpected', String(error));
      fail(fromCliError(cliError), cliError.exitCode);
      return finish();
    }
    const discovery = prepared.discovery();
    if (discovery !== undefined) {
      report.oidc = {
        ...report.oidc,
        enabled: true,
        issuer: discovery.issuer ?? report.oidc.issuer,
        clientId: discovery.clientId ?? report.oidc.clientId,
        scopes: discovery.scopes ?? report.oidc.scopes,
        source: 'core',
      };
    }
    if (credential.kind !== 'api-key') {
      const authorization = headerValue(headers, 'authorization');
      const token = authorization === undefined ? undefined : bearerValue(authorization);
      const claims = token === undefined ? undefined : decodeClaims(token);
      const facts = lifetime(prepared);
      // Degrade gracefully when core did not report the lifetime: read it from the JWT.
      if (facts.expiresIn === null && claims?.exp !== undefined) {
        facts.expiresIn = Math.max(0, Math.round(claims.exp - Date.now() / 1000));
        facts.expiresAt = isoSeconds(claims.exp * 1000);
      }
      report.token = { ...facts, claims: claims ?? null };
      const note = refreshTokenNote(facts.grant, facts.hasRefreshToken, report.oidc.clientId);
      if (note !== undefined) report.notes.push(note);
      if (token !== undefined && claims === undefined) {
        report.notes.push('The access token is not a JWT, so the server cannot verify it by itself.');
      }
    } else {
      report.token = { ...lifetime(prepared), claims: null };
    }
  }

  // 3. Who the server says we are (anonymous callers are nobody: go straight to reading).
  const ownInfo =
    credential.kind === 'none'
      ? null
      : await prepared.get('/v1/users/own-info').catch((error: unknown) => {
          const cliError = toCliError(error);
          fail(fromCliError(cliError), cliError.exitCode);
          return undefined;
        });
  if (ownInfo === undefined) return finish();
  if (ownInfo !== null) {
    report.identity = { status: ownInfo.status };
    if (ownInfo.status === 200) {
      report.identity = { status: ownInfo.status, ...parseIdentity(ownInfo.body) };
    } else if (ownInfo.status === 401) {
      fail(await unauthorizedProblem(prepared, '/v1/users/own-info', ownInfo));
      return finish();
    } else if (ownInfo.status === 404 || ownInfo.status === 405) {
      report.notes.push(
        'This server has no GET /v1/users/own-info (Weaviate before 1.28), so it cannot say who you are.',
      );
    }
  }

  // 4. Whether the credential can read.
  const username = report.identity?.username;
  let readAnswer = await prepared.get('/v1/schema').catch((error: unknown) => {
    const cliError = toCliError(error);
    fail(fromCliError(cliError), cliError.exitCode);
    return undefined;
  });
  if (readAnswer === undefined) return finish();
  let path = '/v1/schema';
  if (readAnswer.status === 403) {
    // With RBAC a user may read data without reading the schema.
    const objects = await prepared.get('/v1/objects?limit=1').catch(() => undefined);
    if (objects?.status === 200) {
      report.notes.push('GET /v1/schema is forbidden for this user, but reading objects works.');
      readAnswer = objects;
      path = '/v1/objects?limit=1';
    }
  }
  report.read = { path, status: readAnswer.status, ok: readAnswer.status === 200 };
  if (readAnswer.status === 401) {
    fail(await unauthorizedProblem(prepared, path, readAnswer));
  } else if (readAnswer.status === 403) {
    fail(explainForbidden(path, serverMessage(readAnswer.body), username));
  } else if (readAnswer.status !== 200) {
    fail(serverProblem(prepared.baseUrl, path, readAnswer), ExitCode.Unreachable);
  }
  return finish();
}

/**
 * The note `check` adds when a password login brings no refresh token back (core asks for `offline_access`
 * with the password grant, so the provider declined it). Client credentials never need one.
 */
export function refreshTokenNote(
  grant: string,
  hasRefreshToken: boolean | null,
  clientId: string | null,
): string | undefined {
  if (grant !== 'password' || hasRefreshToken !== false) return undefined;
  const client = clientId === null ? 'this client' : `client '${clientId}'`;
  return `No refresh token came back, although the offline_access scope was asked for: when this token expires, clients must send the password again. Allow offline_access (refresh tokens) for ${client} at the provider.`;
}

function toCliError(error: unknown): CliError {
  return error instanceof CliError ? error : new CliError('unexpected', `unexpected error: ${String(error)}`);
}

/** A `CliError` as a report problem (its hints are prefixed `Likely:` / `Do:`). */
function fromCliError(error: CliError): Problem {
  const likely: string[] = [];
  const todo: string[] = [];
  for (const hint of error.hints) {
    if (hint.startsWith('Likely: ')) likely.push(hint.slice('Likely: '.length));
    else todo.push(hint.replace(/^Do: /, ''));
  }
  return { code: error.code, summary: error.message, likely, todo };
}

const MARK = { ok: '✓', fail: '✗', warn: '!', skip: '-', more: ' ' } as const;

function line(output: Output, mark: keyof typeof MARK, label: string, text: string): void {
  output.out(`  ${MARK[mark]} ${label.padEnd(11)}${text}`);
}

/** A duration in seconds, for people: `45 s`, `5 min`, `2 h 30 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

function render(report: CheckReport, output: Output): void {
  output.out(`weaviate-auth check ${report.url}`);
  output.out('');
  if (report.server.reachable === false) {
    line(output, 'fail', 'server', 'not reachable');
  } else {
    line(output, 'ok', 'server', 'reachable');
    const { oidc } = report;
    if (oidc.enabled === true) {
      const parts = [
        `issuer ${oidc.issuer ?? '(not announced)'}`,
        `client id ${oidc.clientId ?? '(not announced)'}`,
        `scopes ${oidc.scopes?.join(' ') || '(none)'}`,
      ];
      line(output, 'ok', 'OIDC', `on: ${parts.join(', ')}`);
      if (oidc.clientIdOverride !== null && oidc.clientIdOverride !== oidc.clientId) {
        line(
          output,
          'more',
          '',
          `using client id ${oidc.clientIdOverride} (from --client-id / WEAVIATE_CLIENT_ID)`,
        );
      }
    } else if (oidc.enabled === false) {
      line(output, 'skip', 'OIDC', 'off (API keys or anonymous access only)');
    } else {
      line(output, 'warn', 'OIDC', 'unknown');
    }
  }

  const { credential } = report;
  if (credential.kind === 'none') {
    line(output, 'skip', 'credential', 'none given: checking anonymous access');
  } else if (report.server.reachable) {
    const who =
      credential.kind === 'password'
        ? ` for ${credential.username} (password from ${credential.passwordSource})`
        : ` (from ${credential.source})`;
    line(output, 'ok', 'credential', `${KIND_LABEL[credential.kind as keyof typeof KIND_LABEL]}${who}`);
  }

  const { token } = report;
  if (token !== null && credential.kind !== 'api-key') {
    const life =
      token.expiresIn === null
        ? 'lifetime unknown'
        : `valid for ${formatDuration(token.expiresIn)} (until ${token.expiresAt ?? '?'})`;
    const refresh =
      token.hasRefreshToken === null
        ? 'refresh token: unknown'
        : `refresh token: ${token.hasRefreshToken ? 'yes' : 'no'}`;
    const mark = token.hasRefreshToken === false && token.grant === 'password' ? 'warn' : 'ok';
    line(output, mark, 'token', `${token.grant} grant, ${life}, ${refresh}`);
    if (token.claims !== null) {
      const aud = Array.isArray(token.claims.aud) ? token.claims.aud.join(' ') : token.claims.aud;
      line(
        output,
        'more',
        '',
        `claims: iss ${token.claims.iss ?? '-'}, aud ${aud ?? '-'}, sub ${token.claims.sub ?? '-'}`,
      );
    }
  } else if (token !== null) {
    line(output, 'ok', 'token', 'API key (static; it does not expire by itself)');
  }

  const { identity } = report;
  if (identity !== null) {
    if (identity.status === 200) {
      const roles = identity.roles === undefined ? '' : ` (roles: ${identity.roles.join(', ') || 'none'})`;
      line(output, 'ok', 'identity', `${identity.username ?? '(no username)'}${roles}`);
    } else if (identity.status === 401) {
      line(output, 'fail', 'identity', 'GET /v1/users/own-info -> 401');
    } else {
      line(output, 'skip', 'identity', `GET /v1/users/own-info -> ${identity.status}`);
    }
  }
  if (report.read !== null) {
    line(output, report.read.ok ? 'ok' : 'fail', 'read', `GET ${report.read.path} -> ${report.read.status}`);
  }

  for (const note of report.notes) {
    output.out('');
    output.out(`Note: ${note}`);
  }
  for (const problem of report.problems) {
    output.out('');
    output.out(`Problem: ${problem.summary}`);
    if (problem.likely.length > 0) {
      output.out('  Most likely:');
      for (const item of problem.likely) output.out(`    - ${item}`);
    }
    if (problem.todo.length > 0) {
      output.out('  What to do:');
      for (const item of problem.todo) output.out(`    - ${item}`);
    }
  }
  output.out('');
  output.out(
    report.ok
      ? credential.kind === 'none'
        ? 'OK: anonymous access works and can read.'
        : 'OK: the credential works and can read.'
      : `FAILED (exit code ${report.exitCode}).`,
  );
}
