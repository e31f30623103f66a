import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import ts50 from 'typescript-5.0';
import { afterAll, describe, expect, it } from 'vitest';
import { diagnosticMessage } from './diagnostics.js';

// The packages' published types (`dist/`, as their `exports` resolve them) compiled in the projects readers
// have, with `skipLibCheck: false`: a declaration that needs a library of types the reader's project does not
// have (the DOM's `HeadersInit` in a Node project, `Symbol.asyncDispose` in a browser project whose `lib` stops
// at ES2022) fails here, where it fails for the reader.

const docs = fileURLToPath(new URL('..', import.meta.url));
const root = dirname(docs);
const out = join(docs, '.examples', 'published-types');

/**
 * The compilers a reader may have: this repository's, and the oldest the packages' README promises (5.0).
 * Their option values (`ModuleKind.NodeNext` = 199...) are the same numbers.
 */
const compilers: [name: string, compiler: typeof ts][] = [
  [`TypeScript ${ts.version}`, ts],
  [`TypeScript ${ts50.version}`, ts50 as unknown as typeof ts],
];

/**
 * What a compiler cannot load in a project whatever we do: before 5.8, TypeScript does not let a CommonJS
 * module `require()` an ES module, and graphql-request 7 is one (a CommonJS reader on 5.0 cannot import
 * graphql-request itself either).
 */
function unloadable(compiler: typeof ts, project: Project): string[] {
  return project.extension === '.cts' && Number(compiler.versionMajorMinor) < 5.8
    ? ['@auth/graphql-request']
    : [];
}

/** Packages for Node only (Redis, the embedded server, the CLI): the browser projects do not import them. */
const NODE_ONLY = new Set(['@auth/redis-store', '@auth/testing', '@auth/cli']);

interface Project {
  name: string;
  /** Imports the browser side too (`@auth/core/browser`, no Node-only package). */
  browser: boolean;
  /** `.mts` (ESM, the `import` condition) or `.cts` (CommonJS, the `require` condition: the `.d.cts` files). */
  extension: '.mts' | '.cts';
  options: ts.CompilerOptions;
}

const strict = { strict: true, noEmit: true, skipLibCheck: false } satisfies ts.CompilerOptions;
const nodeProject = {
  ...strict,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
} satisfies ts.CompilerOptions;
const browserProject = {
  ...strict,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: [],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
} satisfies ts.CompilerOptions;

