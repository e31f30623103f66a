import type { CliError } from './cli-error.js';

/**
 * Something text can be written to: `process.stdout`, `process.stderr`, or a collector.
 *
 * @example
 * ```ts
 * import { run, type TextSink } from '@auth/cli';
 *
 * const chunks: string[] = [];
 * const sink: TextSink = { write: (text: string) => chunks.push(text) };
 * await run(['--help'], { stdout: sink });
 * console.log(chunks.join(''));
 * ```
 */
export interface TextSink {
  write(chunk: string): unknown;
}

const MIN_SECRET_LENGTH = 4;

/**
 * Writes to stdout and stderr, and removes every secret it has been told about from anything it writes,
 * except the payload of `token` and `headers` (written with {@link Output.payload}), whose purpose is to print
 * a credential.
 */
export class Output {
  readonly #stdout: TextSink;
  readonly #stderr: TextSink;
  readonly #secrets = new Set<string>();

  constructor(stdout: TextSink, stderr: TextSink) {
    this.#stdout = stdout;
    this.#stderr = stderr;
  }

  /** Remembers a secret so that no later message, warning or report can print it. */
  addSecret(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret);
  }

  /** Replaces every known secret in `text` with `***`. */
  redact(text: string): string {
    let result = text;
    // Longest first, so that a secret containing another one is removed whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      result = result.split(secret).join('***');
    }
    return result;
  }

  /** Writes the credential a command exists to print (`token`, `headers`): not redacted. */
  payload(text: string): void {
    this.#stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes a report line to stdout, redacted. */
  out(text: string): void {
    const redacted = this.redact(text);
    this.#stdout.write(redacted.endsWith('\n') ? redacted : `${redacted}\n`);
  }

  /** Writes a diagnostic line to stderr, redacted. */
  err(text: string): void {
    const redacted = this.redact(text);
    this.#stderr.write(redacted.endsWith('\n') ? redacted : `${redacted}\n`);
  }

  /** Writes raw text to stderr (the password prompt), without a newline. */
  rawErr(text: string): void {
    this.#stderr.write(text);
  }

  warn(text: string): void {
    this.err(`weaviate-auth: warning: ${text}`);
  }

  /** Writes `value` as one JSON document on stdout, redacted unless `isPayload`. */
  json(value: unknown, isPayload = false): void {
    const text = JSON.stringify(value, null, 2);
    if (isPayload) this.payload(text);
    else this.out(text);
  }

  /** Reports a failure: a JSON document on stdout with `--json`, otherwise a message and hints on stderr. */
  failure(error: CliError, asJson: boolean): void {
    if (asJson) {
      this.json({
        ok: false,
        error: { code: error.code, exitCode: error.exitCode, message: error.message, hints: error.hints },
      });
      return;
    }
    this.err(`weaviate-auth: ${error.message}`);
    for (const hint of error.hints) this.err(`  - ${hint}`);
  }
}
