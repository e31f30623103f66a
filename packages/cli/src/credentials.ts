import type { ParsedArgs } from './args.js';
import { CliError, usageError } from './cli-error.js';
import { configDir, type Login, loginFile, readLogin } from './login/login-file.js';
import { LoginFileError } from './login/login-file-error.js';
import type { Output } from './output.js';
import { type CliInput, canPrompt, promptHidden, readAll } from './prompt.js';

/** Where a value came from, for `check` and for messages: a flag name or an environment variable name. */
export type Source = string;

/** The credential the command line and environment describe. Holds secrets: never print it. */
export type CredentialSpec =
  | { kind: 'api-key'; apiKey: string; source: Source }
  | { kind: 'password'; username: string; password: string; source: Source; passwordSource: Source }
  | { kind: 'client-credentials'; clientSecret: string; source: Source }
  /** The login `weaviate-auth login` stored for the cluster; `source` is its file. */
  | { kind: 'login'; login: Login; file: string; source: Source }
  /** `weaviate-auth login` signing in (the device flow). */
  | { kind: 'device'; source: Source }
  | { kind: 'none' };

/** Human names for each credential kind. */
export const KIND_LABEL: Record<CredentialSpec['kind'], string> = {
  'api-key': 'API key',
  password: 'username + password (OIDC password grant)',
  'client-credentials': 'client secret (OIDC client credentials grant)',
  login: 'stored login (weaviate-auth login)',
  device: 'device sign-in (OIDC device flow)',
  none: 'none (anonymous)',
};

/** The kinds of credential given on the command line or in the environment. */
type GivenKind = 'api-key' | 'password' | 'client-credentials';

const ENV_KINDS = [
  ['WEAVIATE_API_KEY', 'api-key'],
  ['WEAVIATE_USERNAME', 'password'],
  ['WEAVIATE_CLIENT_SECRET', 'client-credentials'],
] as const;

type Env = Record<string, string | undefined>;

function fromEnv(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`: core's loopback hosts, where plain http stays on the machine. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127(?:\.\d{1,3}){3}$/.test(host)
  );
}

/** A URL as typed, safe to echo: no user name or password (`https://***@host`). */
function withoutUserInfo(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)?[^/?#]*@/i,
    (_, scheme: string | undefined) => `${scheme ?? ''}***@`,
  );
}

/**
 * The cluster URL from `--url` or `WEAVIATE_URL`, normalised: no trailing slash or `/v1`. Without a scheme,
 * `http://` is assumed for a loopback host (a local server; core allows plain http only there) and
 * `https://` for any other. Never echoes a user name or password written into the URL.
 */
