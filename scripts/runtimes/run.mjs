#!/usr/bin/env node
// `pnpm test:runtimes`: the packages as a user installs them (packed tarballs in a throwaway project), tried
// in every runtime they claim: Node 20.19 (the oldest `engines` allows), 22, 24 and 26, Bun, Deno, Cloudflare's
// workerd (through miniflare) and Chromium. Each runtime runs the same scenario (scenario.mjs) against an
// embedded Weaviate-compatible server of its own, started here from the packed @auth/testing; the runtimes
// with a process must then exit by themselves; the runtimes core's README has an example for run that
// example. Prints one line per runtime, `<runtime> <version>  N of M checks hold`, and fails when a check fails.
//
// The runtimes come from the npm registry (binaries inside registry packages) and are kept in a cache folder
// that later runs reuse: RUNTIMES_CACHE, by default ~/.cache/auth-toolkit-runtimes. Build first (`pnpm build`);
// run under pnpm (`pnpm test:runtimes`), which puts `pnpm` on PATH for `pnpm pack`.
//
// Options: RUNTIMES_ONLY=workerd,deno runs some rows; RUNTIMES_CONCURRENCY (default 3) how many at once;
// RUNTIMES_KEEP=1 keeps the consumer project (its path is printed); RUNTIMES_VERBOSE=1 lists every check.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pointedAt, runtimeExamples } from './examples.mjs';
import { startServers } from './servers.mjs';
import {
  assertBuilt,
  binDir,
  cacheDir,
  enginesRefusing,
  ensureRuntimes,
  kyThatNpmInstalls,
  makeConsumer,
  root,
} from './setup.mjs';

/** Access tokens live this long (s): each runtime waits past it once, to see a refresh. */
const LIFETIME = 2;
/** How long a row may take in all, and how long a process may take to exit once it printed its result (ms). */
const ROW_LIMIT = 120_000;
const EXIT_LIMIT = 5_000;

const drivers = join(import.meta.dirname, 'drivers');
const node = (install) => join(binDir(install), 'node');

/**
 * The rows. `command(consumer)` runs the scenario and prints `@@result {...}`; `exits`: a process that must
 * exit by itself; `example`: core README's example for this runtime, run by `runExample` (or by the driver);
 * `npmKy`: the ky major that `npm install ky` gives on this Node, as ky's README says; `ky2: false`: a
 * runtime ky 2 does not support; `oldest`: the oldest Node the packages' `engines` accept, which every
 * dependency they bring must accept too.
 */
const ROWS = [
  {
    name: 'node',
    install: 'node-20',
    command: () => [node('node-20'), ['process.mjs']],
    exits: true,
    ky2: false,
    npmKy: 1,
    oldest: true,
  },
  {
    name: 'node',
    install: 'node-22',
    command: () => [node('node-22'), ['process.mjs']],
    exits: true,
    npmKy: 2,
  },
  {
    name: 'node',
    install: 'node-24',
    command: () => [node('node-24'), ['process.mjs']],
    exits: true,
    npmKy: 2,
  },
  {
    name: 'node',
    install: 'node-26',
    command: () => [node('node-26'), ['process.mjs']],
    exits: true,
    npmKy: 2,
  },
  {
    name: 'bun',
    command: () => [join(binDir('bun'), 'bun'), ['process.mjs']],
    exits: true,
    example: { name: 'bun', run: () => [join(binDir('bun'), 'bun'), ['readme-bun.ts']] },
  },
  {
    name: 'deno',
    command: () => [
      join(binDir('deno'), 'deno'),
      ['run', '--allow-env', '--allow-net', '--allow-read', 'process.mjs'],
    ],
    exits: true,
    example: {
      name: 'deno',
      // The flags the README names.
      run: () => [
        join(binDir('deno'), 'deno'),
        ['run', '--allow-net', '--allow-env=WEAVIATE_API_KEY', 'readme-deno.ts'],
      ],
    },
  },
  {
    name: 'workerd',
    command: () => [node('node-24'), [join(drivers, 'workerd.mjs')]],
    example: { name: 'worker' },
  },
  {
    name: 'chromium',
    command: () => [node('node-24'), [join(drivers, 'chromium.mjs')]],
    example: { name: 'browser' },
  },
].map((row) => ({
  ...row,
  id: row.install ?? row.name,
  // The installs a row runs: its own, and the tools (semver, esbuild, miniflare, playwright-core).
  needs: [row.install ?? (['bun', 'deno'].includes(row.name) ? row.name : 'node-24'), 'tools'],
}));

