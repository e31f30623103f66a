/**
 * The exit codes of `weaviate-auth`, the same for every command.
 *
 * @example
 * ```ts
 * import { ExitCode, run } from '@auth/cli';
 *
 * const code = await run(['check', '--url', 'http://localhost:8080']);
 * if (code === ExitCode.Unreachable) console.error('is the server running?');
 * ```
 */
export const ExitCode = {
  /** The command did what it was asked. */
  Ok: 0,
  /** Authentication failed: a credential was refused, or `check` found a 401/403. */
  AuthFailed: 1,
  /** The command line is wrong: an unknown option, a missing URL or credential, conflicting credentials. */
  Usage: 2,
  /** The server (or its OpenID Provider) could not be reached, or did not answer in time. */
  Unreachable: 3,
  /** The password prompt or a sign-in was interrupted (Ctrl-C, Ctrl-D, the terminal closed). */
  Interrupted: 130,
} as const;

/**
 * One of the values of {@link ExitCode}: what {@link run} resolves to.
 *
 * @example
 * ```ts
 * import { type ExitCodeValue, run } from '@auth/cli';
 *
 * const code: ExitCodeValue = await run(['--version']);
 * process.exitCode = code;
 * ```
 */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
