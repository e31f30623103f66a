// Measures what an app bundles from @auth/core (esbuild, minified, gzip) and checks that the API-key path
// does not bundle openid-client. Run: node packages/core/scripts/bundle-size.mjs
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const resolveDir = fileURLToPath(new URL('..', import.meta.url));

const apps = {
  'createAuth + apiKey': `import { createAuth, apiKey } from ${JSON.stringify(entry)};
    globalThis.auth = createAuth({ baseUrl: 'https://x.weaviate.cloud', credentials: apiKey('key') });`,
  'createAuth + oidcPassword (with openid-client)': `import { createAuth, oidcPassword } from ${JSON.stringify(entry)};
    globalThis.auth = createAuth({ baseUrl: 'https://x.weaviate.cloud', credentials: oidcPassword({ username: 'u', password: 'p' }) });`,
  'every export (with openid-client)': `import * as core from ${JSON.stringify(entry)}; globalThis.core = core;`,
};

const rows = [];
let failed = false;
for (const [name, contents] of Object.entries(apps)) {
  const result = await build({
    stdin: { contents, resolveDir, loader: 'ts', sourcefile: 'app.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  // Files that made it into the output (parsed-then-tree-shaken files have no bytes in it).
  const [output] = Object.values(result.metafile.outputs);
  const kept = Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0);
  const openid = kept.some(([path]) => path.includes('openid-client') || path.includes('oauth4webapi'));
  rows.push({
    app: name,
    'min (kB)': (code.length / 1024).toFixed(1),
    'min+gzip (kB)': (gzipSync(code, { level: 9 }).length / 1024).toFixed(1),
    'openid-client bundled': openid ? 'yes' : 'no',
  });
  if (name.includes('apiKey') && openid) failed = true;
}
console.table(rows);
if (failed) {
  console.error('The API-key app bundles openid-client: it must be imported lazily.');
  process.exit(1);
}
