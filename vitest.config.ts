import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Tests run on each package's `src/` through the `@auth/source` export condition: no build first.
// The rest is Vite's default list for server code (`defaultServerConditions`).
const conditions = ['@auth/source', 'module', 'node', 'development|production'];

const workspaces = ['packages', 'apps', 'bench', 'reliability']
  .filter((root) => existsSync(root))
  .flatMap((root) =>
    root === 'bench' || root === 'reliability' ? [root] : readdirSync(root).map((name) => `${root}/${name}`),
  )
  .filter((dir) => existsSync(`${dir}/package.json`));

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // In CI, also a JSON report: .ci/run reads it to print the closing "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
    projects: workspaces.map((dir) => ({
      extends: true,
      test: {
        name: JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).name,
        root: dir,
        include: ['src/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 30_000,
      },
    })),
  },
});
