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

  expect(rows).toHaveLength(20);
  expect(rows.filter((row) => row.outcome !== 'passed')).toEqual([]);
  expect(await page.textContent('#events')).toContain('refresh-succeeded');
  expect(await page.textContent('#summary')).toBe('20 passed, 0 failed, 0 skipped');
  // The browser logs every 401 and 403 answer as a failed resource load; nothing else may go wrong.
  expect(consoleErrors.filter((text) => !text.includes('Failed to load resource'))).toEqual([]);
}, 90_000);
