import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const root = resolve(import.meta.dirname, '..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__test__') newest = Math.max(newest, newestSource(path));
    } else if (!entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** A publishable package whose `dist` is missing or older than its sources. */
function staleBuild(): string | undefined {
  for (const name of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.build === undefined) continue;
    const built = join(dir, 'dist/index.mjs');
    if (!existsSync(built) || statSync(built).mtimeMs < newestSource(join(dir, 'src'))) return name;
  }
  return undefined;
}

/**
 * vitest `globalSetup` of the projects whose tests run our packages as built (the CLI's bin, the README
 * examples): builds the project's workspace dependencies first when a `dist` is missing or older than its
 * sources, with turbo (cached). It runs once per run, before any test file, so two test files never build
 * at the same time; when `pnpm test` went through turbo, everything is built already and this does nothing.
 */
export default async function buildForTests(project: TestProject): Promise<void> {
  if (staleBuild() === undefined) return;
  // Through pnpm: turbo runs the packages' build scripts with the package manager, which must be on PATH.
  await promisify(execFile)(
    'npx',
    [
      '--yes',
      'pnpm@12.4.2',
      'exec',
      'turbo',
      'run',
      'build',
      `--filter=${project.name}...`,
      '--output-logs=errors-only',
    ],
    {
      cwd: root,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}
