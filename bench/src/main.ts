import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findings } from './findings.js';
import { goalsTable } from './goals.js';
import { renderReport } from './report.js';
import { runBench, type SectionName, sectionNames } from './run.js';
import { renderText } from './util/table.js';

const usage = `Usage: pnpm bench [--smoke] [--write | --no-write] [--only size,hot-path,throughput,storm,fleet-storm,memory]

  --smoke      tiny counts (CI); does not write BENCHMARKS.md unless --write is given
  --write      write BENCHMARKS.md even in smoke mode or with --only
  --no-write   print only
  --only       run some sections (BENCHMARKS.md is then not written unless --write)`;

function parseArgs(argv: string[]) {
  let smoke = false;
  let write: boolean | undefined;
  let sections: SectionName[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    if (arg === '--smoke') smoke = true;
    else if (arg === '--write') write = true;
    else if (arg === '--no-write') write = false;
    else if (arg === '--only' || arg?.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      const names = (value ?? '').split(',').filter(Boolean);
      const unknown = names.filter((name) => !(sectionNames as readonly string[]).includes(name));
      if (names.length === 0 || unknown.length > 0) {
        throw new Error(
          `--only takes a comma-separated list of: ${sectionNames.join(', ')} (got "${value ?? ''}").`,
        );
      }
      sections = names as SectionName[];
    } else if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    } else {
      throw new Error(`Unknown argument "${arg}".\n${usage}`);
    }
  }
  return { smoke, write: write ?? (!smoke && sections === undefined), sections };
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
const report = await runBench({
  smoke: args.smoke,
  ...(args.sections ? { sections: args.sections } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
console.log(
  `\nMachine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memory}, Node ${report.machine.node}`,
);
for (const table of report.tables) console.log(`\n${renderText(table)}`);
const { goals } = findings(new Map(report.tables.map((table) => [table.id, table])));
if (goals.length > 0) console.log(`\n${renderText(goalsTable(goals))}`);
console.log(
  `\nDone in ${report.seconds.toFixed(1)} s (${report.mode} run${args.sections ? `, only ${args.sections.join(', ')}` : ''}).`,
);
if (args.write) {
  const target = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  // Measured elsewhere (the Redis topologies, by @auth/redis-store's tests), kept as written.
  const handWritten = readFileSync(new URL('../redis-fleet.md', import.meta.url), 'utf8');
  writeFileSync(target, renderReport(report, handWritten));
  console.log(`Wrote ${target}`);
}
