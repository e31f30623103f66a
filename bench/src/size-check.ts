/**
 * The size budget, checked the way size-limit does it: every bundle of ours is measured from the built
 * packages (`pnpm build` first) with each bundler, and a bundle over its limit in `size-budget.json` fails
 * the run (exit code 1). Raise a limit only with a reason in the commit that does it.
 *
 *   npx pnpm@12.4.2 size        (from the repository root; CI runs it after the build)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeFirstTokenRequest, measureAll, rows } from './sections/size.js';
import { fmtBytes } from './util/stats.js';
import { newTable, renderText } from './util/table.js';

/** Limits in bytes (min+gzip) per bundle and bundler: `eager`, and for OIDC `beforeFirstTokenRequest`. */
type Budget = Record<string, Record<string, { eager: number; beforeFirstTokenRequest?: number }>>;

const budgetFile = fileURLToPath(new URL('../size-budget.json', import.meta.url));
const budget = (JSON.parse(readFileSync(budgetFile, 'utf8')) as { bundles: Budget }).bundles;

const results = await measureAll();
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
if (over > 0) {
  console.log(`\n${over} bundle(s) over budget (or failed to build). Limits: bench/size-budget.json.`);
  process.exit(1);
}
console.log(`\nall ${table.rows.length} sizes within budget (bench/size-budget.json)`);
