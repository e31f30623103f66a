#!/usr/bin/env node
// Packs every publishable package the way it will be published (`pnpm pack`, which applies `publishConfig`
// and rewrites `workspace:` ranges), then runs `publint --strict` and `attw` on that tarball.
// Run under pnpm (`npx pnpm@12.4.2 check:packages`) so that `pnpm` is on PATH. Build first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const out = join(root, '.pack');
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

const failures = [];
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  if (pkg.private) continue;
  console.log(`\n== ${pkg.name}`);
  const before = new Set(readdirSync(out));
  execFileSync('pnpm', ['pack', '--pack-destination', out], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = join(
    out,
    readdirSync(out).find((file) => !before.has(file)),
  );
  for (const [tool, args] of [
    ['publint', ['run', tarball, '--strict']],
    ['attw', [tarball, '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { cwd: dir, stdio: 'inherit' });
    } catch {
      failures.push(`${pkg.name}: ${tool}`);
    }
  }
}
rmSync(out, { recursive: true, force: true });
if (failures.length > 0) {
  console.error(`\npackage checks failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('\nall packages pass publint --strict and attw');
