import { CliError } from './cli-error.js';

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
 * Writes to stdout and stderr, and knows every secret of the run (the credential, and each token core
 * hands out) so that text from outside can be scrubbed of them.
 *
 * The CLI's own sentences are written as they are: they never hold a secret, and rewriting them would garble
 * them (with the password `wrong`, "A wrong password" would read "A *** password" and give the password
 * away). What came from outside (server answers, errors thrown by core or Node, the user's own input echoed
 * back) goes through {@link Output.scrubbed} where it enters, before it is put into a sentence or a JSON
 * document: JSON escaping can then no longer hide a secret from the scrubber.
 */
export class Output {
  readonly #stdout: TextSink;
  readonly #stderr: TextSink;
  readonly #secrets = new Set<string>();
  readonly #views = new WeakMap<object, object>();

  constructor(stdout: TextSink, stderr: TextSink) {
    this.#stdout = stdout;
    this.#stderr = stderr;
  }

  /** Remembers a secret so that text from outside can be scrubbed of it. */
  addSecret(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret);
  }

  /** `text` with every exact occurrence of a known secret replaced with `***`. */
  scrub(text: string): string {
    let result = text;
    // Longest first, so that a secret containing another one is removed whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      result = result.split(secret).join('***');
    }
    return result;
  }

  /**
   * A value from outside with every string in it scrubbed: a copy of plain data (a server's JSON answer, an
   * event's fields), and for an error a view whose strings (message, cause chain, fields) read scrubbed while
   * `instanceof` still holds. A `CliError` is the CLI's own sentence and is returned as it is.
   */
  scrubbed<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (typeof value !== 'object' || value === null) return value;
    // A CliError is the CLI's own sentence, built from parts that were scrubbed where they entered.
    if (value instanceof CliError) return value;
    if (value instanceof Error) return this.#errorView(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.scrubbed(item)) as T;
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.scrubbed(item)])) as T;
  }

  #errorView(error: Error): Error {
    const cached = this.#views.get(error);
    if (cached !== undefined) return cached as Error;
    const view = new Proxy(error, {
      // The target is the receiver, so getters that read private fields keep working.
      get: (target, key) => {
        const item: unknown = Reflect.get(target, key);
        // A proxy must return a frozen property as it is (and a method is no text).
        const own = Object.getOwnPropertyDescriptor(target, key);
        const fixed = own !== undefined && own.configurable === false && own.writable === false;
        return typeof item === 'function' || fixed ? item : this.scrubbed(item);
      },
    });
    this.#views.set(error, view);
    return view;
  }

  /** Writes the credential a command exists to print (`token`, `headers`). */
  payload(text: string): void {
    this.#stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes a report line to stdout. */
  out(text: string): void {
    this.#stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes a diagnostic line to stderr. */
  err(text: string): void {
    this.#stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes raw text to stderr (the password prompt), without a newline. */
  rawErr(text: string): void {
    this.#stderr.write(text);
  }

  warn(text: string): void {
    this.err(`weaviate-auth: warning: ${text}`);
  }

  /** Writes `value` as one JSON document on stdout. */
  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
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