export function resolveUrl(args: ParsedArgs, env: Env): string {
  const raw = args.url ?? fromEnv(env, 'WEAVIATE_URL');
  if (raw === undefined || raw.trim() === '') {
    throw usageError('no cluster URL: pass --url <url> or set WEAVIATE_URL.', [
      'Example: weaviate-auth check --url https://my-cluster.weaviate.cloud',
    ]);
  }
  const trimmed = raw.trim();
  let withScheme = trimmed;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    const host = URL.parse(`http://${trimmed}`)?.hostname;
    withScheme = `${host !== undefined && isLoopbackHost(host) ? 'http' : 'https'}://${trimmed}`;
  }
  const url = URL.parse(withScheme);
  if (url === null) {
    throw usageError(`the cluster URL is not a valid URL: '${withoutUserInfo(trimmed)}'.`, [
      'Example: --url https://my-cluster.weaviate.cloud or --url http://localhost:8080',
    ]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`the cluster URL must be http:// or https://, not ${url.protocol}//.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw usageError('the cluster URL must not contain a user name or password; use the credential options.');
  }
  if (url.search !== '' || url.hash !== '') {
    throw usageError('the cluster URL must not contain a query string or fragment.');
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}

/** When `--url` has no scheme and `https://` was assumed: the hint for a server that cannot be reached. */
export function assumedHttpsHint(args: ParsedArgs, env: Env): string | undefined {
  const raw = (args.url ?? fromEnv(env, 'WEAVIATE_URL'))?.trim();
  if (raw === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return undefined;
  const host = URL.parse(`http://${raw}`)?.hostname;
  if (host === undefined || isLoopbackHost(host)) return undefined;
  return 'The URL has no scheme, so https:// was assumed; for a server that speaks plain http, write http:// (with --allow-insecure-http for a host that is not loopback).';
}

/** The OIDC client id from `--client-id` or `WEAVIATE_CLIENT_ID`, if any. */
export function resolveClientId(
  args: ParsedArgs,
  env: Env,
): { clientId: string; source: Source } | undefined {
  if (args.clientId !== undefined) {
    if (args.clientId === '') throw usageError('--client-id is empty.');
    return { clientId: args.clientId, source: '--client-id' };
  }
  const fromEnvironment = fromEnv(env, 'WEAVIATE_CLIENT_ID');
  return fromEnvironment === undefined
    ? undefined
    : { clientId: fromEnvironment, source: 'WEAVIATE_CLIENT_ID' };
}

/**
 * Works out the one credential to use: flags win over the environment; two kinds on the command line, or
 * two in the environment with none on the command line, are a usage error. A password comes from
 * `--password`, `--password-stdin`, `WEAVIATE_PASSWORD`, or a prompt without echo on a terminal.
 */
export async function resolveCredentials(
  args: ParsedArgs,
  env: Env,
  input: CliInput,
  output: Output,
  options: { allowNone: boolean; baseUrl: string },
): Promise<CredentialSpec> {
  if (args.password !== undefined && args.passwordStdin) {
    throw usageError('--password and --password-stdin both give a password; use one.');
  }
  const flagKinds = new Set<GivenKind>();
  if (args.apiKey !== undefined) flagKinds.add('api-key');
  if (args.username !== undefined || args.password !== undefined || args.passwordStdin)
    flagKinds.add('password');
  if (args.clientSecret !== undefined) flagKinds.add('client-credentials');
  if (flagKinds.size > 1) {
    throw usageError(
      'more than one kind of credential on the command line; give one of --api-key, --username (with a password), or --client-secret.',
    );
  }

  let kind: GivenKind | undefined = [...flagKinds][0];
  if (kind === undefined) {
    const found = ENV_KINDS.filter(([name]) => fromEnv(env, name) !== undefined);
    if (found.length > 1) {
      throw usageError(
        `more than one kind of credential in the environment (${found.map(([name]) => name).join(', ')}).`,
        ['Unset all but one, or choose one on the command line (--api-key, --username, --client-secret).'],
      );
    }
    kind = found[0]?.[1];
  }

  warnAboutSecretFlags(args, output);

  if (args.clientId !== undefined && kind !== 'client-credentials') {
    throw usageError(
      '--client-id goes with --client-secret (client credentials); an API key or a password login uses no client id of yours.',
    );
  }

  switch (kind) {
    case undefined: {
      const stored = storedLogin(options.baseUrl, env, output);
      if (stored !== undefined) return stored;
      if (options.allowNone) return { kind: 'none' };
      throw usageError('no credentials given.', [
        'Sign in once with `weaviate-auth login` (no secret to keep), or pass --api-key, --username (a password is then prompted for), or --client-secret with --client-id,',
        'or set WEAVIATE_API_KEY, WEAVIATE_USERNAME + WEAVIATE_PASSWORD, or WEAVIATE_CLIENT_SECRET.',
      ]);
    }
    case 'api-key': {
      const source = args.apiKey !== undefined ? '--api-key' : 'WEAVIATE_API_KEY';
      const apiKey = args.apiKey ?? fromEnv(env, 'WEAVIATE_API_KEY') ?? '';
      if (apiKey === '') throw usageError('the API key is empty.');
      output.addSecret(apiKey);
      return { kind, apiKey, source };
    }
    case 'client-credentials': {
      const source = args.clientSecret !== undefined ? '--client-secret' : 'WEAVIATE_CLIENT_SECRET';
      const clientSecret = args.clientSecret ?? fromEnv(env, 'WEAVIATE_CLIENT_SECRET') ?? '';
      if (clientSecret === '') throw usageError('the client secret is empty.');
      output.addSecret(clientSecret);
      return { kind, clientSecret, source };
    }
    case 'password': {
      const source = args.username !== undefined ? '--username' : 'WEAVIATE_USERNAME';
      const username = args.username ?? fromEnv(env, 'WEAVIATE_USERNAME');
      if (username === undefined || username === '') {
        throw usageError('a password was given but no username: pass --username or set WEAVIATE_USERNAME.');
      }
      const { password, passwordSource } = await resolvePassword(args, env, input, output, username);
      if (password === '') throw usageError(`the password (from ${passwordSource}) is empty.`);
      output.addSecret(password);
      return { kind, username, password, source, passwordSource };
    }
  }
}

async function resolvePassword(
  args: ParsedArgs,
  env: Env,
  input: CliInput,
  output: Output,
  username: string,
): Promise<{ password: string; passwordSource: Source }> {
  if (args.password !== undefined) return { password: args.password, passwordSource: '--password' };
  if (args.passwordStdin) return { password: await readAll(input), passwordSource: '--password-stdin' };
  const fromEnvironment = fromEnv(env, 'WEAVIATE_PASSWORD');
  if (fromEnvironment !== undefined)
    return { password: fromEnvironment, passwordSource: 'WEAVIATE_PASSWORD' };
  if (canPrompt(input)) {
    const password = await promptHidden(`Password for ${username}: `, input, (text) => output.rawErr(text));
    return { password, passwordSource: 'prompt' };
  }
  throw usageError(`no password for ${username}, and stdin is not a terminal to prompt on.`, [
    'Set WEAVIATE_PASSWORD, or pipe it in with --password-stdin (e.g. `cat pw.txt | weaviate-auth token --username me --password-stdin`).',
  ]);
}

function warnAboutSecretFlags(args: ParsedArgs, output: Output): void {
  const flags = [
    [args.apiKey, '--api-key', 'WEAVIATE_API_KEY'],
    [args.password, '--password', 'WEAVIATE_PASSWORD, --password-stdin or the prompt'],
    [args.clientSecret, '--client-secret', 'WEAVIATE_CLIENT_SECRET'],
  ] as const;
  for (const [value, flag, instead] of flags) {
    if (value !== undefined) {
      output.warn(
        `a secret passed as ${flag} is saved in your shell history and visible to other users in the process list; prefer ${instead}.`,
      );
    }
  }
}

/**
 * The login `weaviate-auth login` stored for `baseUrl`, used when no credential is given: undefined when there
 * is none. Its tokens become secrets of the run.
 */
function storedLogin(baseUrl: string, env: Env, output: Output): CredentialSpec | undefined {
  const file = loginFile(baseUrl, configDir(env));
  let login: Login | undefined;
  try {
    login = readLogin(file);
  } catch (error) {
    throw loginFileProblem(error, baseUrl);
  }
  if (login === undefined) return undefined;
  output.addSecret(login.token.accessToken);
  output.addSecret(login.token.refreshToken);
  if (login.token.refreshToken === undefined) {
    throw new CliError(
      'invalid_credentials',
      `the stored login for ${baseUrl} has no refresh token left (the provider refused it).`,
      { hints: [`Do: sign in again with \`weaviate-auth login --url ${baseUrl}\`.`] },
    );
  }
  return { kind: 'login', login, file, source: file };
}

/** A stored login that cannot be used, as the error the command exits with. */
export function loginFileProblem(error: unknown, baseUrl: string): CliError {
  if (!(error instanceof LoginFileError)) throw error;
  return new CliError('invalid_credentials', error.message, {
    hints: [`Do: sign in again with \`weaviate-auth login --url ${baseUrl}\` (it replaces the file).`],
    cause: error,
  });
}