/** Runs a command; resolves with its output, exit code, and whether it exited in time after `@@result`. */
function runRow(command, args, { cwd, env, exits }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let result;
    let exitTimer;
    let exitedInTime = true;
    const rowTimer = setTimeout(() => {
      stderr += `\n(killed: no end within ${ROW_LIMIT / 1000} s)`;
      child.kill('SIGKILL');
    }, ROW_LIMIT);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = /^@@result (.*)\n/m.exec(stdout);
      if (match && !result) {
        result = JSON.parse(match[1]);
        if (exits) {
          exitTimer = setTimeout(() => {
            exitedInTime = false;
            child.kill('SIGKILL');
          }, EXIT_LIMIT);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(rowTimer);
      clearTimeout(exitTimer);
      resolve({ result, code, signal, exitedInTime, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** Core README's example for a runtime with a process: it runs, exits 0, and its request reached the server. */
async function runExample(row, consumer, servers) {
  const name = `core README's ${row.example.name === 'bun' ? 'Bun' : 'Deno'} example`;
  const config = servers.configs[row.id];
  const before = (await servers.stats(row.id)).paths['/v1/meta'][200];
  const [command, args] = row.example.run();
  const run = await runRow(command, args, { cwd: consumer, env: { WEAVIATE_API_KEY: config.keys.admin } });
  const answered = (await servers.stats(row.id)).paths['/v1/meta'][200] - before;
  const ok = run.code === 0 && answered >= 1;
  return {
    name,
    ok,
    ...(ok ? {} : { detail: `exit ${run.code}, ${answered} answer(s) 200: ${run.output.slice(-800)}` }),
  };
}

async function main() {
  const started = Date.now();
  const only = process.env.RUNTIMES_ONLY?.split(',').map((name) => name.trim());
  const rows = ROWS.filter((row) => !only || only.includes(row.id) || only.includes(row.name));
  if (rows.length === 0) throw new Error(`RUNTIMES_ONLY=${process.env.RUNTIMES_ONLY} names no runtime`);
  assertBuilt();

  const needs = rows.flatMap((row) => row.needs);
  const [installed, consumer] = await Promise.all([ensureRuntimes(needs), makeConsumer()]);
  console.log(
    `runtimes in ${cacheDir}${installed.length ? ` (installed now: ${installed.join(', ')})` : ' (cached)'}; ` +
      `consumer project ${consumer}; ready after ${seconds(started)}`,
  );
  const examples = runtimeExamples(root);
  const servers = await startServers(
    consumer,
    rows.map((row) => row.id),
    LIFETIME,
  );
  const results = new Map();
  try {
    for (const row of rows) {
      const config = servers.configs[row.id];
      if (row.example) {
        const code = examples[row.example.name];
        if (!code) throw new Error(`core's README has no <!-- runtime: ${row.example.name} --> example`);
        writeFileSync(join(consumer, `readme-${row.example.name}.ts`), pointedAt(code, config.url));
      }
    }
    const queue = [...rows];
    const concurrency = Number(process.env.RUNTIMES_CONCURRENCY ?? 3);
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let row = queue.shift(); row; row = queue.shift()) {
          const rowStarted = Date.now();
          const config = { ...servers.configs[row.id], ky2: row.ky2 !== false };
          const [command, args] = row.command(consumer);
          const run = await runRow(command, args, {
            cwd: consumer,
            env: { RUNTIME_CONFIG: JSON.stringify(config), RUNTIMES_TOOLS: join(cacheDir, 'tools') },
            exits: row.exits,
          });
          const checks = run.result?.checks ?? [
            {
              name: 'runs the scenario',
              ok: false,
              detail: `exit ${run.code ?? run.signal}: ${run.output.slice(-1500)}`,
            },
          ];
          if (row.exits && run.result) {
            checks.push({
              name: 'exits by itself once its auth objects are closed',
              ok: run.exitedInTime && run.code === 0,
              ...(run.exitedInTime && run.code === 0
                ? {}
                : {
                    detail: run.exitedInTime
                      ? `exit ${run.code}: ${run.output.slice(-800)}`
                      : `still running ${EXIT_LIMIT / 1000} s later`,
                  }),
            });
          }
          if (row.example?.run) checks.push(await runExample(row, consumer, servers));
          if (row.oldest && run.result) {
            const refusing = enginesRefusing(consumer, run.result.version);
            checks.push({
              name: `every dependency the packages bring accepts Node ${run.result.version} (engines)`,
              ok: refusing.length === 0,
              detail: `refused by ${refusing.join(', ')}`,
            });
          }
          if (row.npmKy) {
            const version = await kyThatNpmInstalls(row.install).catch((error) => `none (${error.message})`);
            checks.push({
              name: `\`npm install ky\` on this Node gives ky ${row.npmKy}, as ky's README says`,
              ok: version?.startsWith(`${row.npmKy}.`) === true,
              detail: `it gives ky ${version}`,
            });
          }
          results.set(row, { version: run.result?.version ?? '?', checks, seconds: seconds(rowStarted) });
        }
      }),
    );
  } finally {
    await servers.close();
    if (process.env.RUNTIMES_KEEP) console.log(`kept ${consumer}`);
    else rmSync(consumer, { recursive: true, force: true });
  }

  let passed = 0;
  let failed = 0;
  for (const row of rows) {
    const { version, checks, seconds: took } = results.get(row);
    const holding = checks.filter((item) => item.ok).length;
    passed += holding;
    failed += checks.length - holding;
    const label = `${row.name} ${version}`.padEnd(24);
    console.log(`${label} ${holding} of ${checks.length} checks hold (${took})`);
    for (const item of checks) {
      if (!item.ok) console.log(`    FAILED ${item.name}: ${item.detail ?? ''}`);
      else if (process.env.RUNTIMES_VERBOSE) console.log(`    holds  ${item.name}`);
    }
  }
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(join(root, 'test-results', 'runtimes.json'), `${JSON.stringify({ passed, failed })}\n`);
  console.log(`runtimes: ${passed} checks hold, ${failed} fail, in ${seconds(started)}`);
  if (failed > 0) process.exitCode = 1;
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

main().catch((error) => {
  console.error(`test:runtimes: ${error.message}`);
  process.exitCode = 1;
});
