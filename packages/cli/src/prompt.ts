import { CliError } from './cli-error.js';

/**
 * The parts of `process.stdin` the CLI uses: a readable stream, and for the password prompt a TTY with
 * `setRawMode`.
 *
 * @example
 * ```ts
 * import { Readable } from 'node:stream';
 * import { type CliInput, run } from '@auth/cli';
 *
 * // The password for --password-stdin, from memory instead of the process's stdin.
 * const stdin: CliInput = Readable.from(['s3cret\n']);
 * await run(['token', '--url', 'http://localhost:8080', '-u', 'admin', '--password-stdin'], { stdin });
 * ```
 */
export interface CliInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: string | Uint8Array) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'data', listener: (chunk: string | Uint8Array) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** True when `input` is a terminal we can read a password from without echo. */
export function canPrompt(input: CliInput): boolean {
  return input.isTTY === true && typeof input.setRawMode === 'function';
}

const decoder = () => new TextDecoder('utf-8');

/**
 * Reads one line from a terminal with echo off (raw mode): Enter ends it, Backspace deletes, Ctrl-U clears,
 * Ctrl-C or Ctrl-D on an empty line interrupts. The prompt goes to `write` (stderr), never to stdout.
 */
export function promptHidden(
  question: string,
  input: CliInput,
  write: (text: string) => void,
): Promise<string> {
  const setRawMode = input.setRawMode?.bind(input);
  if (setRawMode === undefined) throw new Error('promptHidden needs a terminal');
  // Echo off before the question shows, so that nothing typed after it can be echoed.
  setRawMode(true);
  write(question);
  const utf8 = decoder();
  return new Promise<string>((resolve, reject) => {
    let chars: string[] = [];
    const finish = (outcome: () => void) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      setRawMode(false);
      input.pause();
      write('\n');
      outcome();
    };
    const interrupted = () =>
      new CliError('interrupted', 'the password prompt was interrupted; nothing was sent.', {
        exitCode: 130,
      });
    const onEnd = () => finish(() => reject(interrupted()));
    const onError = (error: Error) => finish(() => reject(error));
    const onData = (chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : utf8.decode(chunk, { stream: true });
      // An escape sequence (arrow keys, function keys) is not part of a password.
      if (text.startsWith('\u001b')) return;
      for (const ch of text) {
        if (ch === '\r' || ch === '\n') {
          finish(() => resolve(chars.join('')));
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && chars.length === 0)) {
          finish(() => reject(interrupted()));
          return;
        }
        if (ch === '\u0004') {
          finish(() => resolve(chars.join('')));
          return;
        }
        if (ch === '\u007f' || ch === '\b') chars = chars.slice(0, -1);
        else if (ch === '\u0015') chars = [];
        else if (ch >= ' ') chars.push(ch);
      }
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** Reads all of `input` (for `--password-stdin`) and removes one trailing line break. */
export function readAll(input: CliInput): Promise<string> {
  const utf8 = decoder();
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: string | Uint8Array) => {
      text += typeof chunk === 'string' ? chunk : utf8.decode(chunk, { stream: true });
    };
    const onEnd = () => {
      cleanup();
      resolve((text + utf8.decode()).replace(/\r?\n$/, ''));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
