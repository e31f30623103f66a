import type { FoundTest, TestCatalog, TitlePart } from './test-titles.js';

/**
 * The test references of RELIABILITY.md: every cell of a "Proved by" column, and every list item that
 * starts with a place (`- R \`soak.test.ts\` › ...`). The grammar (the file's header says it in words):
 *
 * ```
 * cell   = "same test" | "same tests"            the references of the row above (same table)
 *        | entry { "; " entry }
 * entry  = "same " kind " test" ["s"]            the row above's references of that kind: same R test
 *        | place " › " { describe " › " } title  a test
 *        | title                                 another test, with the place and describes of the entry before
 * place  = kind " `" file "`"                    R, C: a file below the folder the header gives them
 *        | "`" file "`"                          a file from the repository root
 *        | "A each adapter"                      the header's A files, each of them
 *        | "A " adapter { ", " adapter }         the A files of those adapters (fetch, axios, ky, graphql-request)
 * note   = "_(" text ")_"                        anywhere: for the reader, skipped
 * ```
 *
 * - `title` and `describe` are exactly what vitest shows, or, for a table (`.each`, `.for`), the title as
 *   written in the code with its `%s`: it then stands for every case, and the test must exist in each.
 * - The describes written must enclose the test, in that order; others may sit between or around them
 *   (`R \`faults.test.ts\` › token endpoint hangs › ...` leaves out the file's outer describe).
 * - `*each adapter*` in a describe or a title stands for each adapter of the header's "each adapter"
 *   list: the reference is one per adapter (five), and each must name a test.
 * - A title may hold `; ` itself: the longest run of `; `-separated pieces that names a test is one entry.
 * - A test of an open bug (`... [open bug N]`, see reliability/src/known-bugs.ts) is found without it too.
 * - A table cell is split at ` | `: a reference cannot hold one.
 */

/** One row of a "Proved by" table, or one list item that cites tests. */
export interface Row {
  /** Its line in the file (1-based). */
  readonly line: number;
  /** Its first cell (the fault, the situation), shortened: to name the row in messages. */
  readonly label: string;
  /** The "Proved by" text, notes removed. */
  readonly cell: string;
  /** Rows of one table share it (`same test` reaches only into the same table). */
  readonly table: number;
}

/** A reference to one test, as written (with `*each adapter*` and `A each adapter` not yet expanded). */
export interface Reference {
  readonly row: Row;
  /** `R`, `C`, `A` or `` (a path from the root). */
  readonly kind: string;
  /** The test files it names (several for `A each adapter`), relative to the root. */
  readonly files: readonly string[];
  readonly describes: readonly string[];
  readonly title: string;
}

/** A reference that names no test, or a cell the parser cannot read. */
export interface Problem {
  readonly row: Row;
  readonly message: string;
}

/** What the header of RELIABILITY.md defines: the folders of R and C, A's files, the "each adapter" list. */
export interface Legend {
  readonly folders: Readonly<Record<string, string>>;
  readonly adapterFiles: Readonly<Record<string, string>>;
  readonly eachAdapter: readonly string[];
}

