import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { rolldown } from 'rolldown';
import { fmtBytes } from '../util/stats.js';
import { newTable, type Table } from '../util/table.js';

const benchDir = fileURLToPath(new URL('../..', import.meta.url));
const repoDir = fileURLToPath(new URL('../../..', import.meta.url));

export type Bundler = 'rolldown' | 'esbuild';
export const bundlers: readonly Bundler[] = ['rolldown', 'esbuild'];

interface Entry {
  name: string;
  /** What a user's module would contain. */
  code: string;
  external: string[];
  group: 'ours' | 'peer' | 'context';
}

const allCredentials = 'createAuth, apiKey, oidcPassword, clientCredentials, bearerToken, tokenSource';

const adapters = [
  { pkg: '@auth/fetch', client: [] as string[] },
  { pkg: '@auth/axios', client: ['axios'] },
  { pkg: '@auth/ky', client: ['ky'] },
  { pkg: '@auth/graphql-request', client: ['graphql-request', 'graphql'] },
];

/** The row names the budget and the findings refer to. */
export const rows = {
  apiKey: '@auth/core: `createAuth` + `apiKey` only',
  oidcPassword: '@auth/core: `createAuth` + `oidcPassword`',
  everything: '@auth/core: every credential kind (OIDC included)',
  adapterAlone: (pkg: string) => `${pkg}: \`withAuth\` alone (core and client external)`,
  adapterWithKey: (pkg: string) => `${pkg} + core, \`apiKey\` only (client external)`,
} as const;

const entries: Entry[] = [
  {
    name: rows.apiKey,
    code: `export { createAuth, apiKey } from '@auth/core';`,
    external: [],
    group: 'ours',
  },
  {
    name: rows.oidcPassword,
    code: `export { createAuth, oidcPassword } from '@auth/core';`,
    external: [],
    group: 'ours',
  },
  {
    name: rows.everything,
    code: `export { ${allCredentials} } from '@auth/core';`,
    external: [],
    group: 'ours',
  },
  ...adapters.flatMap(({ pkg, client }): Entry[] => [
    {
      name: rows.adapterAlone(pkg),
      code: `export { withAuth } from '${pkg}';`,
      external: ['@auth/core', ...client],
      group: 'ours',
    },
    {
      name: rows.adapterWithKey(pkg),
      code: `export { withAuth } from '${pkg}';\nexport { createAuth, apiKey } from '@auth/core';`,
      external: client,
      group: 'ours',
    },
  ]),
  {
    name: 'axios-auth-refresh (axios external)',
    code: `export { createAuthRefresh } from 'axios-auth-refresh';`,
    external: ['axios'],
    group: 'peer',
  },
  {
    name: '@badgateway/oauth2-client: `OAuth2Client` + `OAuth2Fetch`',
    code: `export { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';`,
    external: [],
    group: 'peer',
  },
  { name: 'for scale: axios', code: `export { default } from 'axios';`, external: [], group: 'context' },
  { name: 'for scale: ky 1', code: `export { default } from 'ky';`, external: [], group: 'context' },
  { name: 'for scale: ky 2', code: `export { default } from 'ky2';`, external: [], group: 'context' },
  {
    name: 'for scale: graphql-request (graphql external)',
    code: `export { GraphQLClient } from 'graphql-request';`,
    external: ['graphql'],
    group: 'context',
  },
];

/** One emitted file of a bundle. */
export interface Chunk {
  file: string;
  /** `entry`: the app's own file; `static`: loaded with it; `lazy`: behind a dynamic import. */
  kind: 'entry' | 'static' | 'lazy';
  minified: number;
  gzip: number;
  /** The modules in it (package paths), for the notes. */
  modules: string[];
  /** The chunks it imports statically (loaded with it). */
  imports: string[];
}

export interface SizeResult {
  name: string;
  bundler: Bundler;
  chunks: Chunk[];
  /** Loaded when the app starts: the entry and every chunk it imports statically (min+gzip). */
  eager: number;
  /** Behind dynamic imports, loaded when first needed (min+gzip, all of them). */
  lazy: number;
  error?: string;
}

