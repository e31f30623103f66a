import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/**
 * A stable, machine-readable name for why a command failed: the `error.code` of `--json` output, and the
 * `code` of each problem in a `check` report.
 *
 * @example
 * ```ts
 * import { execFileSync } from 'node:child_process';
 * import type { CliErrorCode } from '@auth/cli';
 *
 * let code: CliErrorCode | undefined;
 * try {
 *   execFileSync('weaviate-auth', ['token', '--json', '--url', 'http://localhost:8080'], { encoding: 'utf8' });
 * } catch (error) {
 *   code = JSON.parse((error as { stdout: string }).stdout).error.code;
 * }
 * if (code === 'unreachable') console.error('start the server first');
 * ```
 */
export type CliErrorCode =
  | 'usage'
  | 'unreachable'
  | 'timeout'
  | 'oidc_disabled'
  | 'insecure_transport'
  | 'invalid_credentials'
  | 'token_request_failed'
  | 'discovery_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unsupported'
  | 'refused'
  | 'sign_in_failed'
  | 'not_signed_in'
  | 'interrupted'
  | 'unexpected';

/**
 * A failure the CLI explains to a person: what failed (`message`), what it most likely means and what to do
 * (`hints`), and the process exit code. Never carries a secret.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;
  readonly exitCode: ExitCodeValue;
  readonly hints: readonly string[];

  constructor(
    code: CliErrorCode,
    message: string,
    options: { exitCode?: ExitCodeValue; hints?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? defaultExitCode(code);
    this.hints = options.hints ?? [];
  }
}

function defaultExitCode(code: CliErrorCode): ExitCodeValue {
  switch (code) {
    case 'usage':
    case 'insecure_transport':
      return ExitCode.Usage;
    case 'unreachable':
    case 'timeout':
      return ExitCode.Unreachable;
    case 'interrupted':
      return ExitCode.Interrupted;
    default:
      return ExitCode.AuthFailed;
  }
}

/** A command-line mistake (exit code 2). */
export function usageError(message: string, hints: readonly string[] = []): CliError {
  return new CliError('usage', message, {
    hints: [...hints, 'Run `weaviate-auth --help` for the options and examples.'],
  });
}

/** The same error with one more hint. */
export function withHint(error: CliError, hint: string): CliError {
  return new CliError(error.code, error.message, {
    exitCode: error.exitCode,
    hints: [...error.hints, hint],
    cause: error.cause,
  });
}
