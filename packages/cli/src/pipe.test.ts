import { spawn } from 'node:child_process';
import { test } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import { BIN } from './__test__/bin.js';

/**
 * Runs the bin with its stdout pipe closed by the reader before anything is written, as `| head -1` or
 * `| true` do once they are done: what it writes to stderr, and its exit code.
 */
function runWithClosedStdout(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that stops early (EPIPE)', () => {
  test('token, headers, check and keys list end quietly with their own exit code, no stack trace', async ({
    server,
  }) => {
    const env = { WEAVIATE_API_KEY: server.keys.admin };
    for (const args of [['token'], ['headers', '--curl'], ['check'], ['check', '--json'], ['keys', 'list']]) {
      const result = await runWithClosedStdout([...args, '--url', server.url], env);
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(0);
    }
  });
});
