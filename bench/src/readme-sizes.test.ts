import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkReadmes, type ReadmeFiles, readmesWithSizes, writeReadmes } from './readme-sizes.js';
import { bundlers, rows, type SizeResult } from './sections/size.js';

// The README size tables against a measurement made up here (the real one bundles the built packages: the
// smoke test and `pnpm size` in CI run it), on copies of the READMEs held in memory.

const adapters = ['@auth/fetch', '@auth/axios', '@auth/ky', '@auth/graphql-request'];
const names = [
  rows.apiKey,
  rows.oidcPassword,
  rows.everything,
  ...adapters.flatMap((pkg) => [rows.adapterAlone(pkg), rows.adapterWithKey(pkg)]),
];

/** Every bundle the tables name, each with its own figures: 1,000 B apart, `shift` added to all. */
function measurement(shift = 0): SizeResult[] {
  return names.flatMap((name, i) =>
    bundlers.map((bundler, j) => ({
      name,
      bundler,
      eager: 1_000 * (i + 1) + 100 * j + shift,
      lazy: 20_000 + 1_000 * i + shift,
      // The app's chunk, and the token manager's, which "up to its first token request" adds to it.
      chunks: [
        {
          file: 'app.js',
          kind: 'entry' as const,
          minified: 0,
          gzip: 1_000 * (i + 1) + 100 * j + shift,
          modules: [],
          imports: [],
        },
        {
          file: 'token-manager.js',
          kind: 'lazy' as const,
          minified: 0,
          gzip: 700,
          modules: ['@auth/core/token-manager.mjs'],
          imports: [],
        },
      ],
    })),
  );
}

/** The READMEs as they are in the repository, changed only in memory. */
function inMemory(): ReadmeFiles {
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const texts = new Map(readmesWithSizes.map((file) => [file, readFileSync(`${repo}/${file}`, 'utf8')]));
  return {
    read: (file) => texts.get(file) ?? '',
    write: (file, text) => texts.set(file, text),
  };
}

describe('the READMEs’ size tables', () => {
  it('are written from a measurement, and then agree with it', () => {
    const files = inMemory();
    const results = measurement();
    expect(writeReadmes(results, files)).toEqual(readmesWithSizes);
    expect(checkReadmes(results, files)).toEqual([]);
    expect(writeReadmes(results, files)).toEqual([]); // nothing left to change
    const core = files.read('packages/core/README.md');
    expect(core).toContain('| `createAuth` + `apiKey` | 1,000 B | 20,000 B | 1,100 B | 20,000 B |');
    expect(core).toContain('| `createAuth` + `oidcPassword`, up to its first token request | 2,700 B |');
  });

  it('tolerate a few bytes of gzip difference, not a change in size', () => {
    const files = inMemory();
    writeReadmes(measurement(), files);
    expect(checkReadmes(measurement(50), files)).toEqual([]);
    const problems = checkReadmes(measurement(60), files);
    expect(problems).toHaveLength(readmesWithSizes.length);
    expect(problems[0]).toMatch(
      /^packages\/core\/README\.md: its size table is not what was measured \(1,000 B where 1,060 B was measured\); run `npx pnpm@12\.4\.2 size --readmes`/,
    );
  });

  it('fail when a table was edited by hand: a row, a label, a figure removed', () => {
    const results = measurement();
    for (const edit of [
      (text: string) => text.replace('| every credential kind |', '| every export |'),
      (text: string) => text.replace(/\| `createAuth` \+ `apiKey` \|[^\n]*\n/, ''),
      (text: string) => text.replace('| 1,000 B |', '| |'),
    ]) {
      const files = inMemory();
      writeReadmes(results, files);
      files.write('packages/core/README.md', edit(files.read('packages/core/README.md')));
      expect(checkReadmes(results, files)).toEqual([
        expect.stringMatching(/^packages\/core\/README\.md: its size table is not what was measured/),
      ]);
    }
  });

  it('need their markers, and name the README that lost them', () => {
    const files = inMemory();
    files.write('packages/ky/README.md', '# @auth/ky\n');
    expect(() => checkReadmes(measurement(), files)).toThrow(/^packages\/ky\/README\.md: no size table/);
  });
});
