import { rows as sizeRows } from './sections/size.js';
import { badgatewayName, variantName } from './sections/storm.js';
import { ourRowName } from './util/adapters.js';
import { fmtBytes, fmtConfidence, fmtInt, fmtMs, fmtNum, fmtRatio, median } from './util/stats.js';
import { newTable, type Table } from './util/table.js';

/** One goal of the "smaller and cheaper per request" work, as this run measured it. */
export interface Goal {
  /** What is measured, as in the table. */
  what: string;
  ours: string;
  peers: string;
  goal: string;
  /** `undefined` when a section that measures it did not run. */
  reached: boolean | undefined;
  /** How it was reached or missed, e.g. `2 of 4` or `no: 4,812 B with rolldown`. */
  verdict: string;
  /** For the "where we lose" list: what misses the goal, with the numbers. */
  missed?: string;
}

const bundlers = ['rolldown', 'esbuild'] as const;
const adapterPackages = ['@auth/fetch', '@auth/axios', '@auth/ky', '@auth/graphql-request'];

const ok = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);
const bytes = (value: number | undefined) => fmtBytes(value ?? Number.NaN);
const micros = (value: number | undefined) => `${fmtNum(value ?? Number.NaN)} µs`;
/** An interval in microseconds, which may start below zero: "-10.3 to 18.8 µs". */
const span = ({ low, high }: { low: number; high: number }) => `${fmtNum(low)} to ${micros(high)}`;

/** "a and b" / "a, b and c". */
function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function sizeGoals(size: Table): Goal[] {
  const eager = (name: string, bundler: string) => size.data[`${name} [${bundler}]`];
  const both = (name: string) => bundlers.map((bundler) => `${bytes(eager(name, bundler))} (${bundler})`);
  const peers =
    `axios-auth-refresh ${bytes(eager('axios-auth-refresh (axios external)', 'rolldown'))}; ` +
    `@badgateway/oauth2-client (full OAuth2) ${bytes(eager('@badgateway/oauth2-client: `OAuth2Client` + `OAuth2Fetch`', 'rolldown'))} (rolldown)`;
  const goals: Goal[] = [];

  const apiKey = bundlers.map((bundler) => eager(sizeRows.apiKey, bundler));
  const apiKeyReached = apiKey.every(ok) ? apiKey.every((value) => value <= 3000) : undefined;
  goals.push({
    what: 'core, `createAuth` + `apiKey`, loaded with the app (min+gzip)',
    ours: both(sizeRows.apiKey).join(', '),
    peers,
    goal: '≤ 3,000 B',
    reached: apiKeyReached,
    verdict: apiKeyReached ? 'yes' : `no: ${both(sizeRows.apiKey).join(', ')}`,
    ...(apiKeyReached === false
      ? { missed: `core with an API key ${both(sizeRows.apiKey).join(', ')} (goal 3,000 B)` }
      : {}),
  });

  const alone = adapterPackages.map((pkg) => {
    const values = bundlers.map((bundler) => eager(sizeRows.adapterAlone(pkg), bundler));
    return { pkg, values, worst: Math.max(...values.map((value) => value ?? Number.NaN)) };
  });
  const within = alone.filter((entry) => entry.worst <= 1000);
  const over = alone.filter((entry) => !(entry.worst <= 1000));
  const aloneMeasured = alone.every((entry) => ok(entry.worst));
  goals.push({
    what: 'an adapter alone, loaded with the app (min+gzip; rolldown / esbuild)',
    ours: alone.map(({ pkg, values }) => `${pkg} ${values.map(bytes).join(' / ')}`).join(', '),
    peers: '',
    goal: '≤ 1,000 B',
    reached: aloneMeasured ? over.length === 0 : undefined,
    verdict: `${within.length} of ${alone.length}`,
    ...(aloneMeasured && over.length > 0
      ? { missed: `${list(over.map(({ pkg, worst }) => `${pkg} alone ${bytes(worst)}`))} (goal 1,000 B)` }
      : {}),
  });

  const before = bundlers.map(
    (bundler) => size.data[`${sizeRows.oidcPassword} [${bundler}] before first token request`],
  );
  // What the first token request loads on top: everything the bundle holds, less what loaded before it.
  const later = bundlers.map(
    (bundler, i) =>
      (eager(sizeRows.oidcPassword, bundler) ?? Number.NaN) +
      (size.data[`${sizeRows.oidcPassword} [${bundler}] lazy`] ?? Number.NaN) -
      (before[i] ?? Number.NaN),
  );
  const beforeReached = before.every(ok) ? before.every((value) => value <= 10_000) : undefined;
  const beforeText = bundlers.map((bundler, i) => `${bytes(before[i])} (${bundler})`).join(', ');
  goals.push({
    what: 'what loads before the first token request with an OIDC credential (`oidcPassword`, min+gzip)',
    ours:
      `${beforeText}; then ${bundlers.map((bundler, i) => `${bytes(later[i])} (${bundler})`).join(', ')} ` +
      'more at the first token request (the OIDC code, openid-client)',
    peers: `@badgateway/oauth2-client ${bytes(eager('@badgateway/oauth2-client: `OAuth2Client` + `OAuth2Fetch`', 'rolldown'))}, all of it at once (rolldown)`,
    goal: '≤ 10,000 B before the first token request',
    reached: beforeReached,
    verdict: beforeReached ? 'yes' : `no: ${beforeText}`,
    ...(beforeReached === false
      ? { missed: `before the first OIDC token request ${beforeText} (goal 10,000 B)` }
      : {}),
  });
  return goals;
}