const gzip = (code: string | Uint8Array) => gzipSync(code, { level: 9 }).byteLength;
const shortModule = (path: string) =>
  path
    .replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '')
    .replace(/^.*packages\/([^/]+)\/dist\//, '@auth/$1/');

/** The chunks loaded with `files`: they and what they import statically, transitively. */
function loadedWith(chunks: Chunk[], files: string[]): Chunk[] {
  const byFile = new Map(chunks.map((chunk) => [chunk.file, chunk]));
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of byFile.get(file)?.imports ?? []) visit(next);
  };
  for (const file of files) visit(file);
  return chunks.filter((chunk) => seen.has(chunk.file));
}

const gzipOf = (chunks: Chunk[]) => chunks.reduce((n, chunk) => n + chunk.gzip, 0);

/** Marks the chunks loaded with the entry `static`, the others `lazy`; sums both. */
function totals(chunks: Chunk[]): { eager: number; lazy: number } {
  const eager = new Set(
    loadedWith(
      chunks,
      chunks.filter((c) => c.kind === 'entry').map((c) => c.file),
    ),
  );
  for (const chunk of chunks) if (chunk.kind !== 'entry') chunk.kind = eager.has(chunk) ? 'static' : 'lazy';
  return { eager: gzipOf([...eager]), lazy: gzipOf(chunks.filter((chunk) => !eager.has(chunk))) };
}

/** rolldown (Vite's bundler): ESM, code splitting, minified, the package's `import` condition (its dist/). */
async function withRolldown(entry: Entry, dir: string): Promise<Omit<SizeResult, 'name' | 'bundler'>> {
  const input = join(dir, 'app.mjs');
  writeFileSync(input, entry.code);
  const bundle = await rolldown({
    input,
    cwd: benchDir,
    platform: 'browser',
    external: entry.external.map((name) => new RegExp(`^${name}(/|$)`)),
    resolve: { conditionNames: ['browser', 'import', 'module', 'default'] },
    logLevel: 'silent',
  });
  try {
    const { output } = await bundle.generate({ format: 'esm', minify: true });
    const chunks: Chunk[] = [];
    for (const file of output) {
      if (file.type !== 'chunk') continue;
      chunks.push({
        file: file.fileName,
        kind: file.isEntry ? 'entry' : 'lazy',
        minified: Buffer.byteLength(file.code),
        gzip: gzip(file.code),
        modules: Object.keys(file.modules)
          .filter((m) => m !== input)
          .map(shortModule),
        imports: file.imports,
      });
    }
    return { chunks, ...totals(chunks) };
  } finally {
    await bundle.close();
  }
}

