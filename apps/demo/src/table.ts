import type { Row } from './scenario.js';

const columns = [
  ['adapter', 16],
  ['credential', 20],
  ['requests', 9],
  ['tokens', 7],
  ['outcome', 8],
] as const;

const mark = { passed: 'ok', failed: 'FAILED', skipped: 'skipped' } as const;

/** The table's header line. */
export function formatHeader(): string {
  const header = `${columns.map(([name, width]) => name.padEnd(width)).join('')}detail`;
  return `${header}\n${'-'.repeat(header.length + 40)}`;
}

/** One table line for a row; `first` is false for the rows after the first of an adapter's group. */
export function formatRow(row: Row, first = true): string {
  const cells = [
    first ? row.adapter : '',
    row.credential,
    String(row.requests),
    String(row.tokens),
    mark[row.outcome],
  ];
  return cells.map((cell, i) => cell.padEnd(columns[i]![1])).join('') + row.detail;
}

/** What the columns mean, printed under the table. */
export const legend = [
  'requests  HTTP requests the scenario sent through the adapter (a retry after a 401 is not counted)',
  'tokens    successful token requests: the first grant and each refresh (API keys need none; client',
  '          credentials have no refresh token, so they run their grant again)',
].join('\n');
