import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * How the README test treats a block, from an HTML comment on the line right above its fence:
 * `<!-- example: partial NAME -->`, `<!-- example: test-file -->`, `<!-- example: compile-only REASON -->` or
 * `<!-- example: ky1 -->`.
 * Without one, a block is `whole`.
 *
 * - `whole`: compiled and run as written.
 * - `partial`: a deliberate fragment. `src/partials/NAME.ts` holds what it leaves out (imports, declared
 *   values); the test puts that file in front of the block, then compiles and runs both.
 * - `test-file`: a test file for the reader's own test runner (vitest); compiled, and run with vitest.
 * - `compile-only REASON`: compiled, not run, because running it needs what no test here starts (the reason
 *   says what: e.g. a Redis Cluster at the reader's own addresses). The same calls run in the package's own
 *   tests; the README's text should say so.
 * - `ky1`: compiled and run with ky 1 for `ky` (what `npm install ky` gives on Node 20), not ky 2.
 */
export type BlockKind =
  | { kind: 'whole' }
  | { kind: 'partial'; harness: string }
  | { kind: 'test-file' }
  | { kind: 'compile-only'; reason: string; harness?: string }
  | { kind: 'ky1' };

/** One `ts` or `js` code block of a README. */
export interface ReadmeBlock {
  /** The README, relative to the repository root. */
  readme: string;
  /** The line of the opening fence (1-based). */
  line: number;
  /** The nearest heading above the block. */
  heading: string;
  language: 'ts' | 'js';
  code: string;
  mode: BlockKind;
}

const SKIP = new Set([
  'node_modules',
  '.git',
  'dist',
  '.turbo',
  'test-results',
  'coverage',
  '.examples',
  '.pack',
]);

/** The files below `dir` that `keep` accepts (by name), relative to `root`, sorted; `skip`: folders left out. */
function filesBelow(root: string, dir: string, keep: (name: string) => boolean, skip = SKIP): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(entry.name)) walk(path);
      } else if (keep(entry.name)) {
        found.push(relative(root, path));
      }
    }
  };
  walk(dir);
  return found.sort();
}

/** Every README.md below `root`, sorted. */
export function findReadmes(root: string): string[] {
  return filesBelow(root, root, (name) => name === 'README.md');
}

const FENCE = /^```(\S*)/;
const LANGUAGES: Record<string, ReadmeBlock['language']> = {
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
};

function markerOf(line: string | undefined, where: string): BlockKind {
  const match = /^<!--\s*example:\s*(.*?)\s*-->$/.exec(line?.trim() ?? '');
  if (match === null) return { kind: 'whole' };
  const [word, name] = match[1]!.split(/\s+/);
  if (word === 'test-file') return { kind: 'test-file' };
  if (word === 'ky1') return { kind: 'ky1' };
  if (word === 'partial' && name !== undefined) return { kind: 'partial', harness: name };
  const reason = match[1]!.slice('compile-only'.length).trim();
  if (word === 'compile-only' && reason !== '') return { kind: 'compile-only', reason };
  throw new Error(
    `${where}: unknown example marker '${match[1]}' (partial NAME, test-file, compile-only REASON, or ky1)`,
  );
}

/**
 * The fenced code blocks of `lines`: the fence's line, the closing fence's line and the language tag. The
 * lines between them are the block's code.
 */
function fences(lines: string[], where: string): { start: number; end: number; tag: string }[] {
  const found: { start: number; end: number; tag: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = FENCE.exec(lines[i]!);
    if (fence === null) continue;
    const end = lines.findIndex((candidate, j) => j > i && candidate.startsWith('```'));
    if (end === -1) throw new Error(`${where}:${i + 1}: a code block that never closes`);
    found.push({ start: i, end, tag: fence[1]! });
    i = end;
  }
  return found;
}

const codeOf = (lines: string[], start: number, end: number) => `${lines.slice(start + 1, end).join('\n')}\n`;

/** The `ts` and `js` blocks of one README (fences of other languages are left alone). */
export function readmeBlocks(root: string, readme: string): ReadmeBlock[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const blocks: ReadmeBlock[] = [];
  let heading = '';
  let from = 0;
  for (const { start, end, tag } of fences(lines, readme)) {
    // The nearest heading above, outside code blocks (a shell comment is not one).
    for (const line of lines.slice(from, start))
      if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    from = end + 1;
    const language = LANGUAGES[tag];
    if (language !== undefined) {
      blocks.push({
        readme,
        line: start + 1,
        heading,
        language,
        code: codeOf(lines, start, end),
        mode: markerOf(lines[start - 1], `${readme}:${start}`),
      });
    }
  }
  return blocks;
}

/** The harness of a partial block: what the block leaves out, put in front of it. */
export function partialHarness(docs: string, name: string): string {
  const path = join(docs, 'src/partials', `${name}.ts`);
  if (!existsSync(path))
    throw new Error(`no harness ${relative(docs, path)} for a block marked partial ${name}`);
  return readFileSync(path, 'utf8');
}

/** The TypeScript sources of the published packages (`packages/<name>/src`), tests left out, sorted. */
export function findPackageSources(root: string): string[] {
  const source = (name: string) => name.endsWith('.ts') && !/\.(test|d)\.ts$/.test(name);
  const skip = new Set([...SKIP, '__test__']);
  return readdirSync(join(root, 'packages'))
    .filter((name) => existsSync(join(root, 'packages', name, 'src')))
    .flatMap((name) => filesBelow(root, join(root, 'packages', name, 'src'), source, skip))
    .sort();
}

/**
 * The `ts` blocks of the TSDoc comments of one source file (the examples an editor shows on hover), as
 * `compile-only` blocks: compiled with the README blocks, not run. `heading` names the export the comment
 * is on. A block's lines lose the comment's leading ` * `; a block of a module under `src/browser/` gets the
 * harness of core's README browser block in front (the page: `location`, `history`, `document`).
 */
export function tsdocBlocks(root: string, source: string): ReadmeBlock[] {
  const lines = readFileSync(join(root, source), 'utf8').split('\n');
  // The comments' lines without their ` * `; every other line blank, so that only a comment holds a fence.
  const comments = lines.map((line) => (/^\s*\*( |$)/.test(line) ? line.replace(/^\s*\*( |$)/, '') : ''));
  const browser = /\/browser\//.test(source);
  return fences(comments, source)
    .filter(({ tag }) => LANGUAGES[tag] === 'ts')
    .map(({ start, end }): ReadmeBlock => {
      const declaration = lines.slice(end).find((line) => /^export /.test(line)) ?? '';
      const name =
        /^export\s+(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|type|const|let|enum)\s+([\w$]+)/.exec(
          declaration,
        )?.[1];
      return {
        readme: source,
        line: start + 1,
        heading: name ?? 'TSDoc',
        language: 'ts',
        code: codeOf(comments, start, end),
        // A browser module's examples get the page core's README block gets (`location`, `history`...).
        mode: {
          kind: 'compile-only',
          reason: 'a TSDoc example',
          ...(browser ? { harness: 'core-browser' } : {}),
        },
      };
    });
}
