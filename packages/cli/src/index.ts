/**
 * `@auth/cli`: the `weaviate-auth` command line (fresh tokens, console headers, a 401 doctor), built on
 * `@auth/core`. The package's bin calls {@link run}; it can also be called from a script or a test.
 *
 * @packageDocumentation
 */
export type { CliErrorCode } from './cli-error.js';
export type { CheckReport } from './commands/check.js';
export { ExitCode, type ExitCodeValue } from './exit-codes.js';
export type { TextSink } from './output.js';
export type { CliInput } from './prompt.js';
export { type CliIo, run } from './run.js';
