/**
 * The test references of RELIABILITY.md and INTEROP.md, checked against the report of a real test run
 * (vitest's JSON reporter, `test-results/vitest.json` when `CI` is set). The references sit in the cells of a
 * "Proved by" or "Backed by" column, and in list items, nested ones too, that start with a place (`- R \`soak.test.ts\` › ...`).
 * The grammar (each document's header says it in words):
 *
 * ```
 * cell   = "same test" | "same tests"            the references of the row above (same table)
 *        | entry { "; " entry }
 * entry  = "same " letter " test" ["s"]          the row above's references at that letter: same R test
 *        | place " › " { describe " › " } title  a test
 *        | title                                 another test, with the place and describes of the entry before
 * place  = letter " `" file "`"                  a letter the header defines as a folder: a file below it
 *        | letter                                a letter the header defines as a file
 *        | letter " each adapter"                a letter defined as `dir/{a,b}/file`: each of those files
 *        | letter " " adapter { ", " adapter }   some of them
 *        | "`" file "`"                          a file from the repository root
 * note   = "_(" text ")_"                        anywhere: for the reader, skipped
 * ```
 *
 * - The header defines its letters as `**X** = \`path\`` (text may sit between `=` and the path), and the
 *   "each adapter" list as `"each adapter" = a, b and c`.
 * - `describe` and `title` are exactly what vitest reports. A table's test (`.each`, `.for`) may be named by its
 *   title as written in the code (`%s`, `%i`, `$name`, ...): a pattern that at least one test of the report must
 *   match (not each case: the report does not say which titles came from one table).
 * - The describes written must enclose the test, in that order; others may sit between or around them.
 * - `*each adapter*` in a describe or title stands for each name of the "each adapter" list: the reference
 *   must then name a test for every one of them.
 * - A title may hold `; ` itself: the longest run of `; `-separated pieces that names a test is one entry.
 * - A test of an open bug (`... [open bug N]`, see reliability/src/known-bugs.ts) is found without it too.
 * - A reference fails when it names no test of the report, or only tests that did not run (skipped, todo).
 * - A table cell is split at ` | `: a reference cannot hold one.
 */

/** One row that cites tests: a cell of a "Proved by" / "Backed by" column, or a list item. */
export interface Row {
  readonly line: number;
  /** Its first cell (the fault, the situation), shortened: to name the row in messages. */
  readonly label: string;
  /** The citing text, notes removed. */
  readonly cell: string;
  /** Rows of one table share it (`same test` reaches only into the same table). */
  readonly table: number;
}

/** What a document's header defines: its place letters, and the "each adapter" list. */
export interface Legend {
  readonly places: Readonly<Record<string, string>>;
  readonly eachAdapter: readonly string[];
}

/** One test of the report. `file` is the report's (absolute) path. */
export interface ReportTest {
  readonly file: string;
  readonly describes: readonly string[];
  readonly title: string;
  readonly status: string;
}

/** One reference as written, and why it names no test that ran (`problem`), or `undefined`. */
export interface Check {
  readonly row: Row;
  readonly reference: string;
  readonly problem: string | undefined;
  /** The tests of the report it names (one lookup per file and adapter it stands for). */
  readonly found: number;
}

interface Reference {
  readonly letter: string;
  readonly files: readonly string[];
  readonly describes: readonly string[];
  readonly title: string;
}

