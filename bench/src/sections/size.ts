import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { fmtBytes } from '../util/stats.js';
import { newTable, type Table } from '../util/table.js';

const benchDir = fileURLToPath(new URL('../..', import.meta.url));

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

const entries: Entry[] = [
  {
    name: '@auth/core: `createAuth` + `apiKey` only',
    code: `export { createAuth, apiKey } from '@auth/core';`,
    external: [],
    group: 'ours',
  },
  {
    name: '@auth/core: every credential kind (OIDC included)',
    code: `export { ${allCredentials} } from '@auth/core';`,
    external: [],
    group: 'ours',
  },
  ...adapters.flatMap(({ pkg, client }): Entry[] => [
    {
      name: `${pkg}: \`withAuth\` alone (core and client external)`,
      code: `export { withAuth } from '${pkg}';`,
      external: ['@auth/core', ...client],
      group: 'ours',
    },
    {
      name: `${pkg} + core, \`apiKey\` only (client external)`,
      code: `export { withAuth } from '${pkg}';\nexport { createAuth, apiKey } from '@auth/core';`,
      external: client,
      group: 'ours',
    },
    {
      name: `${pkg} + core, every credential kind (client external)`,
      code: `export { withAuth } from '${pkg}';\nexport { ${allCredentials} } from '@auth/core';`,
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

export interface SizeResult {
  name: string;
  minified: number;
  gzip: number;
  error?: string;
}

/** Bundles one entry the way an app would (esbuild, ESM, minified) and gzips it. */
export async function measureEntry(entry: Entry): Promise<SizeResult> {
  try {
    const result = await build({
      stdin: { contents: entry.code, resolveDir: benchDir, loader: 'js', sourcefile: 'app.js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@auth/source'],
      external: entry.external,
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
    });
    const output = result.outputFiles[0];
    if (!output) throw new Error('esbuild produced no output');
    return {
      name: entry.name,
      minified: output.contents.byteLength,
      gzip: gzipSync(output.contents, { level: 9 }).byteLength,
    };
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    return { name: entry.name, minified: Number.NaN, gzip: Number.NaN, error: message };
  }
}

export async function runSize(): Promise<Table> {
  const table = newTable(
    'size',
    'Bundle size (esbuild, min + gzip)',
    'Each row is a one-line module that re-exports what an app would import, bundled with esbuild ' +
      '(`bundle`, `minify`, `format: esm`, `platform: browser`, target es2022) and gzipped with `node:zlib` ' +
      '(level 9). Our packages are bundled from their TypeScript sources (the `@auth/source` condition); peers ' +
      'from their published builds. "External" means the import is left out of the bundle (the app already ' +
      'ships it).',
    ['Bundle', 'min', 'min+gzip'],
  );
  for (const entry of entries) {
    const result = await measureEntry(entry);
    table.rows.push([
      result.name,
      result.error ? `failed: ${result.error}` : fmtBytes(result.minified),
      result.error ? '' : fmtBytes(result.gzip),
    ]);
    table.data[result.name] = result.gzip;
  }
  return table;
}
