import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserDemo, startBrowserDemo } from './browser-server.js';
import { launchChromium } from './chromium.js';

const outputDir = fileURLToPath(new URL('../test-results/', import.meta.url));

let demo: BrowserDemo;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  demo = await startBrowserDemo({ tokenLifetime: 2 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

it('runs every adapter with every credential kind in a real browser, and every row passes', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(demo.pageUrl);
  await page.click('#run');
  await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });

  const rows = await page.$$eval('#rows tr', (trs) =>
    trs.map((tr) => ({
      outcome: (tr as HTMLElement).dataset.outcome,
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    })),
  );
  mkdirSync(outputDir, { recursive: true });
  await page.screenshot({ path: `${outputDir}browser-demo.png`, fullPage: true });

  expect(rows).toHaveLength(24);
  expect(rows.filter((row) => row.outcome !== 'passed')).toEqual([]);
  // Least privilege in the browser too: reads as the read-only key's user, writes with the admin key.
  const leastPrivilege = rows.filter((row) => row.cells[1] === 'read + write keys');
  expect(leastPrivilege.map((row) => row.cells[5])).toEqual(
    Array(4).fill(expect.stringContaining('reads as reader (read-only key), writes with the admin key')),
  );
  expect(await page.textContent('#events')).toContain('refresh-succeeded');
  expect(await page.textContent('#summary')).toBe('24 passed, 0 failed, 0 skipped');
  // The browser logs every 401 and 403 answer as a failed resource load; nothing else may go wrong.
  expect(consoleErrors.filter((text) => !text.includes('Failed to load resource'))).toEqual([]);
}, 90_000);

it('signs in at the embedded provider (authorization code + PKCE), refreshes, and keeps the token across a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const { stats, users, issuer } = demo.server;
  const before = { ...stats.tokenRequests };
  await page.goto(demo.pageUrl);
  await page.waitForSelector('body[data-sign-in="ready"]');
  await page.click('#sign-in');
  // The provider's own sign-in page: the page never sees the password.
  await page.waitForSelector('#username');
  expect(page.url().startsWith(`${issuer}/interaction/`)).toBe(true);
  mkdirSync(outputDir, { recursive: true });
  await page.screenshot({ path: `${outputDir}browser-sign-in-provider.png` });
  await page.fill('#username', users.admin.username);
  await page.fill('#password', users.admin.password);
  await page.click('#sign-in');
  await page.waitForSelector('body[data-sign-in="done"]', { timeout: 30_000 });
  // Back on the page, with the code out of the address bar.
  expect(page.url()).toBe(demo.pageUrl);
  const rows = await page.$$eval('#sign-in-rows tr', (trs) =>
    trs.map((tr) => ({
      outcome: (tr as HTMLElement).dataset.outcome,
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    })),
  );
  expect(rows).toEqual([
    {
      outcome: 'passed',
      cells: [
        'fetch',
        'sign-in (code + PKCE)',
        '2',
        '2',
        'passed',
        expect.stringContaining(`signed in as ${users.admin.username}`),
      ],
    },
  ]);
  expect(stats.tokenRequests.authorization_code - before.authorization_code).toBe(1);
  expect(stats.tokenRequests.refresh_token - before.refresh_token).toBeGreaterThanOrEqual(1);
  await page.screenshot({ path: `${outputDir}browser-sign-in.png`, fullPage: true });

  await page.reload();
  await page.waitForSelector('body[data-sign-in="restored"]');
  expect(await page.textContent('#sign-in-status')).toContain(`signed in as ${users.admin.username}`);
  await page.click('#sign-out');
  await page.waitForSelector('body[data-sign-in="signed-out"]');
  expect(consoleErrors.filter((text) => !text.includes('Failed to load resource'))).toEqual([]);
}, 60_000);

it('a sign-in declined at the provider comes back to the page as a SignInError', async () => {
  const page = await browser.newPage();
  await page.goto(demo.pageUrl);
  await page.waitForSelector('body[data-sign-in="ready"]');
  await page.click('#sign-in');
  await page.waitForSelector('#deny');
  await page.click('#deny');
  await page.waitForSelector('body[data-sign-in="failed"]');
  expect(await page.textContent('#sign-in-status')).toMatch(
    /^SignInError: The sign-in was declined at the provider/,
  );
  expect(page.url()).toBe(demo.pageUrl);
}, 30_000);
