/**
 * The size budget, checked the way size-limit does it: every bundle of ours is measured from the built
 * packages (`pnpm build` first) with each bundler, and a bundle over its limit in `size-budget.json` fails
 * the run (exit code 1). Raise a limit only with a reason in the commit that does it. The size tables in the
 * packages' READMEs are checked against the same measurement (see readme-sizes.ts).
 *
 *   npx pnpm@12.4.2 size             (from the repository root; CI runs it after the build)
 *   npx pnpm@12.4.2 size --update    (sets the limits to what is measured; say why in the commit)
 *   npx pnpm@12.4.2 size --readmes   (writes the READMEs' size tables from what is measured)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkReadmes, writeReadmes } from './readme-sizes.js';
import { beforeFirstTokenRequest, measureAll, rows } from './sections/size.js';
import { fmtBytes } from './util/stats.js';
import { newTable, renderText } from './util/table.js';

/** Limits in bytes (min+gzip) per bundle and bundler: `eager`, and for OIDC `beforeFirstTokenRequest`. */
type Budget = Record<string, Record<string, { eager: number; beforeFirstTokenRequest?: number }>>;

const budgetFile = fileURLToPath(new URL('../size-budget.json', import.meta.url));
const file = JSON.parse(readFileSync(budgetFile, 'utf8')) as {
  goals: Record<string, string>;
  bundles: Budget;
};
const budget = file.bundles;

const results = await measureAll();

if (process.argv.includes('--readmes')) {
  const changed = writeReadmes(results);
  console.log(
    changed.length > 0 ? `size tables written: ${changed.join(', ')}` : 'the size tables were up to date',
  );
  process.exit(0);
}

if (process.argv.includes('--update')) {
  // Sets every limit to the goal where it is met, else to what was measured plus at least 50 B, rounded up
  // to 100 B: room for a byte-level difference in gzip's output between machines, none for a real change.
  // Say why in the commit that does it.
  const goals: Record<string, { eager?: number; beforeFirstTokenRequest?: number }> = {
    [rows.apiKey]: { eager: 3_000 },
    [rows.oidcPassword]: { beforeFirstTokenRequest: 10_000 },
  };
  const limit = (size: number, goal?: number) =>
    goal !== undefined && size <= goal ? goal : Math.ceil((size + 50) / 100) * 100;
  const bundles: Budget = {};
  for (const result of results) {
    if (!result.name.startsWith('@auth/')) continue;
    const goal = goals[result.name] ?? (result.name.includes('`withAuth` alone') ? { eager: 1_000 } : {});
    const entry: Budget[string][string] = { eager: limit(result.eager, goal.eager) };
    if (result.name === rows.oidcPassword) {
      entry.beforeFirstTokenRequest = limit(beforeFirstTokenRequest(result), goal.beforeFirstTokenRequest);
    }
    bundles[result.name] = { ...bundles[result.name], [result.bundler]: entry };
  }
  writeFileSync(budgetFile, `${JSON.stringify({ ...file, bundles }, null, 2)}\n`);
  console.log(`limits written to ${budgetFile}`);
  process.exit(0);
}

const table = newTable('size-budget', 'Size budget (min+gzip)', '', [
  'Bundle',
  'bundler',
  'what',
  'size',
  'limit',
  '',
]);
let over = 0;
const check = (name: string, bundler: string, what: string, size: number, limit: number | undefined) => {
  const fails = limit === undefined || !Number.isFinite(size) || size > limit;
  if (fails) over++;
  table.rows.push([
    name,
    bundler,
    what,
    fmtBytes(size),
    limit === undefined ? 'no limit' : fmtBytes(limit),
    fails ? 'OVER' : 'ok',
  ]);
};
for (const result of results) {
  const limits = budget[result.name]?.[result.bundler];
  if (!limits && !result.name.startsWith('@auth/')) continue; // peers and "for scale" rows have none
  check(result.name, result.bundler, 'eager', result.error ? Number.NaN : result.eager, limits?.eager);
  if (result.name === rows.oidcPassword) {
    const size = beforeFirstTokenRequest(result);
    check(result.name, result.bundler, 'before 1st token request', size, limits?.beforeFirstTokenRequest);
  }
}
console.log(renderText(table));
const stale = checkReadmes(results);
for (const problem of stale) console.log(problem);
if (over > 0) {
  console.log(`\n${over} bundle(s) over budget (or failed to build). Limits: bench/size-budget.json.`);
}
if (over > 0 || stale.length > 0) process.exit(1);
console.log(
  `\nall ${table.rows.length} sizes within budget (bench/size-budget.json), and the READMEs' tables agree`,
);