const PLACE = /^(?:([RC]) )?`([^`]+\.test\.ts)`(?= › )|^A (each adapter|[\w-]+(?:, [\w-]+)*)(?= › )/;
const SAME = /^same(?: ([RCA]))? tests?$/;
const EACH = '*each adapter*';
const withoutNotes = (text: string) => text.replace(/\s*_\([\s\S]*?\)_/g, '').trim();

/** Reads the legend from the header: `**R** = \`folder/\``, `**A** = ... \`packages/{a,b}/src/x.test.ts\``. */
export function legendOf(markdown: string): Legend {
  const folders: Record<string, string> = {};
  for (const [, kind, folder] of markdown.matchAll(/\*\*([RC])\*\* = `([^`]+\/)`/g)) folders[kind!] = folder!;
  const adapters = /\*\*A\*\* = [^`]*`([^`{]*)\{([^}]+)\}([^`]*)`/.exec(markdown);
  const adapterFiles: Record<string, string> = {};
  for (const name of adapters?.[2]?.split(',') ?? [])
    adapterFiles[name] = `${adapters![1]}${name}${adapters![3]}`;
  const each = /"each adapter" = ([^;.]+)/.exec(markdown)?.[1];
  const eachAdapter = each?.split(/, | and /).map((name) => name.trim()) ?? [];
  return { folders, adapterFiles, eachAdapter };
}

/** The rows that cite tests: each "Proved by" cell, each list item that starts with a place. */
export function citingRows(markdown: string): Row[] {
  const rows: Row[] = [];
  let header: string[] | undefined; // the header cells of the table the line is in
  let table = 0;
  markdown.split('\n').forEach((line, index) => {
    if (!line.startsWith('|')) {
      header = undefined;
      const item = /^- (.*? › .*?)(?: [✅❌])?$/.exec(line);
      if (item && PLACE.test(item[1]!))
        rows.push({ line: index + 1, label: 'list item', cell: withoutNotes(item[1]!), table: ++table });
      return;
    }
    const cells = line
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split(' | ')
      .map((cell) => cell.trim());
    if (header === undefined) {
      header = cells;
      table++;
      return;
    }
    const column = header.indexOf('Proved by');
    const cell = cells[column];
    if (column === -1 || cell === undefined || /^[-:]+$/.test(cell)) return;
    const label = cells[0]!.length > 60 ? `${cells[0]!.slice(0, 57)}...` : cells[0]!;
    rows.push({ line: index + 1, label, cell: withoutNotes(cell), table });
  });
  return rows;
}

/** Where a row is, for messages: `RELIABILITY.md:25 (Token endpoint hangs...)`. */
export const whereIs = (row: Row) => `RELIABILITY.md:${row.line} (${row.label})`;

/**
 * Reads every row's references and checks that each names a test the catalog finds. Each problem names its
 * row and the reference; a cell that cites no test at all is a problem too. `lookups`: the tests looked up
 * (a reference to each adapter, or with `*each adapter*`, is several).
 */
export function checkReferences(
  rows: readonly Row[],
  legend: Legend,
  catalog: TestCatalog,
): { references: Reference[]; lookups: number; problems: Problem[] } {
  const references: Reference[] = [];
  const problems: Problem[] = [];
  let lookups = 0;
  const above = new Map<number, Reference[]>(); // by table: the references of its last row

  // `*each adapter*`: one reference per adapter of the legend.
  const expand = (describes: readonly string[], title: string) =>
    [...describes, title].some((part) => part.includes(EACH))
      ? legend.eachAdapter.map((name) => ({
          describes: describes.map((part) => part.replaceAll(EACH, name)),
          title: title.replaceAll(EACH, name),
        }))
      : [{ describes, title }];
  /** Why the reference names no test, in each of its files and adapters where it does not (empty: it does). */
  const failures = ({ files, describes, title }: Pick<Reference, 'files' | 'describes' | 'title'>) =>
    files.flatMap((file) =>
      expand(describes, title).flatMap((one) => {
        const why = missing(catalog.testsOf(file), one.describes, one.title);
        return why === undefined ? [] : [`${[file, ...one.describes, one.title].join(' › ')}: ${why}`];
      }),
    );

  for (const row of rows) {
    const own: Reference[] = [];
    const complain = (message: string) => problems.push({ row, message });
    const sameAsAbove = (kind: string | undefined, text: string) => {
      const cited = (above.get(row.table) ?? []).filter(
        (reference) => kind === undefined || reference.kind === kind,
      );
      if (cited.length === 0)
        complain(`"${text}", but the row above cites no ${kind === undefined ? '' : `${kind} `}test`);
      own.push(...cited.map((reference) => ({ ...reference, row })));
    };
    const pieces = row.cell.split('; ');
    const whole = SAME.exec(row.cell);
    if (whole && whole[1] === undefined) sameAsAbove(undefined, row.cell);
    else {
      let at: Omit<Reference, 'row' | 'title'> | undefined;
      for (let i = 0; i < pieces.length; ) {
        const piece = pieces[i]!;
        const same = SAME.exec(piece);
        if (same) {
          sameAsAbove(same[1], piece);
          at = undefined;
          i++;
          continue;
        }
        const place = PLACE.exec(piece);
        if (place) at = placeOf(place, legend, complain);
        else if (at === undefined) {
          complain(`"${piece}" follows no place (R \`file\`, C \`file\`, A adapter, \`path\`)`);
          i++;
          continue;
        }
        const { files, kind } = at;
        const parse = (j: number): Reference => {
          const text = pieces.slice(i, j).join('; ');
          // After a place: describes and the title; else a title alone, with the describes before it.
          const parts = place ? text.slice(place[0].length + ' › '.length).split(' › ') : [text];
          const title = parts.pop()!;
          return { row, kind, files, describes: place ? parts : (at?.describes ?? []), title };
        };
        // The longest run of pieces (up to the next place) that names a test is one reference. If none
        // does everywhere, the longest that does in one of its files or adapters: a title there, missing
        // in the others; else the first piece alone.
        let end = i + 1;
        while (end < pieces.length && !PLACE.test(pieces[end]!) && !SAME.test(pieces[end]!)) end++;
        const runs = Array.from({ length: end - i }, (_, k) => {
          const reference = parse(end - k);
          const count = files.length * expand(reference.describes, reference.title).length;
          return { next: end - k, reference, count, failed: failures(reference) };
        });
        const run =
          runs.find(({ failed }) => failed.length === 0) ??
          runs.find(({ failed, count }) => failed.length < count) ??
          runs.at(-1)!;
        const { reference, failed } = run;
        if (failed.length > 1)
          complain(`${failed[0]} (and in ${failed.length - 1} more of its files or adapters)`);
        else if (failed.length === 1) complain(failed[0]!);
        lookups += run.count;
        own.push(reference);
        at = { kind, files, describes: reference.describes };
        i = run.next;
      }
    }
    if (own.length === 0 && !problems.some((problem) => problem.row === row)) complain('cites no test');
    above.set(row.table, own);
    references.push(...own);
  }
  return { references, lookups, problems };
}

/** The files a place names: `R \`file\``, `C \`file\``, `\`path\``, `A each adapter`, `A fetch, axios`. */
function placeOf(
  [written, kind = '', file, adapters]: RegExpExecArray,
  legend: Legend,
  complain: (message: string) => void,
): Omit<Reference, 'row' | 'title'> {
  if (adapters !== undefined) {
    const names = adapters === 'each adapter' ? Object.keys(legend.adapterFiles) : adapters.split(', ');
    const unknown = names.filter((name) => legend.adapterFiles[name] === undefined);
    if (unknown.length > 0) complain(`"${written}": the header's A list has no ${unknown.join(', ')}`);
    return { kind: 'A', files: names.flatMap((name) => legend.adapterFiles[name] ?? []), describes: [] };
  }
  const folder = kind === '' ? '' : legend.folders[kind];
  if (folder === undefined) complain(`"${written}": the header does not define ${kind}`);
  return { kind, files: [`${folder ?? ''}${file}`], describes: [] };
}

/**
 * Why no test of a file has `title` inside `describes` (in that order; others may sit between), or
 * `undefined`. A describe or title written as a table's template (`%s`) must hold in each of its cases.
 */
function missing(
  tests: readonly FoundTest[] | undefined,
  describes: readonly string[],
  title: string,
): string | undefined {
  if (tests === undefined) return 'no such file';
  const wanted = [...describes, title];
  // A test of an open bug is named `... [open bug N]` (reliability/src/known-bugs.ts) while it is open.
  const names = (part: TitlePart) => [
    part.title,
    part.template,
    part.title?.replace(/ \[open bug \d+\]$/, ''),
  ];
  /** The test's parts that the wanted describes and title name, or `undefined`. */
  const matched = (test: FoundTest): TitlePart[] | undefined => {
    const parts: TitlePart[] = [];
    for (const part of test.parts.slice(0, -1))
      if (parts.length < describes.length && names(part).includes(wanted[parts.length])) parts.push(part);
    const last = test.parts.at(-1)!;
    return parts.length === describes.length && names(last).includes(title) ? [...parts, last] : undefined;
  };
  const shown = (test: FoundTest) => test.parts.map((part) => part.title ?? part.template ?? '?').join(' › ');
  const found = tests.flatMap((test) => {
    const parts = matched(test);
    return parts === undefined ? [] : [{ test, parts }];
  });
  const certain = found.filter(({ test }) => !test.conditional);
  if (certain.length > 0) {
    // A template names every case: each title vitest made from it must be among those found.
    for (const [index, written] of wanted.entries()) {
      const cases = new Set(tests.flatMap((test) => test.parts.filter((part) => part.template === written)));
      if (cases.size === 0 || certain.some(({ parts }) => parts[index]!.title === written)) continue;
      const all = new Set([...cases].map((part) => part.title));
      for (const { parts } of certain) all.delete(parts[index]!.title);
      if (all.size > 0) return `not in every case of "${written}": not in "${[...all].join('", "')}"`;
    }
    return undefined;
  }
  if (found.length > 0) {
    const { file, line } = found[0]!.test;
    return `defined only under an \`if\` the parser cannot decide (${file}:${line})`;
  }
  const titled = tests.find((test) => names(test.parts.at(-1)!).includes(title));
  if (titled !== undefined) return `no such test inside these describes; there is ${shown(titled)}`;
  const unresolved = tests.filter((test) => test.parts.some((part) => part.title === undefined));
  const note =
    unresolved.length === 0
      ? ''
      : ` (the parser could not compute ${unresolved.length} titles of this file, e.g. ${shown(unresolved[0]!)})`;
  return `no test has this title${note}`;
}
