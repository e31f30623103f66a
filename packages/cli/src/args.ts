import { parseArgs } from 'node:util';
import { MAX_TIMEOUT } from '@auth/core';
import { type CliError, usageError } from './cli-error.js';

/** The commands `weaviate-auth` knows. */
export type CommandName = 'token' | 'headers' | 'check' | 'keys' | 'login' | 'logout';

export const COMMANDS: readonly CommandName[] = ['token', 'headers', 'check', 'keys', 'login', 'logout'];

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

/** The closest of `candidates` to `word` when it is a likely typo (at most 2 edits, fewer for short words). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (
      distance <= Math.min(2, Math.floor(candidate.length / 3)) &&
      (best === undefined || distance < best.distance)
    ) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
      }
    }
  }
  return rows[a.length]![b.length]!;
}

const OPTION_NAMES = Object.entries(options).flatMap(([name, option]) => [
  `--${name}`,
  ...('short' in option ? [`-${option.short}`] : []),
]);

type OptionName = keyof typeof options;

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(options, name);
}

/** An option as typed, shown only when it looks like one (`--api-kee`, `-x`), never like a pasted value. */
function shownOption(typed: string): string | undefined {
  return /^--?[a-z][a-z0-9-]{0,30}$/i.test(typed) ? typed : undefined;
}

/**
 * `-u=admin` as `--username=admin`, the way gh and kubectl read it (Node's parseArgs would take `=admin` as
 * the value); `-y=1` is a usage error, since `-y` takes no value. Stops at `--`.
 */
function expandShortEquals(argv: readonly string[]): string[] {
  const result: string[] = [];
  let rest = false;
  for (const arg of argv) {
    if (arg === '--') rest = true;
    const short = rest ? null : /^-([A-Za-z])=/.exec(arg);
    const entry =
      short === null
        ? undefined
        : Object.entries(options).find(([, o]) => 'short' in o && o.short === short[1]);
    if (short === null || entry === undefined) {
      result.push(arg);
      continue;
    }
    const [name, option] = entry;
    if (option.type === 'boolean') throw usageError(`-${short[1]} (--${name}) takes no value.`);
    result.push(`--${name}=${arg.slice(3)}`);
  }
  return result;
}

/**
 * The first mistake on the command line, in the order Node's strict `parseArgs` would meet it, found from its
 * tokens rather than read out of its message (which quotes `-u, --username <value>` for a short option). Names
 * an option as typed, never a value.
 */
function commandLineMistake(argv: readonly string[]): CliError | undefined {
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const typed = shownOption(token.rawName);
    if (!isOptionName(token.name)) {
      const guess = typed === undefined ? undefined : closest(typed, OPTION_NAMES);
      return usageError(
        typed === undefined
          ? 'unknown option (not shown, in case it is a secret).'
          : `unknown option '${typed}'${guess === undefined ? '.' : `: did you mean '${guess}'?`}`,
      );
    }
    const flag = typed ?? `--${token.name}`;
    if (options[token.name].type === 'boolean') {
      if (token.inlineValue) return usageError(`${flag} takes no value.`);
      continue;
    }
    if (token.value === undefined) return usageError(`${flag} needs a value: ${flag} <value>.`);
    if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
      return usageError(`${flag} needs a value: ${flag} <value>.`, [
        `A value that starts with '-' goes after an equals sign: --${token.name}=-value.`,
      ]);
    }
  }
  return undefined;
}

/** Parses argv (without the node and script paths). Throws a usage `CliError` for any mistake. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  const args = expandShortEquals(argv);
  const mistake = commandLineMistake(args);
  if (mistake !== undefined) throw mistake;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch {
    throw usageError('the command line could not be read.');
  }
  const { values, positionals } = parsed;

  let help = values.help ?? false;
  let rest = positionals;
  if (rest[0] === 'help') {
    help = true;
    rest = rest.slice(1);
  }
  const isCommand = (word: string): word is CommandName => (COMMANDS as readonly string[]).includes(word);
  const [first, ...extra] = rest;
  let command: CommandName | undefined;
  // A word that is not a command may be a password typed without its flag: it is never shown.
  if (first !== undefined) {
    if (!isCommand(first)) {
      const later = rest.find(isCommand);
      if (later !== undefined) {
        const stray = rest.indexOf(later);
        throw usageError(
          `${stray === 1 ? 'a stray word' : `${stray} stray words`} before the command '${later}' (not shown, in case it is a password typed without its flag).`,
          [
            'Options take the form --name value; a password goes in WEAVIATE_PASSWORD, --password-stdin or the prompt.',
          ],
        );
      }
      const guess = closest(first, COMMANDS);
      throw usageError(
        guess === undefined
          ? `unknown command (not shown, in case it is a secret). The commands are: ${COMMANDS.join(', ')}.`
          : `unknown command: did you mean '${guess}'? The commands are: ${COMMANDS.join(', ')}.`,
      );
    }
    command = first;
  }
  if (extra.length > 0 && command !== 'keys') {
    throw usageError(
      `${extra.length} unexpected argument${extra.length > 1 ? 's' : ''} after '${first}' (not shown, in case it is a secret).`,
      ['Options take the form --name value; the cluster URL goes after --url.'],
    );
  }

  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    // Seconds as a person writes them (30, 2.5); core takes whole milliseconds up to setTimeout's limit.
    const seconds = /^\s*\d*\.?\d+\s*$/.test(values.timeout) ? Number(values.timeout) : Number.NaN;
    timeout = Math.round(seconds * 1000);
    if (!(timeout >= 1 && timeout <= MAX_TIMEOUT)) {
      throw usageError(
        `--timeout must be a number of seconds from 0.001 to ${Math.floor(MAX_TIMEOUT / 1000)}, e.g. --timeout 30.`,
      );
    }
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
  if (command === 'login' || command === 'logout') {
    const given = [
      ['--api-key', values['api-key']],
      ['--username', values.username],
      ['--password', values.password],
      ['--password-stdin', values['password-stdin']],
      ['--client-secret', values['client-secret']],
      ['--no-verify', values['no-verify']],
    ].filter(([, value]) => value !== undefined && value !== false);
    if (given.length > 0) {
      throw usageError(
        `${given.map(([flag]) => flag).join(', ')} ${given.length > 1 ? 'do' : 'does'} not apply to ${command}: ${command === 'login' ? 'you sign in in a browser, and no secret goes on the command line' : 'it uses the stored login'}.`,
      );
    }
    if (command === 'logout' && (values['client-id'] !== undefined || values.scope !== undefined)) {
      throw usageError('--client-id and --scope do not apply to logout: it uses the stored login.');
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
