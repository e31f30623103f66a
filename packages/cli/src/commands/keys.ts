import { closest } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { confirm } from '../confirm.js';
import { type CommandContext, prepare } from '../context.js';
import { createDbUsersClient, type DbUser, type DbUsersClient } from '../db-users/client.js';
import { isDbUsersError } from '../db-users/error.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { Output } from '../output.js';
import { isoSeconds } from './shared.js';

/** The subcommands of `weaviate-auth keys`. */
const ACTIONS = ['list', 'create', 'rotate', 'activate', 'deactivate', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

/** The roles `keys create --role` assigns: Weaviate's built-in roles that the API may assign. */
const ROLES = ['viewer', 'admin'] as const;

interface KeysArgs {
  action: Action;
  user: string | undefined;
  role: (typeof ROLES)[number];
}

/** A word from the command line, shown only when it looks like a word and not like a pasted secret. */
function shown(word: string): string {
  return /^[A-Za-z][-_0-9A-Za-z@.]{0,40}$/.test(word) ? `'${word}'` : '(not shown)';
}

/**
 * The message for a word after `keys` that is no subcommand: like an unknown command, it may be a secret typed
 * without its flag, so it is never shown; a likely typo gets "did you mean".
 */
function unknownSubcommand(word: string): string {
  const guess = closest(word, ACTIONS);
  return `unknown keys subcommand${guess === undefined ? ' (not shown, in case it is a secret).' : `: did you mean '${guess}'?`} The subcommands are: ${ACTIONS.join(', ')}.`;
}

/** Checks the words and flags of `keys` before anything is asked or sent. */
function parseKeysArgs(context: CommandContext): KeysArgs {
  const { args } = context;
  const [action, user, ...extra] = args.operands;
  if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) {
    throw usageError(
      action === undefined ? `keys needs a subcommand: ${ACTIONS.join(', ')}.` : unknownSubcommand(action),
      ['Example: weaviate-auth keys create etl-job --role viewer'],
    );
  }
  const verb = action as Action;
  if (verb === 'list' && user !== undefined) {
    throw usageError('keys list takes no user: it lists them all.');
  }
  if (verb !== 'list' && user === undefined) {
    throw usageError(`keys ${verb} needs the user, e.g. weaviate-auth keys ${verb} etl-job.`);
  }
  if (extra.length > 0) {
    throw usageError(
      `${extra.length} unexpected argument${extra.length > 1 ? 's' : ''} after the user (not shown, in case it is a secret).`,
    );
  }
  const only = (flag: string, given: boolean, action: Action) => {
    if (given && verb !== action) throw usageError(`${flag} only applies to keys ${action}.`);
  };
  only('--role', args.role !== undefined, 'create');
  only('--revoke-key', args.revokeKey, 'deactivate');
  only('--yes', args.yes, 'delete');
  const role = args.role ?? 'viewer';
  if (!(ROLES as readonly string[]).includes(role)) {
    throw usageError(`--role must be viewer or admin, not ${shown(role)}.`, [
      'viewer reads; admin reads and writes, and manages users.',
    ]);
  }
  if (verb === 'delete' && !args.yes && context.input.isTTY !== true) {
    throw usageError('keys delete asks for confirmation on a terminal; without one, pass --yes.');
  }
  return { action: verb, user, role: role as KeysArgs['role'] };
}

/** A failure of the database-user API, explained for a person. */
function explain(error: unknown, action: Action, user: string | undefined): unknown {
  if (!isDbUsersError(error)) return error;
  const said = error.serverMessage === undefined ? '' : `: "${error.serverMessage}"`;
  const what = `${error.request} -> ${error.status}${said}`;
  switch (error.code) {
    case 'forbidden':
      return new CliError('forbidden', `this needs an admin key (${what}).`, {
        hints: [
          'The credential is valid, but its user may not manage users: a read-only or viewer key.',
          "Use the cluster's admin key (Weaviate Cloud: the Admin API key), or a user with the admin role.",
        ],
        cause: error,
      });
    case 'unauthorized':
      return new CliError('unauthorized', `the server refused the credential (${what}).`, {
        hints: ['Check the key or login; `weaviate-auth check` explains a 401 step by step.'],
        cause: error,
      });
    case 'not_found':
      return new CliError('not_found', `there is no database user '${user}' on this server (${what}).`, {
        hints: ['`weaviate-auth keys list` shows the users.'],
        cause: error,
      });
    case 'conflict':
      return new CliError('conflict', `user '${user}' already exists (${what}).`, {
        hints: [`Pick another name, or give it a new key: weaviate-auth keys rotate ${user}.`],
        cause: error,
      });
    case 'not_enabled':
    case 'unsupported':
      return new CliError('unsupported', `this server manages no API keys through its API (${what}).`, {
        hints: [
          error.code === 'not_enabled'
            ? 'Database users are off: Weaviate needs AUTHENTICATION_DB_USERS_ENABLED=true (and RBAC for roles).'
            : 'Weaviate has database users from 1.30 on; before that, keys are set in its configuration.',
          'On Weaviate Cloud, keys can also be managed in the console: the cluster details, API keys.',
        ],
        cause: error,
      });
    default:
      return new CliError('refused', `Weaviate refused to ${action} ${user ?? 'the users'} (${what}).`, {
        cause: error,
      });
  }
}