const CITING = new Set(['Proved by', 'Backed by']);
const PLACE =
  /^(?:([A-Z]) )?`([^`]+\.test\.ts)`(?= › )|^([A-Z])(?: (each adapter|[\w-]+(?:, [\w-]+)*))?(?= › )/;
const SAME = /^same(?: ([A-Z]))? tests?$/;
const EACH = '*each adapter*';
const PLACEHOLDER = /%[sdifjoO#$]|\$[A-Za-z_][\w.]*/g;
const OPEN_BUG = / \[open bug \d+\]$/;
const RAN = new Set(['passed', 'failed']);
const withoutNotes = (text: string) => text.replace(/\s*_\([\s\S]*?\)_/g, '').trim();

/** Reads the header's `**X** = \`path\`` letters and its `"each adapter" = a, b and c` list. */
export function legendOf(markdown: string): Legend {
  const places: Record<string, string> = {};
  for (const [, letter, path] of markdown.matchAll(/\*\*([A-Z])\*\* = [^`\n]*`([^`]+)`/g))
    places[letter!] = path!;
  const each = /"each adapter" = ([^;.]+)/.exec(markdown)?.[1]?.replace(/\s+/g, ' ');
  return { places, eachAdapter: each?.split(/, | and /).map((name) => name.trim()) ?? [] };
}

/** The rows that cite tests: each cell of a "Proved by" or "Backed by" column, each list item with a place. */
export function citingRows(markdown: string): Row[] {
  const rows: Row[] = [];
  let header: string[] | undefined; // the header cells of the table the line is in
  let table = 0;
  markdown.split('\n').forEach((line, index) => {
    if (!line.startsWith('|')) {
      header = undefined;
      const item = /^\s*- (.*? › .*?)(?: [✅❌])?$/.exec(line);
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
    const cell = cells[header.findIndex((name) => CITING.has(name))];
    if (cell === undefined || /^[-:]+$/.test(cell)) return;
    const label = cells[0]!.length > 60 ? `${cells[0]!.slice(0, 57)}...` : cells[0]!;
    rows.push({ line: index + 1, label, cell: withoutNotes(cell), table });
  });
  return rows;
}

/** The tests of a vitest JSON report (`testResults[].assertionResults[]`). */
export function reportTests(report: {
  testResults: {
    name: string;
    assertionResults: { ancestorTitles: string[]; title: string; status: string }[];
  }[];
}): ReportTest[] {
  return report.testResults.flatMap(({ name, assertionResults }) =>
    assertionResults.map(({ ancestorTitles, title, status }) => ({
      file: name.replaceAll('\\', '/'),
      describes: ancestorTitles,
      title,
      status,
    })),
  );
}

/** Whether a title as written names a title of the report: the same, or the same pattern (`%s`, `$name`). */
function matcher(written: string): (title: string) => boolean {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${written.split(PLACEHOLDER).map(literal).join('.+')}$`);
  return (title) => title === written || pattern.test(title);
}

/** Why no test of the report is `title` inside `describes` in one of the report's files named `file`. */
function lookUp(
  tests: readonly ReportTest[],
  file: string,
  describes: readonly string[],
  title: string,
): string | undefined {
  const ofFile = tests.filter((test) => test.file === file || test.file.endsWith(`/${file}`));
  if (ofFile.length === 0) return 'the report has no test of this file';
  const isTitle = matcher(title);
  const isDescribe = describes.map(matcher);
  const titled = ofFile.filter((test) => isTitle(test.title) || isTitle(test.title.replace(OPEN_BUG, '')));
  const found = titled.filter((test) => {
    let next = 0;
    for (const describe of test.describes) if (isDescribe[next]?.(describe)) next++;
    return next === describes.length;
  });
  const shown = (test: ReportTest) => [...test.describes, test.title].join(' › ');
  if (found.length === 0 && titled.length > 0)
    return `no such test inside these describes; there is ${shown(titled[0]!)}`;
  if (found.length === 0) return 'no test has this title';
  if (!found.some((test) => RAN.has(test.status)))
    return `only tests that did not run (${found.map((test) => test.status).join(', ')})`;
  return undefined;
}

/**
 * Reads a document's references (its legend, its citing rows) and checks each against the tests of a report.
 * One check per reference as written; `same test` is one check, that the row above cites tests.
 */
export function checkDocument(markdown: string, tests: readonly ReportTest[]): Check[] {
  const legend = legendOf(markdown);
  const checks: Check[] = [];
  const above = new Map<number, Reference[]>(); // by table: the references of its last row

  /** A reference's lookups (one per file and adapter it stands for), and the problems of those that fail. */
  const lookUpAll = ({ files, describes, title }: Reference) => {
    const each = [...describes, title].some((part) => part.includes(EACH));
    if (each && legend.eachAdapter.length === 0)
      return { count: 1, problems: ['the header defines no "each adapter" list'] };
    const names = each ? legend.eachAdapter : [EACH];
    const problems = files.flatMap((file) =>
      names.flatMap((name) => {
        const parts = [...describes, title].map((part) => part.replaceAll(EACH, name));
        const problem = lookUp(tests, file, parts.slice(0, -1), parts.at(-1)!);
        return problem === undefined ? [] : [`${[file, ...parts].join(' › ')}: ${problem}`];
      }),
    );
    return { count: files.length * names.length, problems };
  };

  for (const row of citingRows(markdown)) {
    const own: Reference[] = [];
    const check = (reference: string, problem: string | undefined, found = 0) =>
      checks.push({ row, reference, problem, found });
    const sameAsAbove = (letter: string | undefined, text: string) => {
      const cited = (above.get(row.table) ?? []).filter(
        (ref) => letter === undefined || ref.letter === letter,
      );
      check(
        text,
        cited.length === 0 ? `the row above cites no ${letter ? `${letter} ` : ''}test` : undefined,
      );
      own.push(...cited);
    };
    const pieces = row.cell.split('; ');
    let at: Omit<Reference, 'title'> | undefined;
    for (let i = 0; i < pieces.length; ) {
      const piece = pieces[i]!;
      // The pieces up to the next place: one reference, or several with the place of the first.
      let end = i + 1;
      while (end < pieces.length && !PLACE.test(pieces[end]!) && !SAME.test(pieces[end]!)) end++;
      const same = SAME.exec(piece);
      const place = PLACE.exec(piece);
      const placed = place ? placeOf(place, legend) : at;
      if (same) {
        sameAsAbove(same[1], piece);
        at = undefined;
        i++;
        continue;
      }
      if (typeof placed !== 'object') {
        const why = piece === '' ? 'cites no test' : 'follows no place (a letter of the header, a `path`)';
        check(pieces.slice(i, end).join('; ') || row.cell, placed ?? why);
        at = undefined;
        i = end;
        continue;
      }
      at = placed;
      const { letter, files, describes } = placed;
      const parse = (end: number): Reference => {
        const text = pieces.slice(i, end).join('; ');
        // After a place: describes and the title; else a title alone, with the describes before it.
        const parts = place ? text.slice(place[0].length + ' › '.length).split(' › ') : [text];
        const title = parts.pop()!;
        return { letter, files, describes: place ? parts : describes, title };
      };
      // The longest run of pieces that names a test everywhere is one reference; else the longest that names one
      // somewhere (then missing in some files or adapters); else the piece alone.
      const runs = Array.from({ length: end - i }, (_, k) => {
        const reference = parse(end - k);
        return { next: end - k, reference, ...lookUpAll(reference) };
      });
      const run =
        runs.find(({ problems }) => problems.length === 0) ??
        runs.find(({ problems, count }) => problems.length < count) ??
        runs.at(-1)!;
      const { reference, problems, count } = run;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more of its files or adapters)` : '';
      check(
        pieces.slice(i, run.next).join('; '),
        problems[0] && `${problems[0]}${more}`,
        count - problems.length,
      );
      own.push(reference);
      at = { letter, files, describes: reference.describes };
      i = run.next;
    }
    above.set(row.table, own);
  }
  return checks;
}

/** The files a place names, or why it names none. */
function placeOf(
  [written, letter, file, fileLetter, adapters]: RegExpExecArray,
  legend: Legend,
): Omit<Reference, 'title'> | string {
  const name = letter ?? fileLetter;
  if (name === undefined) return { letter: '', files: [file!], describes: [] };
  const path = legend.places[name];
  const adapterFiles = path && /^([^{]*)\{([^}]+)\}(.*)$/.exec(path);
  if (path === undefined) return `"${written}": the header does not define ${name}`;
  if (file !== undefined && path.endsWith('/'))
    return { letter: name, files: [`${path}${file}`], describes: [] };
  if (file === undefined && adapters === undefined && !path.endsWith('/') && !adapterFiles)
    return { letter: name, files: [path], describes: [] };
  if (adapters !== undefined && adapterFiles) {
    const [, before, list, after] = adapterFiles;
    const known = list!.split(',');
    const names = adapters === 'each adapter' ? known : adapters.split(', ');
    const unknown = names.filter((one) => !known.includes(one));
    if (unknown.length > 0)
      return `"${written}": ${name}'s files are for ${known.join(', ')}, not ${unknown}`;
    return { letter: name, files: names.map((one) => `${before}${one}${after}`), describes: [] };
  }
  return `"${written}" does not fit ${name} = \`${path}\``;
}
