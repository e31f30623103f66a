import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startRedisServer, startWeaviateServer, type WeaviateServer } from '@auth/testing';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticMessage } from './diagnostics.js';
import {
  findPackageSources,
  findReadmes,
  partialHarness,
  type ReadmeBlock,
  readmeBlocks,
  tsdocBlocks,
} from './readme-blocks.js';

// Every `ts` and `js` block of every README, as a reader would use it: compiled strict with `nodenext`
// against the packages as built (their published `exports` and types), then run with plain Node against
// the embedded server. Blocks are written as they would be against a real cluster; the harness below is
// everything the test adds, in one place.

const docs = fileURLToPath(new URL('..', import.meta.url));
const root = dirname(docs);
const out = join(docs, '.examples');

/** The example URLs of the READMEs, all pointed at the embedded server. */
const EXAMPLE_ORIGINS = ['https://my-cluster.weaviate.cloud', 'http://localhost:8080'];

/** A reader's strict `nodenext` project (`tsc --init` with Node's types), not this repository's settings. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  allowJs: true,
  checkJs: true,
  rootDir: out,
  outDir: join(out, 'js'),
};

/**
 * Appended to a block that makes an `auth` and leaves it open: that `auth` must really work against the
 * embedded server (a wrong client id or user name fails here, not in a reader's first request).
 */
const CHECK_AUTH = `
// Added by the README test.
{
  const url = new URL('/v1/meta', auth.baseUrl);
  if (url.origin === process.env.README_TEST_SERVER) {
    const response = await fetch(url, { headers: await auth.authorize(url) });
    if (response.status !== 200) throw new Error(\`GET /v1/meta with this block's auth answered \${response.status}\`);
  }
  await auth.close();
}
`;

// The README blocks, then the TSDoc examples of the packages' sources (compiled in the same program, not run).
const blocks = [
  ...findReadmes(root).flatMap((readme) => readmeBlocks(root, readme)),
  ...findPackageSources(root).flatMap((source) => tsdocBlocks(root, source)),
];

let server: WeaviateServer;
let redis: RedisServer;
let env: Record<string, string>;
let problems: Map<string, string[]>;

function fileOf(block: ReadmeBlock): string {
  const slug =
    block.readme
      .replace(/\/?README\.md$/, '')
      .replace(/\.ts$/, '')
      .replace(/[^a-z0-9]+/gi, '-') || 'root';
  const test = block.mode.kind === 'test-file' ? '.test' : '';
  return join(out, `${slug}-${block.line}${test}.${block.language}`);
}

function sourceOf(block: ReadmeBlock): string {
  const harnessName =
    block.mode.kind === 'partial' || block.mode.kind === 'compile-only' ? block.mode.harness : undefined;
  const harness = harnessName ? `${partialHarness(docs, harnessName)}\n` : '';
  // A reader's `ky` is ky 1 there: docs depends on it as `ky1`.
  const code = block.mode.kind === 'ky1' ? block.code.replaceAll("from 'ky'", "from 'ky1'") : block.code;
  const checks =
    block.mode.kind !== 'test-file' &&
    /^const auth = /m.test(block.code) &&
    !/\bauth\.close\(\)/.test(block.code);
  return `${harness}${code}${checks ? CHECK_AUTH : ''}`;
}

/** Compiles every block in one program; the messages of each file, by file. */
function compile(files: string[]): Map<string, string[]> {
  const program = ts.createProgram(files, COMPILER_OPTIONS);
  const byFile = new Map<string, string[]>();
  for (const diagnostic of [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics]) {
    const { file, text } = diagnosticMessage(ts, diagnostic, root, '\n');
    byFile.set(file, [...(byFile.get(file) ?? []), text]);
  }
  return byFile;
}