/** esbuild: ESM, code splitting, minified, the package's `import` condition (its dist/). */
async function withEsbuild(entry: Entry, dir: string): Promise<Omit<SizeResult, 'name' | 'bundler'>> {
  const result = await build({
    stdin: { contents: entry.code, resolveDir: benchDir, loader: 'js', sourcefile: 'app.js' },
    // Metafile paths are relative to this (the same whoever runs the bench).
    absWorkingDir: benchDir,
    bundle: true,
    splitting: true,
    outdir: join(dir, 'esbuild'),
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: entry.external.flatMap((name) => [name, `${name}/*`]),
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const chunks: Chunk[] = [];
  const outputs = Object.entries(result.metafile.outputs);
  const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  // The app's own chunk holds the stdin module (named by `sourcefile`, or `<stdin>`).
  const isApp = (inputs: object) => 'app.js' in inputs || '<stdin>' in inputs;
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    const meta = outputs.find(([out]) => basename(out) === name)?.[1];
    chunks.push({
      file: name,
      kind: meta && isApp(meta.inputs) ? 'entry' : 'lazy',
      minified: file.contents.byteLength,
      gzip: gzip(file.contents),
      modules: Object.keys(meta?.inputs ?? {})
        .filter((m) => m !== 'app.js' && m !== '<stdin>')
        .map(shortModule),
      imports: (meta?.imports ?? [])
        .filter((i) => i.kind === 'import-statement' && !i.external)
        .map((i) => basename(i.path)),
    });
  }
  return { chunks, ...totals(chunks) };
}

/** Bundles one entry the way an app would, with each bundler, and sizes every emitted chunk. */
export async function measureEntry(entry: Entry, bundler: Bundler): Promise<SizeResult> {
  // Inside the bench package, so that the app's imports resolve as they would in a project.
  const dir = mkdtempSync(join(benchDir, '.size-'));
  try {
    const measured = await (bundler === 'rolldown' ? withRolldown(entry, dir) : withEsbuild(entry, dir));
    return { name: entry.name, bundler, ...measured };
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    return { name: entry.name, bundler, chunks: [], eager: Number.NaN, lazy: Number.NaN, error: message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our packages are measured from their published shape: `dist/` must be built. */
export function assertBuilt(): void {
  for (const pkg of ['core', 'fetch', 'axios', 'ky', 'graphql-request']) {
    if (!existsSync(join(repoDir, 'packages', pkg, 'dist', 'index.mjs'))) {
      throw new Error(
        `packages/${pkg}/dist is missing: sizes are measured on the built packages. Run \`pnpm build\` first.`,
      );
    }
  }
}

/** Every entry with every bundler. */
export async function measureAll(): Promise<SizeResult[]> {
  assertBuilt();
  const results: SizeResult[] = [];
  for (const entry of entries)
    for (const bundler of bundlers) results.push(await measureEntry(entry, bundler));
  return results;
}

/** The chunk of the token manager, which an OIDC credential loads at its first `authorize()`. */
const isTokenManager = (chunk: Chunk) => chunk.modules.some((m) => m.endsWith('/token-manager.mjs'));

/**
 * What an OIDC app loads before its first token request: the eager chunks, and the token manager's chunk
 * with what it imports (loaded at the first `authorize()`). Not the chunks the manager loads at its first
 * token request (the token-request code, the OIDC code and openid-client).
 */
export function beforeFirstTokenRequest(result: SizeResult): number {
  const files = result.chunks.filter((c) => c.kind === 'entry' || isTokenManager(c)).map((c) => c.file);
  return gzipOf(loadedWith(result.chunks, files));
}

export async function runSize(): Promise<Table> {
  const table = newTable(
    'size',
    'Bundle size (min + gzip, every emitted chunk)',
    'Each row is a one-line module that re-exports what an app would import, bundled from the **published ' +
      'shape** (`dist/`, the `import` condition) with code splitting, minified, ESM, for the browser, by ' +
      "rolldown (Vite 8's bundler) and by esbuild, then gzipped (level 9, each chunk on its own). **Eager** is " +
      'what loads with the app: the entry chunk and every chunk it imports statically. **Lazy** is every chunk ' +
      "behind a dynamic import (our token manager, loaded at an auth object's first `authorize()` unless the " +
      'credential is a static API key; the code that requests tokens (single flight, retries, the grants) and ' +
      'the OIDC code with openid-client, loaded together at the first token request). ' +
      'Peers are measured from their own published builds the same way. "External" means the import is left ' +
      'out (the app ships it already).',
    ['Bundle', 'bundler', 'eager', 'lazy', 'chunks'],
  );
  const results = await measureAll();
  for (const result of results) {
    const key = `${result.name} [${result.bundler}]`;
    table.rows.push([
      result.name,
      result.bundler,
      result.error ? `failed: ${result.error}` : fmtBytes(result.eager),
      result.error ? '' : result.lazy > 0 ? fmtBytes(result.lazy) : '-',
      result.error ? '' : String(result.chunks.length),
    ]);
    table.data[key] = result.eager;
    table.data[`${key} lazy`] = result.lazy;
    if (result.name === rows.oidcPassword) {
      table.data[`${key} before first token request`] = beforeFirstTokenRequest(result);
    }
  }
  for (const result of results.filter((r) => r.name === rows.oidcPassword && !r.error)) {
    table.notes.push(
      `\`createAuth\` + \`oidcPassword\` (${result.bundler}): ${fmtBytes(beforeFirstTokenRequest(result))} ` +
        'load before the first token request (eager + the token manager); chunks: ' +
        result.chunks
          .map(
            (c) =>
              `${c.kind} ${fmtBytes(c.gzip)} (${c.modules
                .filter((m) => !m.includes('/jose/'))
                .slice(0, 6)
                .join(', ')}${c.modules.length > 6 ? ', ...' : ''})`,
          )
          .join('; '),
    );
  }
  return table;
}
