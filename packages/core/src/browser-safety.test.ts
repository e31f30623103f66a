import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('.', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === '__test__' || entry.name === 'integration' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('browser safety', () => {
  it('imports no node: module and no HTTP client library, and loads openid-client only lazily', () => {
    const files = sources(root);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]!);
      const name = relative(root, file);
      expect(
        imports.filter((specifier) => specifier.startsWith('node:')),
        name,
      ).toEqual([]);
      expect(
        imports.filter((specifier) => /^(axios|ky|undici|node-fetch|got)$/.test(specifier)),
        name,
      ).toEqual([]);
      const valueImports = [...text.matchAll(/^import (?!type )[^'"]*['"]openid-client['"]/gm)];
      expect(valueImports, name).toEqual([]);
    }
  });
});
