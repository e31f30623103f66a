import type { CliInput } from './prompt.js';

/**
 * Asks a yes/no question on a terminal (the question on stderr) and reads one line with echo on. True for
 * `y` or `yes` (any case); anything else, or the end of input, is no.
 */
export function confirm(question: string, input: CliInput, write: (text: string) => void): Promise<boolean> {
  write(question);
  const decoder = new TextDecoder('utf-8');
  return new Promise<boolean>((resolve, reject) => {
    let line = '';
    const finish = (outcome: () => void) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      outcome();
    };
    const onData = (chunk: string | Uint8Array) => {
      line += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      const end = line.search(/\r|\n/);
      if (end >= 0) finish(() => resolve(/^\s*y(es)?\s*$/i.test(line.slice(0, end))));
    };
    const onEnd = () => finish(() => resolve(false));
    const onError = (error: Error) => finish(() => reject(error));
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