/** A user as `keys list --json` prints it. */
function userJson(user: DbUser): Record<string, unknown> {
  return {
    user: user.userId,
    type: user.dbUserType === 'db_env_user' ? 'static' : 'database',
    roles: user.roles,
    active: user.active,
    createdAt: user.createdAt === undefined ? null : isoSeconds(user.createdAt.getTime()),
    lastUsedAt: user.lastUsedAt === undefined ? null : isoSeconds(user.lastUsedAt.getTime()),
    keyPrefix: user.apiKeyFirstLetters ?? null,
  };
}

function printTable(users: DbUser[], output: Output): void {
  if (users.length === 0) {
    output.out('No database users (or none this credential may read).');
    return;
  }
  const rows = [
    ['USER', 'TYPE', 'ROLES', 'ACTIVE', 'CREATED', 'LAST USED', 'KEY'],
    ...users.map((user) => [
      user.userId,
      user.dbUserType === 'db_env_user' ? 'static' : 'database',
      user.roles.length === 0 ? '-' : user.roles.join(','),
      user.active ? 'yes' : 'no',
      user.createdAt === undefined ? '-' : isoSeconds(user.createdAt.getTime()),
      user.lastUsedAt === undefined
        ? user.dbUserType === 'db_env_user'
          ? '-'
          : 'never'
        : isoSeconds(user.lastUsedAt.getTime()),
      user.apiKeyFirstLetters === undefined ? '-' : `${user.apiKeyFirstLetters}...`,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    output.out(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
  }
}

/** Prints a key Weaviate shows once: alone on stdout (or in the JSON), with a reminder on stderr. */
function printKey(
  output: Output,
  json: boolean,
  document: Record<string, unknown>,
  apiKey: string,
  note: string,
) {
  if (json) output.json({ ok: true, ...document, apiKey });
  else {
    output.payload(apiKey);
    output.err(`weaviate-auth: ${note} Store the key now: it is not shown again.`);
  }
  // Nothing printed after this may show it.
  output.addSecret(apiKey);
}

async function act(client: DbUsersClient, parsed: KeysArgs, context: CommandContext): Promise<void> {
  const { args, output } = context;
  const user = parsed.user as string;
  switch (parsed.action) {
    case 'list': {
      const users = await client.list({ includeLastUsedTime: true });
      if (args.json) output.json({ ok: true, users: users.map(userJson) });
      else printTable(users, output);
      return;
    }
    case 'create': {
      const apiKey = await client.create(user);
      try {
        await client.assignRoles(user, [parsed.role]);
      } catch (error) {
        // A user without a role can do nothing: take it back rather than leave it half made.
        const removed = await client.delete(user).then(
          () => true,
          () => false,
        );
        if (!removed) {
          output.addSecret(apiKey);
          output.warn(`user '${user}' was created but has no role, and could not be removed again.`);
        }
        throw error;
      }
      printKey(
        output,
        args.json,
        { user, role: parsed.role },
        apiKey,
        `created user '${user}' with role ${parsed.role}.`,
      );
      return;
    }
    case 'rotate': {
      const apiKey = await client.rotateKey(user);
      printKey(
        output,
        args.json,
        { user },
        apiKey,
        `new key for '${user}'; the old one is refused from now on.`,
      );
      return;
    }
    case 'activate':
    case 'deactivate': {
      const changed =
        parsed.action === 'activate'
          ? await client.activate(user)
          : await client.deactivate(user, { revokeKey: args.revokeKey });
      const state = parsed.action === 'activate' ? 'active' : 'inactive';
      if (args.json) output.json({ ok: true, user, active: parsed.action === 'activate', changed });
      else if (!changed) output.out(`User '${user}' was already ${state}.`);
      else if (parsed.action === 'activate') output.out(`User '${user}' is active: its key works again.`);
      else {
        output.out(
          `User '${user}' is inactive: its key is refused${args.revokeKey ? ' until it is rotated, even once the user is activated again' : ' until it is activated again'}.`,
        );
      }
      return;
    }
    case 'delete': {
      await client.delete(user);
      if (args.json) output.json({ ok: true, user, deleted: true });
      else output.out(`Deleted user '${user}': its key is refused from now on.`);
      return;
    }
  }
}

/**
 * `weaviate-auth keys`: Weaviate's database users (1.30+), each with its own API key: list, create (the key is
 * printed once), rotate, activate, deactivate, delete. Needs an admin credential.
 */
export async function keysCommand(context: CommandContext): Promise<ExitCodeValue> {
  const parsed = parseKeysArgs(context);
  const prepared = await prepare(context, { allowNone: false });
  try {
    // Obtain the credential first: a wrong password or an unreachable provider is explained here.
    await prepared.headers();
    if (parsed.action === 'delete' && !context.args.yes) {
      const yes = await confirm(
        `Delete user '${parsed.user}' and its API key? Anything using the key stops working. [y/N] `,
        context.input,
        (text) => context.output.rawErr(text),
      );
      if (!yes) {
        context.output.err('weaviate-auth: nothing deleted.');
        return ExitCode.Interrupted;
      }
    }
    const client = createDbUsersClient({
      baseUrl: prepared.baseUrl,
      fetch: prepared.session.fetch(),
      timeout: prepared.timeout,
    });
    try {
      await act(client, parsed, context);
    } catch (error) {
      throw explain(error, parsed.action, parsed.user);
    }
    return ExitCode.Ok;
  } finally {
    await prepared.session.close();
  }
}
