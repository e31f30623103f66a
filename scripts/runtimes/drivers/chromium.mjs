// The Chromium row of `pnpm test:runtimes`, run in the consumer project: bundles entries/browser.mjs for the
// browser (esbuild), serves it from a page on 127.0.0.1 (another origin than the embedded server: every
// request is a CORS request), and runs the scenario and core README's browser example in Debian's Chromium,
// driven by playwright-core. Prints `@@result {...}` like the other rows.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const tools = createRequire(join(process.env.RUNTIMES_TOOLS, 'package.json'));
const load = (name) => import(pathToFileURL(tools.resolve(name)).href);
const { chromium } = (await load('playwright-core')).default;
const esbuild = await load('esbuild');
const config = JSON.parse(process.env.RUNTIME_CONFIG);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(
    `Chromium not found at ${executablePath}: apt-get install -y chromium, or set CHROMIUM_PATH`,
  );
}

const bundled = await esbuild.build({
  absWorkingDir: process.cwd(),
  entryPoints: ['browser.mjs'],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'silent',
});
const files = {
  '/': [
    'text/html',
    '<!doctype html><meta charset="utf-8"><title>runtimes</title><script type="module" src="/page.js"></script>',
  ],
  '/page.js': ['text/javascript', bundled.outputFiles[0].text],
};
const page = createServer((request, response) => {
  const file = files[request.url];
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': file[0] }).end(file[1]);
});
await new Promise((resolve) => page.listen(0, '127.0.0.1', resolve));

const browser = await chromium.launch({
  executablePath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (error) => errors.push(String(error)));
  await tab.goto(`http://127.0.0.1:${page.address().port}/`);
  await tab
    .waitForFunction(() => typeof globalThis.runScenario === 'function', null, { timeout: 10_000 })
    .catch(() => {
      throw new Error(`the page did not load its script: ${errors.join('; ') || 'no error reported'}`);
    });
  const checks = await tab.evaluate((c) => globalThis.runScenario(c), config);
  checks.push(await tab.evaluate((c) => globalThis.runReadmeExample(c), config));
  console.log(`@@result ${JSON.stringify({ version: browser.version(), checks })}`);
} finally {
  await browser.close();
  page.close();
}
