import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'tsdown';

/**
 * The one build config every publishable package uses (`tsdown -c ../../tsdown.config.ts`, run from the
 * package folder). ESM and CJS, each with its own declaration file (`.d.mts` / `.d.cts`). A package with a
 * `src/cli.ts` also gets it built, for its `bin`.
 */
const pkg = process.cwd();

export default defineConfig({
  cwd: pkg,
  entry: ['src/index.ts', ...(existsSync(resolve(pkg, 'src/cli.ts')) ? ['src/cli.ts'] : [])].map((file) =>
    resolve(pkg, file),
  ),
  outDir: resolve(pkg, 'dist'),
  tsconfig: resolve(pkg, 'tsconfig.json'),
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'neutral',
  // Node's built-ins stay imports (core uses none; testing, redis-store and the CLI run on Node only).
  // Naming them here says so; left to the neutral platform they are kept all the same, with a warning each.
  deps: { neverBundle: [/^node:/] },
  target: 'node20',
  sourcemap: false,
  clean: true,
  fixedExtension: true,
  treeshake: true,
  // rolldown's timing notes ("significant time in plugin rolldown-plugin-dts") depend on the machine's load,
  // not on the code: a whole build takes seconds. Every other check stays on.
  checks: { pluginTimings: false },
});
