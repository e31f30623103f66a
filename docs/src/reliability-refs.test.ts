import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkReferences, citingRows, legendOf, whereIs } from './reliability-refs.js';
import { TestCatalog } from './test-titles.js';

// RELIABILITY.md says which test proves each behaviour; this checks that each test it names exists (by its
// exact title, read from the test files without running them), so that a renamed or deleted test fails here
// instead of leaving a false claim in the document. The grammar: reliability-refs.ts and the file's header.

const root = fileURLToPath(new URL('../..', import.meta.url));
const markdown = readFileSync(join(root, 'RELIABILITY.md'), 'utf8');
const legend = legendOf(markdown);
const catalog = new TestCatalog(root);

/** The problems of a one-row "Proved by" table under RELIABILITY.md's own header (and its legend). */
function problemsOf(...cells: string[]): string[] {
  const table = [
    '| Fault | Proved by |',
    '| --- | --- |',
    ...cells.map((cell, i) => `| row ${i + 1} | ${cell} |`),
  ];
  const rows = citingRows(table.join('\n'));
  return checkReferences(rows, legend, catalog).problems.map(
    ({ row, message }) => `${row.label}: ${message}`,
  );
}

describe('RELIABILITY.md cites tests that exist', () => {
  it('reads its legend: R, C, the A files, and "each adapter" as the reliability harness names the adapters', () => {
    expect(legend.folders).toEqual({ R: 'reliability/src/', C: 'packages/core/src/' });
    expect(Object.keys(legend.adapterFiles)).toEqual(['fetch', 'axios', 'ky', 'graphql-request']);
    expect(legend.eachAdapter).toEqual(catalog.valueOf('reliability/src/harness.ts', 'adapterNames'));
  });

  it('every reference of every "Proved by" cell names a test', () => {
    const rows = citingRows(markdown);
    const { references, problems } = checkReferences(rows, legend, catalog);
    expect(problems.map(({ row, message }) => `${whereIs(row)}: ${message}`)).toEqual([]);
    // Every table was read, and every row cites at least one test.
    expect(rows.length).toBeGreaterThanOrEqual(80);
    expect(new Set(references.map((reference) => reference.row)).size).toBe(rows.length);
  });

  describe('a reference that names no test is a problem, naming its row and the reference', () => {
    const hangs =
      'the timeout fires (TimeoutError), nothing hangs or is sent, the next call retries and succeeds';

    it('resolves what exists: each adapter, a left-out describe, a title with "; ", a table’s template, same test', () => {
      expect(
        problemsOf(
          `R \`faults.test.ts\` › token endpoint hangs › *each adapter*: ${hangs}`,
          'same test',
          'C `integration/oidc-password.test.ts` › turns a malformed answer (%s) into InvalidTokenResponseError, never "Bearer undefined"; A each adapter › a revoked grant: the 401 as usual, no retry; the next call says reauthentication is required',
        ),
      ).toEqual([]);
    });

    it('a title that differs by one word', () => {
      expect(
        problemsOf(
          `R \`faults.test.ts\` › token endpoint hangs › *each adapter*: ${hangs.replace('fires', 'rings')}`,
        ),
      ).toEqual([
        `row 1: reliability/src/faults.test.ts › token endpoint hangs › fetch: ${hangs.replace('fires', 'rings')}: no test has this title (and in 4 more of its files or adapters)`,
      ]);
    });

    it('a describe that does not enclose the test', () => {
      expect(
        problemsOf(`R \`faults.test.ts\` › invalid_grant on refresh › *each adapter*: ${hangs}`)[0],
      ).toMatch(
        /^row 1: reliability\/src\/faults\.test\.ts › invalid_grant on refresh › fetch: .*: no such test inside these describes; there is token endpoint faults through each adapter › token endpoint hangs › fetch: /,
      );
    });

    it('"each adapter" where one adapter has no such test', () => {
      const stream =
        'does not re-send a one-shot stream body: the 401 as is; the stale token is dropped all the same';
      expect(problemsOf(`A each adapter › ${stream}`)).toEqual([
        `row 1: packages/graphql-request/src/index.test.ts › ${stream}: no test has this title`,
      ]);
      expect(problemsOf(`A fetch, axios, ky › ${stream}`)).toEqual([]);
    });

    it('a table’s template (`%s`) that holds in some of its cases only', () => {
      const expiry = '50 concurrent requests at expiry make exactly one token request';
      expect(problemsOf(`A ky › withAuth(%s instance, auth) › ${expiry}`)).toEqual([]);
      expect(
        problemsOf(`A ky › withAuth(%s instance, auth) › adapter contract (ky 1 (prefixUrl)) › ${expiry}`)[0],
      ).toMatch(/: not in every case of "withAuth\(%s instance, auth\)": not in "withAuth\(ky 2 /);
    });

    it('a file that does not exist, prose without a place, "same test" with nothing above', () => {
      expect(problemsOf(`R \`gone.test.ts\` › ${hangs}`, 'the same tests as above')).toEqual([
        `row 1: reliability/src/gone.test.ts › ${hangs}: no such file`,
        'row 2: "the same tests as above" follows no place (R `file`, C `file`, A adapter, `path`)',
      ]);
      expect(problemsOf('same test')).toEqual(['row 1: "same test", but the row above cites no test']);
    });
  });
});
