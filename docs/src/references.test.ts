import { describe, expect, it } from 'vitest';
import { checkDocument, citingRows, legendOf, reportTests } from './references.js';

// The reference grammar of RELIABILITY.md and INTEROP.md (references.ts), on a made-up document and a made-up
// report: the real documents are checked against the real run's report by `pnpm check:references`.

const header = [
  '# Made up',
  '',
  '- **R** = `rel/src/` (the reliability tests), **F** = `pkg/core/src/flow.test.ts`,',
  '  **A** = the adapters’ tests `pkg/{one,two}/src/index.test.ts`.',
  '- "each adapter" = one, two 1 and',
  '  three; the R tests run one per adapter.',
  '',
];

// As vitest's JSON reporter names them: absolute paths, here of another checkout (CI's).
const report = reportTests({
  testResults: [
    {
      name: '/ci/repo/rel/src/faults.test.ts',
      assertionResults: [
        ...['one', 'two 1', 'three'].map((name) => ({
          ancestorTitles: ['outer', 'hangs'],
          title: `${name}: times out`,
          status: 'passed',
        })),
        { ancestorTitles: ['outer', 'hangs'], title: 'one: recovers; then succeeds', status: 'passed' },
      ],
    },
    {
      name: '/ci/repo/pkg/core/src/flow.test.ts',
      assertionResults: [
        { ancestorTitles: ['flow'], title: 'retries a 503', status: 'passed' },
        {
          ancestorTitles: ['flow'],
          title: 'turns a malformed answer (html) into an error',
          status: 'passed',
        },
        {
          ancestorTitles: ['flow'],
          title: 'turns a malformed answer (json) into an error',
          status: 'failed',
        },
        { ancestorTitles: ['flow'], title: "answers '403 text/html (a gateway…'", status: 'passed' },
        { ancestorTitles: ['flow'], title: 'keeps the token [open bug 3]', status: 'passed' },
        { ancestorTitles: ['flow'], title: 'waits for a fix', status: 'skipped' },
        { ancestorTitles: ['flow'], title: 'some day', status: 'todo' },
      ],
    },
    ...['one', 'two'].map((name) => ({
      name: `C:\\ci\\repo\\pkg\\${name}\\src\\index.test.ts`,
      assertionResults: [
        { ancestorTitles: [`contract (${name})`], title: 'sends the credential', status: 'passed' },
        ...(name === 'one' ? [{ ancestorTitles: [], title: 'streams a body', status: 'passed' }] : []),
      ],
    })),
    {
      name: '/ci/repo/apps/x.test.ts',
      assertionResults: [{ ancestorTitles: [], title: 'plain', status: 'passed' }],
    },
  ],
});

/** The failing references of a "Proved by" table of these rows, under the header above. */
function failures(...cells: string[]): string[] {
  const table = [
    '| Fault | Proved by |',
    '| --- | --- |',
    ...cells.map((cell, i) => `| row ${i + 1} | ${cell} |`),
  ];
  return checkDocument([...header, ...table].join('\n'), report).flatMap(({ row, reference, problem }) =>
    problem === undefined ? [] : [`${row.label}: ${reference}: ${problem}`],
  );
}

