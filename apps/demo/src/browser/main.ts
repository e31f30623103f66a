import type { AuthEvent } from '@auth/core';
import { inTableOrder, runAll, summarize } from '../demo.js';
import { credentialKinds, type Row, type Target } from '../scenario.js';
import { setUpSignIn } from './sign-in.js';

/** What /demo/config answers: the embedded server's target (without functions) and its token lifetime. */
type DemoConfig = Omit<Target, 'bearerTokens' | 'observe'> & { tokenLifetime: number };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const kindSelect = $<HTMLSelectElement>('kind');
const runButton = $<HTMLButtonElement>('run');
const rows = $<HTMLTableSectionElement>('rows');
const events = $<HTMLDivElement>('events');
const summaryText = $<HTMLSpanElement>('summary');

for (const kind of credentialKinds) kindSelect.add(new Option(kind, kind));

const config: DemoConfig = await (await fetch('/demo/config')).json();
$('lifetime').textContent = String(config.tokenLifetime);

function logEvent(row: Row, event: AuthEvent) {
  if (!event.type.startsWith('refresh')) return;
  const line = document.createElement('div');
  const extra = 'expiresIn' in event ? ` (expires in ${event.expiresIn} s)` : '';
  line.textContent = `${new Date().toISOString().slice(11, 23)}  ${row.adapter} / ${row.credential}: ${event.type}${'grant' in event ? ` ${event.grant}` : ''}${extra}`;
  events.prepend(line);
}

function renderRow(row: Row) {
  const tr = document.createElement('tr');
  tr.dataset.outcome = row.outcome;
  const cells = [row.adapter, row.credential, row.requests, row.tokens, row.outcome, row.detail];
  for (const [i, value] of cells.entries()) {
    const td = document.createElement('td');
    td.textContent = String(value);
    if (i === 4) td.className = `outcome-${row.outcome}`;
    tr.append(td);
  }
  rows.append(tr);
}

async function run() {
  runButton.disabled = true;
  rows.replaceChildren();
  summaryText.textContent = 'running...';
  document.body.dataset.state = 'running';
  const only = kindSelect.value;
  const target: Target = {
    ...config,
    bearerTokens: async () => (await fetch('/demo/tokens')).json(),
    observe: logEvent,
  };
  const kinds = only === 'all' ? credentialKinds : [only as Row['credential']];
  const result = await runAll(target, inTableOrder(renderRow, kinds), kinds);
  const summary = summarize(result);
  summaryText.textContent = `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
  document.body.dataset.state = 'done';
  runButton.disabled = false;
}

runButton.addEventListener('click', () => void run());

await setUpSignIn(config, (text) => {
  const line = document.createElement('div');
  line.textContent = `${new Date().toISOString().slice(11, 23)}  ${text}`;
  events.prepend(line);
});