const projects: Project[] = [
  {
    name: 'Node, ESM (nodenext, Node’s types only, no DOM)',
    browser: false,
    extension: '.mts',
    options: nodeProject,
  },
  {
    name: 'Node, CommonJS (nodenext from a .cts file)',
    browser: false,
    extension: '.cts',
    options: nodeProject,
  },
  {
    name: 'Node, ESM, with exactOptionalPropertyTypes and noUncheckedIndexedAccess',
    browser: false,
    extension: '.mts',
    options: { ...nodeProject, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
  },
  {
    name: 'browser (Vite’s lib: ES2022, DOM, DOM.Iterable; no Node types; bundler resolution)',
    browser: true,
    extension: '.mts',
    options: browserProject,
  },
  {
    name: 'browser, with exactOptionalPropertyTypes and noUncheckedIndexedAccess',
    browser: true,
    extension: '.mts',
    options: { ...browserProject, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
  },
];

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  peerDependencies?: Record<string, string>;
}

const manifests: Manifest[] = readdirSync(join(root, 'packages'))
  .map(
    (folder) => JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8')) as Manifest,
  )
  .filter((manifest) => !manifest.private);

/** Every module a reader can import from the published packages: `@auth/core`, `@auth/core/adapter`... */
function entryPoints(browser: boolean): string[] {
  return manifests
    .filter((manifest) => !(browser && NODE_ONLY.has(manifest.name)))
    .flatMap((manifest) =>
      Object.keys(manifest.exports ?? {})
        .filter((subpath) => subpath !== './package.json')
        .map((subpath) => manifest.name + subpath.slice(1)),
    )
    .filter((specifier) => browser || specifier !== '@auth/core/browser');
}

/** The clients the packages' types import (their peers): checked on their own for what they bring. */
function peers(browser: boolean): string[] {
  const names = manifests
    .filter((manifest) => !(browser && NODE_ONLY.has(manifest.name)))
    .flatMap((manifest) => Object.keys(manifest.peerDependencies ?? {}))
    .filter((name) => !name.startsWith('@auth/'));
  return [...new Set(names)];
}

/** A module that imports each specifier's types, in the project's module system. */
function importing(specifiers: string[], extension: Project['extension']): string {
  return specifiers
    .map((specifier, index) =>
      extension === '.cts'
        ? `import type * as m${index} from '${specifier}';\nexport type M${index} = typeof m${index};`
        : `export * as m${index} from '${specifier}';`,
    )
    .join('\n');
}

/**
 * Source files parsed once for all the programs of a compiler (the libraries of types, `@types/node`, the
 * packages').
 */
const parsed = new Map<typeof ts, Map<string, ts.SourceFile | undefined>>();

/** A compiler host that reads each declaration file once; the reader's own files are read every time. */
function host(compiler: typeof ts, options: ts.CompilerOptions): ts.CompilerHost {
  const base = compiler.createCompilerHost(options);
  const cache = parsed.get(compiler) ?? new Map<string, ts.SourceFile | undefined>();
  parsed.set(compiler, cache);
  return {
    ...base,
    getSourceFile(fileName, version, ...rest) {
      if (fileName.startsWith(out)) return base.getSourceFile(fileName, version, ...rest);
      const key = `${fileName}\u0000${JSON.stringify(version)}`;
      if (!cache.has(key)) cache.set(key, base.getSourceFile(fileName, version, ...rest));
      return cache.get(key);
    },
  };
}

/** A program of one reader's file holding `code`, in `project`. */
function program(compiler: typeof ts, project: Project, label: string, code: string): ts.Program {
  mkdirSync(out, { recursive: true });
  const file = join(out, `${label}-${projects.indexOf(project)}${project.extension}`);
  writeFileSync(file, `${code}\n`);
  return compiler.createProgram([file], project.options, host(compiler, project.options));
}

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the published types compile in a reader’s project, with skipLibCheck: false', () => {
  it('covers every published package and subpath', () => {
    const all = entryPoints(false);
    expect(all).toContain('@auth/core/adapter');
    expect(entryPoints(true)).toContain('@auth/core/browser');
    expect(new Set(all.map((specifier) => specifier.split('/').slice(0, 2).join('/'))).size).toBe(
      manifests.length,
    );
  });

  for (const [version, compiler] of compilers) {
    for (const project of projects) {
      it(`${version}: ${project.name}`, () => {
        const ours = compiler
          .getPreEmitDiagnostics(
            program(
              compiler,
              project,
              'ours',
              importing(
                entryPoints(project.browser).filter(
                  (entry) => !unloadable(compiler, project).includes(entry),
                ),
                project.extension,
              ),
            ),
          )
          .map((diagnostic) => diagnosticMessage(compiler, diagnostic, root, ' '));
        // A client's own types may fail in this project whatever we do (graphql-request 7 names the DOM's
        // `HeadersInit`): in a file of theirs, only the messages its types give without ours are allowed.
        const peersOnly = program(
          compiler,
          project,
          'peers',
          importing(peers(project.browser), project.extension),
        );
        const foreign = new Set(ours.map((m) => m.file).filter((file) => /\/node_modules\//.test(file)));
        const theirs = new Set(
          [...foreign].flatMap((file) => {
            const source = peersOnly.getSourceFile(file);
            return source
              ? peersOnly
                  .getSemanticDiagnostics(source)
                  .map((d) => diagnosticMessage(compiler, d, root, ' ').text)
              : [];
          }),
        );
        const published = ours.filter((m) => !foreign.has(m.file) || !theirs.has(m.text));
        expect(published.map((m) => m.text)).toEqual([]);
      }, 60_000); // 4-9 s for a compiler's first project (it parses @types/node and the packages' types), on 2 busy cores
    }
  }
});
