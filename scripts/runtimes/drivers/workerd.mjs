// The workerd row of `pnpm test:runtimes`, run under Node 24 (miniflare 4 wants Node 22+) in the consumer
// project: bundles entries/worker.mjs as wrangler bundles a Worker (esbuild, ESM, the workerd conditions),
// runs it in workerd through miniflare, and sends it requests one after another, as visitors would. Then the
// same for core README's Worker example. Prints `@@result {...}` like the other rows.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const tools = createRequire(join(process.env.RUNTIMES_TOOLS, 'package.json'));
const load = (name) => import(pathToFileURL(tools.resolve(name)).href);
const { Miniflare, Log, LogLevel } = await load('miniflare');
const esbuild = await load('esbuild');
const config = JSON.parse(process.env.RUNTIME_CONFIG);
const consumer = process.cwd();
const checks = [];
const COMPATIBILITY_DATE = '2026-07-01';
/** How long one request may take before its check fails (a hang). */
const REQUEST_LIMIT = 15_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bundles `entry` as wrangler would; the warnings are a check of their own. */
async function bundle(entry, name) {
  const result = await esbuild.build({
    absWorkingDir: consumer,
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    // wrangler's settings: esbuild's default platform (browser), its conditions, `cloudflare:*` external.
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*'],
    logLevel: 'silent',
  });
  const warnings = result.warnings.map((warning) => `${warning.location?.file ?? ''}: ${warning.text}`);
  checks.push({
    name: `${name} bundles as wrangler bundles it, without a warning`,
    ok: warnings.length === 0,
    ...(warnings.length > 0 ? { detail: [...new Set(warnings)].join('; ') } : {}),
  });
  return result.outputFiles[0].text;
}

/** Starts a Worker; resolves with a function that sends it a request and resolves with the answer's text. */
async function start(script, bindings) {
  const worker = new Miniflare({
    modules: true,
    script,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    log: new Log(LogLevel.WARN),
  });
  try {
    await worker.ready;
  } catch (error) {
    await worker.dispose().catch(() => {});
    throw error;
  }
  const send = async (path) => {
    const answer = worker.dispatchFetch(`http://worker${path}`).then(async (response) => ({
      status: response.status,
      text: await response.text(),
    }));
    let timer;
    const limit = new Promise((resolve) => {
      timer = setTimeout(
        () => resolve({ status: 0, text: `no answer within ${REQUEST_LIMIT} ms` }),
        REQUEST_LIMIT,
      );
    });
    try {
      return await Promise.race([answer, limit]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { send, dispose: () => worker.dispose() };
}

/** A request whose answer is a list of checks. */
async function checksFrom(send, path) {
  const { status, text } = await send(path);
  if (status === 200) {
    checks.push(...JSON.parse(text));
  } else {
    checks.push({ name: `GET ${path}`, ok: false, detail: `${status} ${text.slice(0, 500)}` });
  }
}

async function scenarioWorker() {
  let worker;
  try {
    worker = await start(await bundle('worker.mjs', 'the Worker'), {
      RUNTIME_CONFIG: JSON.stringify(config),
    });
    checks.push({ name: 'starts: the packages import and auth objects are made at module scope', ok: true });
  } catch (error) {
    checks.push({
      name: 'starts: the packages import and auth objects are made at module scope',
      ok: false,
      detail: String(error),
    });
    return;
  }
  try {
    await checksFrom(worker.send, '/first');
    await checksFrom(worker.send, '/make');
    await sleep(config.lifetime * 1000 + 500);
    await checksFrom(worker.send, '/refreshed');
    await checksFrom(worker.send, '/use-later');
    await worker.send('/leave');
    await checksFrom(worker.send, '/after-leave');
    await worker.send('/leave-shared');
    await checksFrom(worker.send, '/after-leave-shared');
    await checksFrom(worker.send, '/close');
  } finally {
    await worker.dispose();
  }
}

/** Core README's Worker example, with the `env` import its text names, sent two requests. */
async function readmeWorker() {
  const name = "core README's Cloudflare Workers example serves two requests";
  let worker;
  try {
    const block = readFileSync(join(consumer, 'readme-worker.ts'), 'utf8');
    const entry = join(consumer, 'readme-worker-entry.ts');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(entry, `import { env } from 'cloudflare:workers';\n${block}`);
    worker = await start(await bundle(entry, "core README's Worker example"), {
      WEAVIATE_API_KEY: config.keys.admin,
    });
    const answers = [await worker.send('/'), await worker.send('/')];
    const ok = answers.every((answer) => answer.status === 200);
    checks.push({
      name,
      ok,
      ...(ok ? {} : { detail: answers.map((a) => `${a.status} ${a.text.slice(0, 200)}`).join('; ') }),
    });
  } catch (error) {
    checks.push({ name, ok: false, detail: String(error) });
  } finally {
    await worker?.dispose();
  }
}

await scenarioWorker();
await readmeWorker();
const version = JSON.parse(readFileSync(tools.resolve('workerd/package.json'), 'utf8')).version;
console.log(`@@result ${JSON.stringify({ version, checks })}`);
