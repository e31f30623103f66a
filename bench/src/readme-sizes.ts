/**
 * The size tables in the packages' READMEs, written from the same measurement as the size budget, so that
 * they cannot go stale: `pnpm size` fails when a README's table differs from what it measures (by more
 * than the slack below), and `pnpm size --readmes` writes them. Each table sits between two markers:
 *
 *   <!-- sizes: written by `pnpm size --readmes` (bench/src/readme-sizes.ts); CI checks them -->
 *   ...
 *   <!-- /sizes -->
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Bundler, beforeFirstTokenRequest, rows, type SizeResult } from './sections/size.js';
import { fmtBytes } from './util/stats.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const start = '<!-- sizes: written by `pnpm size --readmes` (bench/src/readme-sizes.ts); CI checks them -->';
const end = '<!-- /sizes -->';
/**
 * How far a figure in a README may be from the measured one (bytes): gzip's output moves by a few bytes
 * between zlib builds, and a README need not change for that.
 */
const slack = 50;

type Find = (name: string, bundler: Bundler) => SizeResult;

interface ReadmeTable {
  /** The README, from the repository root. */
  file: string;
  render(find: Find): string;
}

function coreTable(find: Find): string {
  const line = (label: string, name: string) => {
    const [r, e] = [find(name, 'rolldown'), find(name, 'esbuild')];
    return `| ${label} | ${fmtBytes(r.eager)} | ${fmtBytes(r.lazy)} | ${fmtBytes(e.eager)} | ${fmtBytes(e.lazy)} |`;
  };
  const before = (bundler: Bundler) => fmtBytes(beforeFirstTokenRequest(find(rows.oidcPassword, bundler)));
  return [
    '| The app imports | rolldown: with the app | rolldown: lazy | esbuild: with the app | esbuild: lazy |',
    '| --- | ---: | ---: | ---: | ---: |',
    line('`createAuth` + `apiKey`', rows.apiKey),
    line('`createAuth` + `oidcPassword`', rows.oidcPassword),
    `| \`createAuth\` + \`oidcPassword\`, up to its first token request | ${before('rolldown')} | | ${before('esbuild')} | |`,
    line('every credential kind', rows.everything),
  ].join('\n');
}

function adapterTable(pkg: string, client: string): ReadmeTable {
  return {
    file: `packages/${pkg.slice('@auth/'.length)}/README.md`,
    render: (find) => {
      const line = (label: string, name: string) =>
        `| ${label} | ${fmtBytes(find(name, 'rolldown').eager)} | ${fmtBytes(find(name, 'esbuild').eager)} |`;
      const external = client ? ` and \`${client}\`` : '';
      return [
        '| Bundle | rolldown | esbuild |',
        '| --- | ---: | ---: |',
        line(`\`withAuth\` alone (\`@auth/core\`${external} external)`, rows.adapterAlone(pkg)),
        line(
          `\`withAuth\` with \`createAuth\` + \`apiKey\`, with the app${client ? ` (\`${client}\` external)` : ''}`,
          rows.adapterWithKey(pkg),
        ),
      ].join('\n');
    },
  };
}

const tables: ReadmeTable[] = [
  { file: 'packages/core/README.md', render: coreTable },
  adapterTable('@auth/fetch', ''),
  adapterTable('@auth/axios', 'axios'),
  adapterTable('@auth/ky', 'ky'),
  adapterTable('@auth/graphql-request', 'graphql-request'),
];

function finder(results: SizeResult[]): Find {
  return (name, bundler) => {
    const found = results.find((result) => result.name === name && result.bundler === bundler);
    if (!found || found.error) throw new Error(`size: no measurement of "${name}" with ${bundler}`);
    return found;
  };
}

/** The README's text split around its size table; throws when the markers are missing. */
function between(file: string, text: string): { before: string; table: string; after: string } {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`${file}: no size table (the markers ${start} and ${end})`);
  return {
    before: text.slice(0, from + start.length),
    table: text.slice(from + start.length, to).trim(),
    after: text.slice(to),
  };
}

const figures = (table: string) =>
  [...table.matchAll(/(\d[\d,]*) B\b/g)].map((m) => Number(m[1]?.replace(/,/g, '')));
const shape = (table: string) => table.replace(/\d[\d,]* B\b/g, '# B').replace(/\s+/g, ' ');

/** How the READMEs are read and written: the files in the repository unless a test says otherwise. */
export interface ReadmeFiles {
  read(file: string): string;
  write(file: string, text: string): void;
}

const repoFiles: ReadmeFiles = {
  read: (file) => readFileSync(`${repo}/${file}`, 'utf8'),
  write: (file, text) => writeFileSync(`${repo}/${file}`, text),
};

/** The READMEs that carry a size table, from the repository root. */
export const readmesWithSizes: readonly string[] = tables.map((table) => table.file);

/** What differs between each README's table and the measurement: one line per README, none when all agree. */
export function checkReadmes(results: SizeResult[], files: ReadmeFiles = repoFiles): string[] {
  const find = finder(results);
  const problems: string[] = [];
  for (const { file, render } of tables) {
    const { table } = between(file, files.read(file));
    const wanted = render(find);
    const [have, want] = [figures(table), figures(wanted)];
    const off = want.findIndex(
      (value, i) => Math.abs(value - (have[i] ?? Number.NaN)) > slack || !(i in have),
    );
    if (shape(table) !== shape(wanted) || have.length !== want.length || off >= 0) {
      problems.push(
        `${file}: its size table is not what was measured${off >= 0 ? ` (${fmtBytes(have[off] ?? Number.NaN)} where ${fmtBytes(want[off] ?? Number.NaN)} was measured)` : ''}; run \`npx pnpm@12.4.2 size --readmes\` to write it`,
      );
    }
  }
  return problems;
}

/** Writes each README's size table from the measurement; returns the files that changed. */
export function writeReadmes(results: SizeResult[], files: ReadmeFiles = repoFiles): string[] {
  const find = finder(results);
  const changed: string[] = [];
  for (const { file, render } of tables) {
    const text = files.read(file);
    const { before, after } = between(file, text);
    const next = `${before}\n\n${render(find)}\n\n${after}`;
    if (next !== text) {
      files.write(file, next);
      changed.push(file);
    }
  }
  return changed;
}
