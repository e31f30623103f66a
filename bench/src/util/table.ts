/** One result table: printed to stdout and written to BENCHMARKS.md. */
export interface Table {
  /** Stable id, used by the smoke test and `--only`. */
  id: string;
  title: string;
  /** What was measured and how, one short paragraph (markdown). */
  description: string;
  columns: string[];
  rows: string[][];
  /** Notes under the table (markdown). */
  notes: string[];
  /** Raw numbers behind the rows, for the smoke test and the summary. */
  data: Record<string, number>;
}

export function newTable(id: string, title: string, description: string, columns: string[]): Table {
  return { id, title, description, columns, rows: [], notes: [], data: {} };
}

function escapeCell(cell: string): string {
  return cell.replaceAll('|', '\\|');
}

/** GitHub-flavoured markdown table. */
export function renderMarkdown(table: Table): string {
  const lines = [`### ${table.title}`, '', table.description, ''];
  lines.push(`| ${table.columns.map(escapeCell).join(' | ')} |`);
  lines.push(`| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const row of table.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
  if (table.notes.length > 0) {
    lines.push('');
    for (const note of table.notes) lines.push(`- ${note}`);
  }
  return lines.join('\n');
}

/** Plain aligned text for the terminal. */
export function renderText(table: Table): string {
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const out = [`== ${table.title}`, line(table.columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of table.rows) out.push(line(row));
  for (const note of table.notes) out.push(`  * ${note.replaceAll('`', '')}`);
  return out.join('\n');
}