describe('references', () => {
  it('reads the header’s letters (folder, file, adapter files) and its "each adapter" list', () => {
    expect(legendOf(header.join('\n'))).toEqual({
      places: { R: 'rel/src/', F: 'pkg/core/src/flow.test.ts', A: 'pkg/{one,two}/src/index.test.ts' },
      eachAdapter: ['one', 'two 1', 'three'],
    });
  });

  it('reads the "Proved by" and "Backed by" cells and the list items with a place, without notes', () => {
    const markdown = [
      '| Provider | Works | Backed by |',
      '| --- | --- | --- |',
      '| Keycloak | password | F › flow › retries a 503 _(a note; with a semicolon)_ |',
      '',
      '- F › flow › retries a 503 ✅',
      '- not a reference › at all',
      '- A note on Retry-After, proved by:',
      '  - F › flow › waits for Retry-After',
    ].join('\n');
    expect(citingRows(markdown)).toEqual([
      { line: 3, label: 'Keycloak', cell: 'F › flow › retries a 503', table: 1 },
      { line: 5, label: 'list item', cell: 'F › flow › retries a 503', table: 2 },
      { line: 8, label: 'list item', cell: 'F › flow › waits for Retry-After', table: 3 },
    ]);
  });

  it('finds what the report holds: each adapter, left-out describes, "; " in a title, templates, same test', () => {
    const checks = checkDocument(
      [
        ...header,
        '| Fault | Proved by |',
        '| --- | --- |',
        '| a | R `faults.test.ts` › hangs › *each adapter*: times out; one: recovers; then succeeds |',
        '| b | same test |',
        '| c | F › flow › turns a malformed answer (%s) into an error; answers $name; keeps the token |',
        '| d | A each adapter › sends the credential; A one › streams a body; `apps/x.test.ts` › plain; same R test |',
      ].join('\n'),
      report,
    );
    expect(checks.map(({ reference, problem, found }) => [reference, problem, found])).toEqual([
      ['R `faults.test.ts` › hangs › *each adapter*: times out', undefined, 3],
      ['one: recovers; then succeeds', undefined, 1],
      ['same test', undefined, 0],
      ['F › flow › turns a malformed answer (%s) into an error', undefined, 1],
      ['answers $name', undefined, 1],
      ['keeps the token', undefined, 1],
      ['A each adapter › sends the credential', undefined, 2],
      ['A one › streams a body', undefined, 1],
      ['`apps/x.test.ts` › plain', undefined, 1],
      ['same R test', 'the row above cites no R test', 0],
    ]);
  });

  it('names each reference that names no test that ran, with its row and why', () => {
    expect(
      failures(
        'R `faults.test.ts` › hangs › *each adapter*: times in',
        'R `faults.test.ts` › outer › *each adapter*: recovers; then succeeds',
        'F › elsewhere › retries a 503; F › flow › turns a malformed answer (%s) into a warning',
        'A each adapter › streams a body',
        'F › flow › waits for a fix; some day',
        'R `gone.test.ts` › plain; plain too',
        'the same tests as above',
        'same test',
        'X › flow › retries a 503; R › flow › retries a 503; A three › sends the credential',
      ),
    ).toEqual([
      'row 1: R `faults.test.ts` › hangs › *each adapter*: times in: rel/src/faults.test.ts › hangs › one: times in: no test has this title (and 2 more of its files or adapters)',
      'row 2: R `faults.test.ts` › outer › *each adapter*: recovers; then succeeds: rel/src/faults.test.ts › outer › two 1: recovers; then succeeds: no test has this title (and 1 more of its files or adapters)',
      'row 3: F › elsewhere › retries a 503: pkg/core/src/flow.test.ts › elsewhere › retries a 503: no such test inside these describes; there is flow › retries a 503',
      'row 3: F › flow › turns a malformed answer (%s) into a warning: pkg/core/src/flow.test.ts › flow › turns a malformed answer (%s) into a warning: no test has this title',
      'row 4: A each adapter › streams a body: pkg/two/src/index.test.ts › streams a body: no test has this title',
      'row 5: F › flow › waits for a fix: pkg/core/src/flow.test.ts › flow › waits for a fix: only tests that did not run (skipped)',
      'row 5: some day: pkg/core/src/flow.test.ts › flow › some day: only tests that did not run (todo)',
      'row 6: R `gone.test.ts` › plain: rel/src/gone.test.ts › plain: the report has no test of this file',
      'row 6: plain too: rel/src/gone.test.ts › plain too: the report has no test of this file',
      'row 7: the same tests as above: follows no place (a letter of the header, a `path`)',
      'row 8: same test: the row above cites no test',
      'row 9: X › flow › retries a 503: "X": the header does not define X',
      'row 9: R › flow › retries a 503: "R" does not fit R = `rel/src/`',
      'row 9: A three › sends the credential: "A three": A\'s files are for one, two, not three',
    ]);
  });
});
