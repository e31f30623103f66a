import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { credentialKinds } from './scenario.js';

// `pnpm demo` as the README gives it, from the repository root: its options, its table, and Ctrl-C.

const root = fileURLToPath(new URL('../../..', import.meta.url));
const pnpm = ['npx', '--yes', 'pnpm@12.4.2'];

interface Run {
  code: number | null;
  output: string;
}

/**
 * Runs `pnpm demo ...args`. With `ctrlC`, inside a pseudo-terminal (`script` from util-linux) where Ctrl-C is
 * typed once the output shows `ctrlC`, as a person at a terminal would.
 */
function demo(args: string[], ctrlC?: string): Promise<Run> {
  const command = [...pnpm, 'demo', ...args];
  const child =
    ctrlC === undefined
      ? spawn(command[0]!, command.slice(1), { cwd: root })
      : spawn('script', ['-qefc', command.join(' '), '/dev/null'], {
          cwd: root,
          env: { ...process.env, TERM: 'dumb' },
        });
  let output = '';
  let typed = false;
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (ctrlC !== undefined && !typed && output.includes(ctrlC)) {
      typed = true;
      child.stdin.write('\x03');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  if (ctrlC === undefined) child.stdin.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pnpm demo ${args.join(' ')} did not exit within 60 s:\n${output}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('pnpm demo', () => {
  it('--help prints the demo’s own options, also after --', async () => {
    for (const args of [['--help'], ['--', '--help']]) {
      const { code, output } = await demo(args);
      expect(code, args.join(' ')).toBe(0);
      expect(output).toContain('Usage: pnpm demo [options]');
      expect(output).toContain('--read-only-key <key>');
    }
  }, 60_000);

  it('an unknown option is one line of our own, exit code 2, no stack trace', async () => {
    const { code, output } = await demo(['--colour']);
    expect(code).toBe(2);
    expect(output).toContain("demo: unknown option '--colour'. Run 'pnpm demo --help' for the options.");
    expect(output).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('prints the rows grouped by adapter, says when it waits past the token lifetime, explains the columns', async () => {
    const { code, output } = await demo([]);
    expect(code, output).toBe(0);
    const lines = output.split('\n');
    const wait = lines.findIndex((line) =>
      /first round done; waiting 3\.5 s, past the 3 s token lifetime/.test(line),
    );
    const first = lines.findIndex((line) => line.startsWith('axios '));
    expect(wait).toBeGreaterThan(0);
    expect(first).toBeGreaterThan(wait);
    // Four groups in table order, each adapter named on its first row, each kind in order within it.
    const groups = lines.slice(first).join('\n').split('\n\n').slice(0, 4);
    expect(groups.map((group) => group.split(' ')[0])).toEqual(['axios', 'ky', 'graphql-request', 'fetch']);
    for (const group of groups) {
      const kinds = group.split('\n').map((line) => credentialKinds.find((kind) => line.includes(kind)));
      expect(kinds).toEqual([...credentialKinds]);
    }
    expect(output).toMatch(/^requests {2}HTTP requests the scenario sent/m);
    expect(output).toMatch(/^tokens {4}successful token requests/m);
    expect(output).toContain('24 passed, 0 failed, 0 skipped');
  }, 60_000);

  it('Ctrl-C stops the demo and the browser demo cleanly: exit code 0, no "Command failed"', async () => {
    const plain = await demo([], 'first round done');
    expect(plain.code, plain.output).toBe(0);
    expect(plain.output).toContain('Stopped (Ctrl-C)');
    const browser = await demo(['--browser'], 'Ctrl-C to stop');
    expect(browser.code, browser.output).toBe(0);
    expect(browser.output).toContain('Stopping the page server and the embedded server.');
    for (const { output } of [plain, browser])
      expect(output).not.toMatch(/ELIFECYCLE|Command failed|^\s+at /m);
  }, 120_000);
});
