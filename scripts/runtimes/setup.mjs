// What `pnpm test:runtimes` needs before it runs anything: the runtimes (from the npm registry, installed
// once into a cache folder that later runs reuse), and a throwaway consumer project with the packed
// tarballs and their registry dependencies, installed as a user would.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = resolve(import.meta.dirname, '../..');

/**
 * Each runtime (or set of tools) is one npm project in the cache, `<cache>/<name>`; its binaries ship inside
 * registry packages. Pinned, so that a run is repeatable and the cache stays valid; `npm` runs under
 * `nodeFor`'s Node (miniflare 4 wants Node 22+).
 */
export const INSTALLS = {
  'node-20': { packages: ['node@20.19.0'] },
  'node-22': { packages: ['node@22.23.3'] },
  'node-24': { packages: ['node@24.21.0'] },
  'node-26': { packages: ['node@26.10.0'] },
  bun: { packages: ['bun@1.4.5'] },
  deno: { packages: ['deno@2.9.6'] },
  tools: {
    packages: ['miniflare@4.20260730.0', 'esbuild@0.28.2', 'playwright-core@1.65.1'],
    nodeFor: 'node-24',
  },
};

/** The packages installed into the consumer project from their packed tarballs. */
const PACKAGES = ['core', 'fetch', 'axios', 'ky', 'graphql-request', 'redis-store', 'testing'];

/** The consumer's registry dependencies beside the tarballs: the HTTP clients the adapters wrap. */
const REGISTRY_DEPENDENCIES = {
  axios: '^1.12.0',
  ky: '^2.1.0',
  ky1: 'npm:ky@^1.14.0',
  'graphql-request': '^7.0.0',
  graphql: '^16.9.0',
};

export const cacheDir = process.env.RUNTIMES_CACHE ?? join(homedir(), '.cache', 'auth-toolkit-runtimes');

/** The folder of an install's binaries (`node`, `bun`, `deno`, `miniflare`...). */
export const binDir = (name) => join(cacheDir, name, 'node_modules', '.bin');

