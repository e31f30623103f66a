// `pnpm check:references`: every test RELIABILITY.md and INTEROP.md cite must be a test of the report of a
// real run (`CI=true pnpm test` writes test-results/vitest.json), one that ran. The grammar: references.ts.
//
//   pnpm check:references [--report test-results/vitest.json] [--summary test-results/references.json]
//
// Prints each reference that names no such test, as `RELIABILITY.md:25 (row): <reference>: <why>`, and exits 1
// when there is one. --summary writes `{ "passed": N, "failed": N }` (one check per reference) for .ci/run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkDocument, reportTests } from './references.js';

const root = resolve(import.meta.dirname, '../..');
const documents = ['RELIABILITY.md', 'INTEROP.md'];

const { values } = parseArgs({
  options: {
    report: { type: 'string', default: join(root, 'test-results/vitest.json') },
    summary: { type: 'string' },
  },
});
if (!existsSync(values.report)) {
  console.error(`no test report at ${values.report}: CI=true pnpm test writes it (test-results/vitest.json)`);
  process.exit(1);
}
const started = performance.now();
const tests = reportTests(JSON.parse(readFileSync(values.report, 'utf8')));
let passed = 0;
let failed = 0;
for (const document of documents) {
  const checks = checkDocument(readFileSync(join(root, document), 'utf8'), tests);
  const failing = checks.filter((check) => check.problem !== undefined);
  for (const { row, reference, problem } of failing)
    console.log(`${document}:${row.line} (${row.label}): ${reference}\n    ${problem}`);
  const found = checks.reduce((sum, check) => sum + check.found, 0);
  console.log(
    `${document}: ${checks.length - failing.length} of ${checks.length} references name a test that ran` +
      ` (${found} tests found)`,
  );
  passed += checks.length - failing.length;
  failed += failing.length;
}
console.log(
  `references: ${passed} passed, ${failed} failed, against ${tests.length} tests of ${values.report}` +
    ` in ${Math.round(performance.now() - started)} ms`,
);
if (values.summary !== undefined) {
  mkdirSync(dirname(values.summary), { recursive: true });
  writeFileSync(values.summary, `${JSON.stringify({ passed, failed })}\n`);
}
if (failed > 0) process.exitCode = 1;
