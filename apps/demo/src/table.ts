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

/** One table line for a row. */
export function formatRow(row: Row): string {
  const cells = [row.adapter, row.credential, String(row.requests), String(row.tokens), mark[row.outcome]];
  return cells.map((cell, i) => cell.padEnd(columns[i]![1])).join('') + row.detail;
}
