import { relative } from 'node:path';
import type ts from 'typescript';

/**
 * A compiler's message as the docs tests show it, `file:line: text` with the file relative to `root`, and the
 * file it is about (`(program)` for a message about no file). `newLine` joins a message's chained parts.
 */
export function diagnosticMessage(
  compiler: typeof ts,
  diagnostic: ts.Diagnostic,
  root: string,
  newLine: string,
): { file: string; text: string } {
  const file = diagnostic.file?.fileName ?? '(program)';
  const line =
    diagnostic.file && diagnostic.start !== undefined
      ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
      : 0;
  const text = compiler.flattenDiagnosticMessageText(diagnostic.messageText, newLine);
  return { file, text: `${relative(root, file)}:${line}: ${text}` };
}
