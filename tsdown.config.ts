import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'tsdown';

/**
 * The one build config every publishable package uses (`tsdown -c ../../tsdown.config.ts`, run from the
 * package folder). ESM and CJS, each with its own declaration file (`.d.mts` / `.d.cts`).
 *
 * The entries come from the package's own `package.json`, so that a new subpath needs no change here: each
 * `exports` entry builds its `@auth/source` file to the path its `import` condition names
 * (`"./adapter": { "@auth/source": "./src/adapter/index.ts", "import": { "default": "./dist/adapter/index.mjs" } }`
 * builds `src/adapter/index.ts` to `dist/adapter/index.mjs`), and each `bin` (`./dist/cli.mjs`) builds
 * `src/cli.ts`.
 */
const pkg = process.cwd();

type Conditions = { '@auth/source'?: string; import?: { default?: string } };
const manifest = JSON.parse(readFileSync(resolve(pkg, 'package.json'), 'utf8')) as {
  name: string;
  exports?: Record<string, string | Conditions>;
  bin?: string | Record<string, string>;
};

/** `./dist/adapter/index.mjs` -> `adapter/index` (the output name tsdown gives the extensions to). */
const outputName = (file: string): string => {
  const match = /^\.\/dist\/(.+)\.mjs$/.exec(file);
  if (!match?.[1]) throw new Error(`${manifest.name}: cannot build ${file}: expected ./dist/<name>.mjs.`);
  return match[1];
};

const entry: Record<string, string> = {};
for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
  if (typeof target === 'string') continue; // ./package.json
  const source = target['@auth/source'];
  const output = target.import?.default;
  if (!source || !output) {
    throw new Error(`${manifest.name}: exports["${subpath}"] needs an "@auth/source" and an "import" file.`);
  }
  entry[outputName(output)] = resolve(pkg, source);
}
const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
for (const bin of bins) entry[outputName(bin)] = resolve(pkg, 'src', `${outputName(bin)}.ts`);

export default defineConfig({
  cwd: pkg,
  entry,
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
  unbundle: true,
  // One file per module: a constant that rolldown inlined from another module would leave a bare
  // `import "./lifetime.mjs"` behind, which esbuild (Vite's dependency optimizer among them) warns about in
  // every app that bundles us, because the package says it has no side effects.
  inputOptions: { optimization: { inlineConst: false } },
  // rolldown's timing notes ("significant time in plugin rolldown-plugin-dts") depend on the machine's load,
  // not on the code: a whole build takes seconds. Every other check stays on.
  checks: { pluginTimings: false },
});