/** The npm of this machine, under the given Node (its folder first on PATH). */
async function npm(args, cwd, nodeBin) {
  const env = { ...process.env, npm_config_update_notifier: 'false' };
  if (nodeBin) env.PATH = `${nodeBin}${delimiter}${env.PATH}`;
  for (const key of Object.keys(env)) if (/^npm_(package|lifecycle)_/.test(key)) delete env[key];
  return run('npm', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Installs those of `names` (and what they need) that the cache lacks (an install whose pinned packages
 * changed is made again), in parallel. Resolves with the names it installed.
 */
export async function ensureRuntimes(names) {
  const wanted = new Set(names);
  for (const name of names) if (INSTALLS[name].nodeFor) wanted.add(INSTALLS[name].nodeFor);
  const pending = Object.entries(INSTALLS).filter(([name, { packages }]) => {
    if (!wanted.has(name)) return false;
    const marker = join(cacheDir, name, '.installed');
    return !existsSync(marker) || readFileSync(marker, 'utf8') !== packages.join('\n');
  });
  // Node first: the tools' npm runs under one of them.
  const order = [
    pending.filter(([, install]) => !install.nodeFor),
    pending.filter(([, install]) => install.nodeFor),
  ];
  for (const group of order) {
    await Promise.all(
      group.map(async ([name, { packages, nodeFor }]) => {
        // Installed beside the cache entry, then renamed into place: a run that stops half-way, or another
        // run installing at the same time, never leaves a half-made entry behind.
        const dir = join(cacheDir, name);
        const making = `${dir}.${process.pid}`;
        rmSync(making, { recursive: true, force: true });
        mkdirSync(making, { recursive: true });
        writeFileSync(join(making, 'package.json'), '{ "private": true }\n');
        try {
          await npm(
            ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages],
            making,
            nodeFor && binDir(nodeFor),
          );
        } catch (error) {
          rmSync(making, { recursive: true, force: true });
          throw new Error(`could not install ${packages.join(' ')}:\n${error.stderr ?? error.message}`);
        }
        writeFileSync(join(making, '.installed'), packages.join('\n'));
        rmSync(dir, { recursive: true, force: true });
        renameSync(making, dir);
      }),
    );
  }
  return pending.map(([name]) => name);
}

/** Which ky `npm install ky` picks under the Node of `install` (npm skips versions whose `engines` refuse it). */
export async function kyThatNpmInstalls(install) {
  const dir = mkdtempSync(join(tmpdir(), 'auth-runtimes-ky-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    const { stdout } = await npm(
      ['install', 'ky', '--dry-run', '--no-audit', '--no-fund'],
      dir,
      binDir(install),
    );
    return /^add ky (\S+)$/m.exec(stdout)?.[1];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The packages that the tarballs bring into the consumer project (their dependencies, transitively; not the
 * consumer's own HTTP clients) whose `engines.node` refuses Node `version`, as `name@version (range)`.
 */
export function enginesRefusing(consumer, version) {
  const tools = createRequire(join(cacheDir, 'tools', 'package.json'));
  const semver = tools('semver');
  const refusing = [];
  const seen = new Set();
  const visit = (from, name) => {
    const dir = packageDir(from, name);
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const range = manifest.engines?.node;
    if (range && !semver.satisfies(version, range))
      refusing.push(`${manifest.name}@${manifest.version} (${range})`);
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      visit(dir, dependency);
    }
  };
  for (const name of Object.keys(
    JSON.parse(readFileSync(join(consumer, 'package.json'), 'utf8')).dependencies,
  )) {
    if (name.startsWith('@auth/')) visit(consumer, name);
  }
  return refusing;
}

/** Where Node finds package `name` from folder `from` (its node_modules, then each parent's). */
function packageDir(from, name) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Stops with a clear message when a package has not been built (the tarballs pack dist/). */
export function assertBuilt() {
  const missing = PACKAGES.filter((name) => !existsSync(join(root, 'packages', name, 'dist', 'index.mjs')));
  if (missing.length > 0) {
    throw new Error(
      `not built: ${missing.map((name) => `packages/${name}`).join(', ')}. Run \`pnpm build\` first.`,
    );
  }
}

/**
 * Packs every runtime package (`pnpm pack`, as it will be published: publishConfig applied, `workspace:`
 * ranges rewritten) into a new throwaway project, installs the tarballs with their registry dependencies, and
 * copies the scenario and entries beside them. Resolves with the project's folder.
 */
export async function makeConsumer() {
  const consumer = mkdtempSync(join(tmpdir(), 'auth-runtimes-'));
  const tarballs = join(consumer, 'tarballs');
  mkdirSync(tarballs);
  const dependencies = {};
  for (const name of PACKAGES) {
    const dir = join(root, 'packages', name);
    const before = new Set(readdirSync(tarballs));
    await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
    const file = readdirSync(tarballs).find((entry) => !before.has(entry));
    const { name: pkg } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    dependencies[pkg] = `file:./tarballs/${file}`;
  }
  // The tarballs depend on each other by version range (`@auth/core: ^0.0.0`): the overrides make every one
  // of them the local tarball, never a registry package of that name.
  const overrides = Object.fromEntries(Object.keys(dependencies).map((pkg) => [pkg, `$${pkg}`]));
  const manifest = {
    name: 'auth-runtimes-consumer',
    private: true,
    type: 'module',
    dependencies: { ...dependencies, ...REGISTRY_DEPENDENCIES },
    overrides,
  };
  writeFileSync(join(consumer, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  try {
    await npm(['install', '--no-audit', '--no-fund', '--loglevel=error'], consumer);
  } catch (error) {
    throw new Error(`npm install in ${consumer} failed:\n${error.stderr ?? error.message}`);
  }
  const here = import.meta.dirname;
  cpSync(join(here, 'scenario.mjs'), join(consumer, 'scenario.mjs'));
  for (const entry of readdirSync(join(here, 'entries'))) {
    cpSync(join(here, 'entries', entry), join(consumer, entry));
  }
  return consumer;
}