/** Runs `node args` in the examples folder; resolves with the exit code and everything it printed. */
function node(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: out,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not finish within 30 s:\n${output}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

beforeAll(async () => {
  // The users, clients and scopes the READMEs name exist on the embedded server; secrets come from the
  // environment, as the blocks read them.
  const password = randomBytes(12).toString('base64url');
  const clientSecret = randomBytes(12).toString('base64url');
  server = await startWeaviateServer({
    users: ['admin', 'alice', 'me@example.com'].map((username) => ({
      username,
      password,
      role: 'admin' as const,
    })),
    clients: [{ clientId: 'my-service', clientSecret, role: 'admin' }],
    scopes: ['openid', 'email', 'api://weaviate/.default'],
  });
  redis = await startRedisServer();
  // graphql-request's README counts the objects of an Article class (and says so).
  const seeded = await fetch(`${server.url}/v1/objects`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.keys.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ class: 'Article', properties: { title: 'Hello' } }),
  });
  if (seeded.status !== 200) throw new Error(`could not create the Article class (HTTP ${seeded.status})`);
  const tokens = await server.issueTokens();
  env = {
    README_TEST_SERVER: server.url,
    WEAVIATE_API_KEY: server.keys.admin,
    EXAMPLE_API_KEY: server.keys.readOnly,
    WEAVIATE_READ_ONLY_KEY: server.keys.readOnly,
    WEAVIATE_USERNAME: 'admin',
    WEAVIATE_PASSWORD: password,
    PASSWORD: password,
    WCD_USER: 'admin',
    WCD_PASSWORD: password,
    WEAVIATE_ACCESS_TOKEN: tokens.accessToken,
    WEAVIATE_REFRESH_TOKEN: tokens.refreshToken,
    CLIENT_SECRET: clientSecret,
    REDIS_URL: redis.url,
    TOKEN_STORE_KEY: randomBytes(32).toString('base64'),
  };

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // Imports end the module, then the process: a block may leave a client open, as a long-running service would.
  writeFileSync(
    join(out, 'run.mjs'),
    'await import(new URL(process.argv[2], import.meta.url).href);\nprocess.exit(0);\n',
  );
  writeFileSync(join(out, 'vitest.config.mjs'), 'export default { test: {} };\n');
  for (const block of blocks) writeFileSync(fileOf(block), sourceOf(block));
  problems = compile(blocks.map(fileOf));
  // The compiled blocks talk to the embedded server instead of the READMEs' example hosts.
  for (const block of blocks) {
    const js = join(out, 'js', relative(out, fileOf(block)).replace(/\.ts$/, '.js'));
    let text = readFileSync(js, 'utf8');
    for (const origin of EXAMPLE_ORIGINS) text = text.replaceAll(origin, server.url);
    writeFileSync(js, text);
  }
}, 120_000);

afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

describe('README examples', () => {
  it('finds the blocks of every README and the TSDoc examples of the sources', () => {
    const readmes = blocks.filter((block) => block.readme.endsWith('README.md'));
    expect(new Set(readmes.map((block) => block.readme)).size).toBeGreaterThan(5);
    expect(blocks.length - readmes.length).toBeGreaterThan(80);
    expect(problems.get('(program)') ?? []).toEqual([]);
  });

  for (const block of blocks) {
    const what =
      block.mode.kind === 'compile-only' ? `compiles (not run: ${block.mode.reason})` : 'compiles and runs';
    it(`${block.readme}:${block.line} (${block.heading}) ${what}`, async () => {
      const file = fileOf(block);
      expect(problems.get(file) ?? [], 'compiles strict with nodenext').toEqual([]);
      if (block.mode.kind === 'compile-only') return; // its reason is in the marker (see readme-blocks.ts)
      const compiled = relative(out, join(out, 'js', relative(out, file).replace(/\.ts$/, '.js')));
      const run =
        block.mode.kind === 'test-file'
          ? await node([
              vitestBin(),
              'run',
              relative(out, file),
              '--root',
              out,
              '--config',
              'vitest.config.mjs',
            ])
          : await node(['run.mjs', `./${compiled}`]);
      expect(run.code, run.output).toBe(0);
    }, 60_000);
  }
});

function vitestBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
}
