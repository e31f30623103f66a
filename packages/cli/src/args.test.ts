import { describe, expect, it } from 'vitest';
import { type CliIo, run } from './run.js';

/** Runs the CLI in this process (no server is needed: every case stops at the command line). */
async function cli(args: string[], io: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    env: {},
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...io,
  });
  return { code, stdout, stderr };
}

describe('the command line, as gh and kubectl users type it', () => {
  it('an option without its value, or a flag given a value, is named in the error (short or long)', async () => {
    for (const [args, message] of [
      [['token', '-u'], /^weaviate-auth: -u needs a value: -u <value>\.$/m],
      [['token', '--url', 'http://127.0.0.1:1', '-u', '-x'], /-u needs a value[\s\S]*--username=-value/],
      [['token', '--username'], /^weaviate-auth: --username needs a value: --username <value>\.$/m],
      [['keys', 'delete', 'someone', '--yes=1'], /--yes takes no value/],
      [['keys', 'delete', 'someone', '-y=1'], /-y \(--yes\) takes no value/],
      [['token', '--help=please'], /--help takes no value/],
      [['token', '-h=1'], /-h \(--help\) takes no value/],
      [['token', '--json=true'], /--json takes no value/],
    ] as const) {
      const result = await cli([...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('could not be read');
    }
  });

  it('-u=name is the user name "name", as with --username=name and -u name', async () => {
    for (const args of [['-u=admin'], ['--username=admin'], ['-u', 'admin'], ['-uadmin']]) {
      // No password and no terminal: the usage error names the user name that was read.
      const result = await cli(['token', '--url', 'http://127.0.0.1:1', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^weaviate-auth: no password for admin, and stdin/m);
    }
  });

  it('an unknown option is named with a suggestion; one that looks like a value is not shown', async () => {
    const typo = await cli(['token', '--api-kee=hunter2-secret']);
    expect(typo.stderr).toMatch(/unknown option '--api-kee': did you mean '--api-key'\?/);
    expect(typo.stderr).not.toContain('hunter2');
    const pasted = await cli(['token', '--Zm9v+YmFy/secret==']);
    expect(pasted.code).toBe(2);
    expect(pasted.stderr).toMatch(/unknown option \(not shown, in case it is a secret\)/);
    expect(pasted.stderr).not.toContain('Zm9v');
  });

  it('--timeout takes seconds that core can use, and says the range otherwise', async () => {
    for (const value of ['0', '0.0001', '-1', '1e10', '0x10', 'soon', '', '9999999']) {
      const result = await cli([
        'token',
        '--url',
        'http://127.0.0.1:1',
        '--api-key',
        'some-key',
        `--timeout=${value}`,
      ]);
      expect(result.code, value).toBe(2);
      expect(result.stderr, value).toMatch(
        /--timeout must be a number of seconds from 0\.001 to 2147483, e\.g\. --timeout 30\./,
      );
      expect(result.stderr, value).not.toMatch(/createAuth|milliseconds/);
    }
  });

  it('a mistyped keys subcommand gets "did you mean" and is never echoed', async () => {
    const typo = await cli(['keys', 'lsit', '--url', 'http://127.0.0.1:1', '--api-key', 'some-key']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown keys subcommand: did you mean 'list'\?/);
    expect(typo.stderr).not.toContain('lsit');
    const word = await cli(['keys', 'Summer2024', '--url', 'http://127.0.0.1:1', '--api-key', 'some-key']);
    expect(word.code).toBe(2);
    expect(word.stderr).toMatch(/unknown keys subcommand \(not shown, in case it is a secret\)/);
    expect(word.stderr).not.toContain('Summer2024');
  });
});
