import { type ParsedArgs, parseCommandLine } from './args.js';
import { CliError, withHint } from './cli-error.js';
import { checkCommand } from './commands/check.js';
import { headersCommand } from './commands/headers.js';
import { keysCommand } from './commands/keys.js';
import { loginCommand } from './commands/login.js';
import { logoutCommand } from './commands/logout.js';
import { tokenCommand } from './commands/token.js';
import type { CommandContext } from './context.js';
import { assumedHttpsHint } from './credentials.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { helpText } from './help.js';
import { Output, type TextSink } from './output.js';
import type { CliInput } from './prompt.js';
import { VERSION } from './version.js';

/**
 * Where {@link run} reads and writes; every field defaults to the current process's.
 *
 * @example
 * ```ts
 * import { type CliIo, run } from '@auth/cli';
 *
 * const io: Partial<CliIo> = {
 *   env: { WEAVIATE_URL: 'http://localhost:8080', WEAVIATE_API_KEY: 'my-key' },
 *   stderr: { write: () => true }, // silence warnings
 * };
 * const code = await run(['check'], io);
 * console.log(code);
 * ```
 */
export interface CliIo {
  /** Read for `--password-stdin` and the password prompt (which needs a TTY); `login` watches it for Ctrl-D. */
  stdin: CliInput;
  /** Tokens, headers and reports. */
  stdout: TextSink;
  /** Warnings, errors and the password prompt. */
  stderr: TextSink;
  /**
   * `WEAVIATE_URL`, `WEAVIATE_API_KEY`, `WEAVIATE_USERNAME`, `WEAVIATE_PASSWORD`, `WEAVIATE_CLIENT_ID`,
   * `WEAVIATE_CLIENT_SECRET`; where logins are stored: `WEAVIATE_AUTH_CONFIG_DIR`, `XDG_CONFIG_HOME`, `HOME`.
   */
  env: Record<string, string | undefined>;
}

const commands = {
  token: tokenCommand,
  headers: headersCommand,
  check: checkCommand,
  keys: keysCommand,
  login: loginCommand,
  logout: logoutCommand,
} as const;

/**
 * Runs `weaviate-auth` with the given arguments (without `node` and the script path) and resolves to the exit
 * code; it never throws and never calls `process.exit`. Tokens are printed on stdout by `token` and `headers`
 * only; errors, warnings and `check` never contain a secret.
 *
 * @example
 * ```ts
 * import { run } from '@auth/cli';
 *
 * const lines: string[] = [];
 * const code = await run(['token', '--url', 'http://localhost:8080'], {
 *   env: { WEAVIATE_API_KEY: process.env.WEAVIATE_API_KEY },
 *   stdout: { write: (text: string) => lines.push(text) },
 * });
 * console.log(code === 0 ? `token: ${lines.join('').trim()}` : `failed with exit code ${code}`);
 * ```
 */
export async function run(argv: readonly string[], io: Partial<CliIo> = {}): Promise<ExitCodeValue> {
  const output = new Output(io.stdout ?? process.stdout, io.stderr ?? process.stderr);
  const env = io.env ?? process.env;
  const input = io.stdin ?? process.stdin;
  // Known before parsing, so that even a usage error comes out as JSON.
  let json = argv.includes('--json');
  let args: ParsedArgs | undefined;
  try {
    args = parseCommandLine(argv);
    json = args.json;
    if (args.version) {
      output.payload(VERSION);
      return ExitCode.Ok;
    }
    if (args.command === undefined) {
      if (args.help) {
        output.payload(helpText(undefined));
        return ExitCode.Ok;
      }
      output.err(helpText(undefined));
      throw new CliError('usage', 'no command given: use login, token, headers, check, keys or logout.');
    }
    if (args.help) {
      output.payload(helpText(args.command));
      return ExitCode.Ok;
    }
    const context: CommandContext = { args, env, input, output };
    return await commands[args.command](context);
  } catch (error) {
    // Anything but a CliError came from outside the CLI's sentences (core, Node): scrubbed before it is shown.
    const seen = output.scrubbed(error);
    const cliError =
      seen instanceof CliError
        ? seen
        : new CliError(
            'unexpected',
            `unexpected error: ${seen instanceof Error ? seen.message : String(seen)}`,
          );
    const hint = args === undefined ? undefined : assumedHttpsHint(args, env);
    output.failure(
      hint !== undefined && cliError.exitCode === ExitCode.Unreachable ? withHint(cliError, hint) : cliError,
      json,
    );
    return cliError.exitCode;
  }
}
