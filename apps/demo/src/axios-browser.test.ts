import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer as createVite, defaultClientConditions, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserKind, Scenarios } from './axios-page/main.js';
import { launchChromium } from './chromium.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/**
 * The other origin, as an attacker would run it: it records every request and lets every CORS preflight
 * through (any header, any method), so that whatever the browser would send it, it gets.
 */
async function startForeign(): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    seen.push({ method: request.method ?? 'GET', path, headers: { ...request.headers } });
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '*',
      'access-control-allow-methods': request.headers['access-control-request-method'] ?? 'GET',
    };
    request.resume();
    if (request.method === 'OPTIONS') {
      response.writeHead(204, cors);
      response.end();
      return;
    }
    response.writeHead(path === '/denied' ? 401 : 200, { ...cors, 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

let foreign: Awaited<ReturnType<typeof startForeign>>;
let vite: ViteDevServer;
let home: string;
/** What reached the page's own origin under /api. */
const homeSeen: Seen[] = [];
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  foreign = await startForeign();
  vite = await createVite({
    configFile: false,
    root: fileURLToPath(new URL('./axios-page', import.meta.url)),
    logLevel: 'warn',
    resolve: { conditions: ['@auth/source', ...defaultClientConditions] },
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    plugins: [
      {
        name: 'api',
        configureServer(server) {
          server.middlewares.use('/api', (request, response) => {
            const path = (request.url ?? '/').split('?')[0] ?? '/';
            homeSeen.push({ method: request.method ?? 'GET', path, headers: { ...request.headers } });
            const away = { '/away': '/landed', '/denied-away': '/denied' }[path];
            if (away) {
              response.writeHead(307, { location: `${foreign.url}${away}` });
              response.end();
              return;
            }
            response.writeHead(200, { 'content-type': 'application/json' });
            response.end('{"ok":true}');
          });
        },
      },
    ],
  });
  await vite.listen();
  const address = vite.httpServer?.address() as AddressInfo;
  home = `http://127.0.0.1:${address.port}`;
  page = await browser.newPage();
  await page.goto(`${home}/`);
  await page.waitForFunction(() => 'scenarios' in globalThis, undefined, { timeout: 30_000 });
}, 60_000);

afterEach(() => {
  foreign.seen.length = 0;
  homeSeen.length = 0;
});

afterAll(async () => {
  await browser?.close();
  await vite?.close();
  foreign?.server.closeAllConnections();
  await new Promise((resolve) => foreign?.server.close(resolve));
});

/** Runs a scenario of the page in the browser. */
function run<K extends keyof Scenarios>(name: K, ...args: Parameters<Scenarios[K]>) {
  return page.evaluate(
    ([scenario, scenarioArgs]) =>
      (
        (globalThis as unknown as { scenarios: Record<string, (...a: unknown[]) => unknown> }).scenarios[
          scenario
        ] as (...a: unknown[]) => unknown
      )(...scenarioArgs),
    [name, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<Scenarios[K]>>>;
}

/** The requests (not preflights) the other origin received. */
const requestsAbroad = () => foreign.seen.filter((entry) => entry.method !== 'OPTIONS');

describe.each(['xhr', 'fetch'] as BrowserKind[])('@auth/axios in Chromium, axios’ %s adapter', (kind) => {
  it('a redirect to another origin: the browser follows it and drops Authorization; other headers reach an origin whose preflight allows them (the documented limit)', async () => {
    expect(await run('redirect', kind)).toBe(200);
    expect(homeSeen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
      ['/away', 'Bearer browser-key-0123'],
    ]);
    const [landed] = requestsAbroad();
    expect(landed?.path).toBe('/landed');
    expect(landed?.headers.authorization).toBeUndefined();
    // A browser hides the hop from scripts and keeps the other headers: an origin that lets them through its
    // CORS preflight gets them. The READMEs say so; this shows it still holds.
    expect(landed?.headers['x-module-key']).toBe('browser-module-secret');
  });

  it('a 401 from another origin a redirect led to renews nothing and is not retried', async () => {
    expect(await run('unauthorizedAbroad', kind)).toEqual({ status: 401, issued: 1 });
    expect(homeSeen.map((entry) => entry.path)).toEqual(['/denied-away']);
    expect(requestsAbroad().map((entry) => [entry.path, entry.headers.authorization])).toEqual([
      ['/denied', undefined],
    ]);
  });

  it('an interceptor added before withAuth that fails baseURL over to another origin: nothing from auth reaches it', async () => {
    expect(await run('failover', kind, foreign.url)).toBe(200);
    expect(homeSeen).toEqual([]);
    const [moved] = requestsAbroad();
    expect(moved?.path).toBe('/failover');
    expect([moved?.headers.authorization, moved?.headers['x-module-key']]).toEqual([undefined, undefined]);
  });

  it('a URL object changed while the first token is fetched: the request goes where it pointed', async () => {
    expect(await run('urlObject', kind, foreign.url)).toBe(200);
    expect(requestsAbroad()).toEqual([]);
    expect(homeSeen.map((entry) => [entry.path, entry.headers.authorization])).toEqual([
      ['/echo', 'Bearer token-1'],
    ]);
  });
});