/**
 * One adapter against a goal that a median over rounds must meet, judged on the median's confidence interval
 * (`medianInterval`): met when the whole interval meets it, missed when none of it does, else within the
 * run's noise (the median alone could land on either side in the next run).
 */
interface Standing {
  name: string;
  median: number;
  low: number;
  high: number;
  state: 'met' | 'missed' | 'noise';
}

function standings(
  names: string[],
  value: (name: string, part: '' | ' low' | ' high') => number | undefined,
  meets: (value: number, name: string) => boolean,
): Standing[] {
  return names.map((name) => {
    const [median, low, high] = [value(name, ''), value(name, ' low'), value(name, ' high')].map(
      (entry) => entry ?? Number.NaN,
    ) as [number, number, number];
    const both = [low, high].filter((end) => ok(end) && meets(end, name)).length;
    const state = both === 2 ? 'met' : both === 0 ? 'missed' : 'noise';
    return { name, median, low, high, state };
  });
}

/** "3 of 5", and how many were within the noise: "3 of 5 (1 more within the run's noise)". */
function tally(entries: Standing[]): string {
  const met = entries.filter((entry) => entry.state === 'met').length;
  const noise = entries.filter((entry) => entry.state === 'noise').length;
  return `${met} of ${entries.length}${noise > 0 ? ` (${noise} more within the run's noise)` : ''}`;
}

/** For "Where we lose": the adapters that missed, and those within the noise, each with its interval. */
function shortfall(entries: Standing[], show: (entry: Standing) => string): string | undefined {
  const missed = entries.filter((entry) => entry.state === 'missed').map(show);
  const noise = entries.filter((entry) => entry.state === 'noise').map(show);
  const parts = [
    ...(missed.length > 0 ? [list(missed)] : []),
    ...(noise.length > 0 ? [`within the run's noise ${list(noise)}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function throughputGoal(throughput: Table): Goal {
  const ratios = standings(
    Object.values(ourRowName),
    (name, part) => throughput.data[`${name} ratio${part}`],
    (ratio) => ratio >= 0.97,
  );
  const peer = throughput.data['axios + axios-auth-refresh + header interceptor ratio'];
  const interval = fmtConfidence(throughput.data['ratio confidence']);
  // Three decimals: a ratio just under the goal would read 0.97x.
  const missed = shortfall(
    ratios,
    (entry) =>
      `${entry.name} ${entry.median.toFixed(3)}x (${interval} ${entry.low.toFixed(3)}–${entry.high.toFixed(3)}x)`,
  );
  return {
    what: 'throughput vs the bare client, loopback keep-alive',
    ours: `${ratios.map((entry) => `${entry.name} ${fmtRatio(entry.median)} (${fmtRatio(entry.low)}–${fmtRatio(entry.high)})`).join(', ')}; medians with their ${interval}s`,
    peers: `axios-auth-refresh + a header interceptor ${fmtRatio(peer ?? Number.NaN)} of bare axios`,
    goal: 'every adapter ≥ 0.97x',
    reached: ratios.every((entry) => ok(entry.median))
      ? ratios.every((entry) => entry.state === 'met')
      : undefined,
    verdict: tally(ratios),
    ...(missed ? { missed: `throughput ${missed} (goal 0.97x)` } : {}),
  };
}

function overheadGoal(canned: Table, hot: Table | undefined): Goal {
  const added = (name: string) => canned.data[`${name} added us`];
  const addedMedian = (name: string) => canned.data[`${name} added median request us`];
  const authorizeNs = hot?.data['@auth/core `authorize(url)`, cached OIDC token ns'];
  const limits = new Map<string, number>([
    [ourRowName.fetch, 3],
    [ourRowName['ky 1'], 10],
    [ourRowName['ky 2'], 10],
  ]);
  const costs = standings(
    [...limits.keys()],
    (name, part) => canned.data[`${name} added us${part}`],
    (value, name) => value <= (limits.get(name) ?? Number.NaN),
  );
  const interval = fmtConfidence(canned.data['added confidence']);
  const missed = shortfall(
    costs,
    (entry) =>
      `${entry.name} ${micros(entry.median)} (${interval} ${span(entry)}; goal ${limits.get(entry.name)} µs)`,
  );
  return {
    what: 'added cost per request, no network (canned transport)',
    ours:
      Object.values(ourRowName)
        .map((name) => {
          const entry = costs.find((cost) => cost.name === name);
          return `${name} ${micros(added(name))}${entry ? ` (${span(entry)})` : ''}`;
        })
        .join(', ') +
      ` (the median request: ${Object.values(ourRowName)
        .map((name) => micros(addedMedian(name)))
        .join(', ')}); the goal's adapters with their ${interval}s` +
      (ok(authorizeNs) ? `; \`authorize()\` itself ${micros(authorizeNs / 1000)}` : ''),
    peers: `axios-auth-refresh + a header interceptor ${micros(added('axios + axios-auth-refresh + header interceptor'))}`,
    goal: '@auth/fetch ≤ 3 µs, @auth/ky ≤ 10 µs',
    reached: costs.every((entry) => ok(entry.median))
      ? costs.every((entry) => entry.state === 'met')
      : undefined,
    verdict: tally(costs),
    ...(missed ? { missed: `added per request with no network ${missed}` } : {}),
  };
}

const axiosAuthRefreshName = 'axios + axios-auth-refresh (README wiring)';

function stormGoal(storm: Table): Goal {
  const p99 = (name: string) => storm.data[`${name} added p99`];
  const names = Object.values(ourRowName);
  const ours = names.map((name) => p99(name) ?? Number.NaN);
  const ourMedian = median(ours);
  const peer = p99(badgatewayName);
  const within = names.filter((name) => (p99(name) ?? Number.NaN) <= (peer ?? Number.NaN));
  const measured = ok(ourMedian) && ok(peer);
  const reached = measured ? ourMedian <= peer : undefined;
  // Beside it: client CPU per storm request (its own process), ours and @badgateway's in the same rounds.
  const cpu = (name: string) => storm.data[`${name} cpu per request`];
  const besideCpu = (name: string) => storm.data[`${name} beside badgateway cpu per request`];
  const perRequest = (ms: number | undefined) => `${fmtInt((ms ?? Number.NaN) * 1000)} µs`;
  const cpuNote = ok(cpu(names[0] as string))
    ? `; client CPU per storm request ${names.map((name) => `${name} ${perRequest(cpu(name))} (@badgateway beside it ${perRequest(besideCpu(name))})`).join(', ')}`
    : '';
  return {
    what: `401 storm (${fmtInt(storm.data[`${names[0]} requests`] ?? Number.NaN)} requests, one stale token), added p99`,
    ours:
      `${fmtMs(ourMedian, true)} (median of ${names.length} adapters: ` +
      `${names.map((name) => `${name} ${fmtMs(p99(name) ?? Number.NaN, true)}`).join(', ')})` +
      (ok(p99(variantName)) ? `; the "(variant)" row ${fmtMs(p99(variantName) ?? Number.NaN, true)}` : '') +
      cpuNote,
    peers:
      `@badgateway/oauth2-client ${fmtMs(peer ?? Number.NaN, true)}` +
      (ok(cpu(badgatewayName)) ? ` (client CPU ${perRequest(cpu(badgatewayName))} per storm request)` : '') +
      '; axios-auth-refresh ' +
      `${fmtMs(p99(axiosAuthRefreshName) ?? Number.NaN, true)} (with ` +
      `${fmtInt(storm.data[`${axiosAuthRefreshName} failed`] ?? Number.NaN)} failed requests)`,
    goal: "≤ @badgateway's, same run",
    reached,
    verdict: `${reached ? 'yes' : 'no'} (median); ${within.length} of ${names.length} adapters`,
    ...(reached === false
      ? {
          missed: `401 storm added p99 ${fmtMs(ourMedian, true)} (median of our adapters) vs @badgateway's ${fmtMs(peer ?? Number.NaN, true)}`,
        }
      : {}),
  };
}

/** The goals this run can speak to: sizes, throughput, per-request cost, the 401 storm. */
export function goals(tables: Map<string, Table>): Goal[] {
  const size = tables.get('size');
  const throughput = tables.get('throughput');
  const canned = tables.get('overhead-canned');
  const storm = tables.get('storm-401');
  return [
    ...(size ? sizeGoals(size) : []),
    ...(throughput ? [throughputGoal(throughput)] : []),
    ...(canned ? [overheadGoal(canned, tables.get('hot-path'))] : []),
    ...(storm ? [stormGoal(storm)] : []),
  ];
}

/** The goals as a table (BENCHMARKS.md and the terminal). */
export function goalsTable(list: Goal[]): Table {
  const table = newTable(
    'goals',
    'Goals: where this run stands',
    'Each row is computed from the tables below (same run, same machine). Sizes are what loads with the app ' +
      '(eager chunks), from the size table; ratios and microseconds are medians over rounds, each with the ' +
      'confidence interval of that median (distribution-free, from the rounds themselves: with 9 rounds the ' +
      '2nd to the 8th value, 96 %). Such a goal counts as reached only when its whole interval meets it, as ' +
      "missed when none of it does, and as within the run's noise otherwise: the median alone could land on " +
      'either side of the goal in the next run.',
    ['Measured', 'ours', 'peers', 'goal', 'reached'],
  );
  for (const goal of list) {
    table.rows.push([goal.what, goal.ours, goal.peers || '–', goal.goal, goal.verdict]);
    if (goal.reached !== undefined) table.data[`${goal.what} reached`] = goal.reached ? 1 : 0;
  }
  return table;
}
