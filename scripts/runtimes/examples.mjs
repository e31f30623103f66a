// Core README's examples for each runtime, as `pnpm test:runtimes` runs them: the block under a
// `<!-- runtime: NAME -->` line (an `<!-- example: ... -->` line for the docs test may stand between them),
// with the README's example URL pointed at the runtime's embedded server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The URL the README's examples use for a cluster. */
const EXAMPLE_URL = 'https://my-cluster.weaviate.cloud';

/** The code of every `<!-- runtime: NAME -->` block of core's README, by NAME. */
export function runtimeExamples(root) {
  const lines = readFileSync(join(root, 'packages/core/README.md'), 'utf8').split('\n');
  const examples = {};
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!--\s*runtime:\s*(\S+)\s*-->$/.exec(lines[i].trim());
    if (!marker) continue;
    let open = i + 1;
    if (/^<!--\s*example:/.test(lines[open]?.trim() ?? '')) open++;
    if (!/^```(ts|js)$/.test(lines[open] ?? '')) {
      throw new Error(
        `packages/core/README.md:${i + 1}: <!-- runtime: ${marker[1]} --> is not followed by a ts or js block`,
      );
    }
    const close = lines.findIndex((line, j) => j > open && line.startsWith('```'));
    examples[marker[1]] = `${lines.slice(open + 1, close).join('\n')}\n`;
  }
  return examples;
}

/** `code` talking to `url` instead of the README's example cluster. */
export const pointedAt = (code, url) => code.replaceAll(EXAMPLE_URL, url);
