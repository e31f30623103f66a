import { parseArgs } from 'node:util';
import { usageError } from './cli-error.js';

/** The commands `weaviate-auth` knows. */
export type CommandName = 'token' | 'headers' | 'check' | 'keys';

export const COMMANDS: readonly CommandName[] = ['token', 'headers', 'check', 'keys'];

const options = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  username: { type: 'string', short: 'u' },
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  scope: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  curl: { type: 'boolean' },
  'no-verify': { type: 'boolean' },
  'allow-insecure-http': { type: 'boolean' },
  timeout: { type: 'string' },
  role: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'revoke-key': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** The parsed command line, before credentials are resolved against the environment. */
export interface ParsedArgs {
  command: CommandName | undefined;
  /** `weaviate-auth help <command>` or `--help`. */
  help: boolean;
  version: boolean;
  url: string | undefined;
  apiKey: string | undefined;
  username: string | undefined;
  password: string | undefined;
  passwordStdin: boolean;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scopes: string[];
  json: boolean;
  curl: boolean;
  verify: boolean;
  allowInsecureHttp: boolean;
  /** Milliseconds. */
  timeout: number | undefined;
  /** `keys`: the words after the command (the subcommand and the user); [] for the other commands. */
  operands: string[];
  /** `keys create --role`. */
  role: string | undefined;
  /** `keys delete --yes`. */
  yes: boolean;
  /** `keys deactivate --revoke-key`. */
  revokeKey: boolean;
}

/** Parses argv (without the node and script paths). Throws a usage `CliError` for any mistake. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages name the option and never its value, except for a value given to a boolean flag
    // (`--json=x`), which is not a secret option.
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;

  let help = values.help ?? false;
  let rest = positionals;
  if (rest[0] === 'help') {
    help = true;
    rest = rest.slice(1);
  }
  const [first, ...extra] = rest;
  let command: CommandName | undefined;
  if (first !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(first)) {
      // Print the word only when it looks like a mistyped command, not like a secret typed without its flag.
      const shown = /^[a-z][a-z-]{0,15}$/i.test(first) ? `'${first}'` : '(not shown)';
      throw usageError(`unknown command ${shown}. The commands are: ${COMMANDS.join(', ')}.`);
    }
    command = first as CommandName;
  }
  if (extra.length > 0 && command !== 'keys') {
    throw usageError(
      `${extra.length} unexpected argument${extra.length > 1 ? 's' : ''} after '${first}' (not shown, in case it is a secret).`,
      ['Options take the form --name value; the cluster URL goes after --url.'],
    );
  }

  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw usageError(`--timeout must be a positive number of seconds, not '${values.timeout}'.`);
    }
    timeout = Math.round(seconds * 1000);
  }

  if (values.curl && command !== undefined && command !== 'headers') {
    throw usageError(`--curl only applies to the headers command, not to ${command}.`);
  }
  for (const [flag, given] of [
    ['--role', values.role !== undefined],
    ['--yes', values.yes],
    ['--revoke-key', values['revoke-key']],
  ] as const) {
    if (given && command !== undefined && command !== 'keys') {
      throw usageError(`${flag} only applies to the keys command, not to ${command}.`);
    }
  }
  if (values['no-verify'] && command === 'check') {
    throw usageError('--no-verify does not apply to check: checking with the server is its purpose.');
  }

  return {
    command,
    help,
    version: values.version ?? false,
    url: values.url,
    apiKey: values['api-key'],
    username: values.username,
    password: values.password,
    passwordStdin: values['password-stdin'] ?? false,
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    scopes: (values.scope ?? []).flatMap((scope) => scope.split(/[\s,]+/)).filter((scope) => scope !== ''),
    json: values.json ?? false,
    curl: values.curl ?? false,
    verify: !(values['no-verify'] ?? false),
    allowInsecureHttp: values['allow-insecure-http'] ?? false,
    timeout,
    operands: command === 'keys' ? extra : [],
    role: values.role,
    yes: values.yes ?? false,
    revokeKey: values['revoke-key'] ?? false,
  };
}
