import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startWeaviateServer } from '@auth/testing';
import { expect, it } from 'vitest';

/**
 * Runs `fixtures/<name>.ts` in a process of its own (on the sources, through tsx) with `args`; resolves with
 * its exit code and what it printed. `onMessage` answers what it sends over IPC.
 */
function runFixture(
  name: string,
  args: string[],
  onMessage?: (child: ChildProcess) => void,
): Promise<{ code: number | null; output: string; errors: string }> {
  const child = fork(fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url)), args, {
    execArgv: ['--conditions=@auth/source', '--import', 'tsx'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
  });
  if (onMessage) child.on('message', () => onMessage(child));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output, errors })));
}

/**
 * "No timer keeps a process alive": a program that never calls close() ends on its own, even while a
 * background refresh fails and backs off. It runs in its own process; if anything kept it alive, the
 * test's limit (20 s) ends it and the test fails.
 */
it('a program that never calls close() exits on its own, with a background refresh failing and backing off', async () => {
  const server = await startWeaviateServer({ accessTokenTtl: 4 });
  try {
    const { code, output } = await runFixture(
      'no-close',
      [server.url, server.users.admin.username, server.users.admin.password],
      (child) => {
        // Every token request from now on fails: the background refresh retries with backoff.
        server.faults.failTokenRequests(100, 503);
        child.send('go');
      },
    );
    expect(code).toBe(0);
    // It did use every adapter, twice, and the second round was served by the still-valid token.
    expect(JSON.parse(output)).toEqual({
      first: [200, 200, 200, 200, 200],
      second: [200, 200, 200, 200, 200],
    });
    expect(server.stats.tokenRequests.refresh_token).toBeGreaterThanOrEqual(1);
  } finally {
    await server.close();
  }
}, 20_000);

/**
 * The other half of the rule: a timer that a caller waits for does keep the process alive. A program whose
 * last step is a renewal that must first wait out the minimum spacing between token requests (a 401 right
 * after the first token) finishes it; it does not exit with the promise unsettled (exit code 13).
 */
it('a program whose last step waits for a renewal finishes it (the pause it waits on keeps the process alive)', async () => {
  const server = await startWeaviateServer({ accessTokenTtl: 60 });
  try {
    const { code, output } = await runFixture('last-retry', [
      server.url,
      server.users.admin.username,
      server.users.admin.password,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual({ renewed: true, changed: true });
    expect(server.stats.tokenRequests.password + server.stats.tokenRequests.refresh_token).toBe(2);
  } finally {
    await server.close();
  }
}, 20_000);

/**
 * An async `onEvent` listener that rejects is ignored, like one that throws: the rejection must not reach
 * Node's unhandled-rejection handler, which ends the process.
 */
it('a program whose async onEvent listener rejects on every event keeps running and exits 0', async () => {
  const { code, output, errors } = await runFixture('rejecting-listener', []);
  expect({ code, errors }).toEqual({ code: 0, errors: '' });
  expect(JSON.parse(output)).toEqual({ headers: { Authorization: 'Bearer token-0123456789' }, events: 2 });
}, 20_000);
