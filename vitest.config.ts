import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run on each package's `src/` through the `@auth/source` export condition: no build first.
// The rest is Vite's default list for server code (`defaultServerConditions`).
const conditions = ['@auth/source', 'module', 'node', 'development|production'];

// One vitest run for the whole repository (`pnpm test`), a project per package: `vitest run --project
// @auth/fetch` runs one package's tests. On 2 cores it runs one test file at a time (vitest's default of
// cores - 1 workers): several at once made timing-sensitive tests fail (reliability's faults and soak, the
// fleet storm). Absolute, so that vitest started from a package folder finds the same projects.
const repo = fileURLToPath(new URL('.', import.meta.url));
const workspaces = ['packages', 'apps', 'bench', 'reliability', 'docs']
  .map((folder) => join(repo, folder))
  .filter((folder) => existsSync(folder))
  .flatMap((folder) =>
    existsSync(join(folder, 'package.json'))
      ? [folder]
      : readdirSync(folder).map((name) => join(folder, name)),
  )
  .filter((dir) => existsSync(join(dir, 'package.json')));

// Their tests run our packages as built (the CLI's bin; the README examples), so those are built first.
const builtForTests = new Set(['@auth/cli', '@auth/docs']);

export default defineConfig({
  root: repo,
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // In CI, also a JSON report: .ci/run reads it to print the closing "N passed, N failed" line, and
    // `pnpm check:references` checks the tests RELIABILITY.md and INTEROP.md cite against it.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
    projects: workspaces.map((dir) => {
      const name: string = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
      return {
        extends: true,
        test: {
          name,
          root: dir,
          include: ['src/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          ...(builtForTests.has(name) ? { globalSetup: [join(repo, 'scripts/build-for-tests.ts')] } : {}),
        },
      };
    }),
  },
});
