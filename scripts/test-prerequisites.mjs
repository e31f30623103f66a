#!/usr/bin/env node
// Before any test runs: the two programs the tests start besides Node, installed when this machine can
// (root with apt-get: Debian, Ubuntu), or else named with the one command that installs them, and nothing
// runs. `pnpm test` calls it first; so does .ci/run.
//
// - Chromium: the browser demo's end-to-end test drives the system's Chromium (no browser download by
//   test tools); CHROMIUM_PATH names another binary, the default is /usr/bin/chromium.
// - redis-server: @auth/redis-store's tests and the fleet benchmark start their own (on a free loopback
//   port, persisting nothing); REDIS_SERVER names another binary.
// - Glewlwyd: reliability's second OpenID Provider (Debian's glewlwyd), started on a loopback port.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const executable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (name) =>
  name.includes('/')
    ? executable(name)
    : (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, name)));

const needs = [
  {
    what: 'Chromium',
    found: () => executable(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    apt: 'chromium',
  },
  {
    what: 'redis-server',
    found: () => onPath(process.env.REDIS_SERVER ?? 'redis-server'),
    apt: 'redis-server',
  },
  {
    // The Redis Cluster and Sentinel launchers of @auth/testing create and drive them with redis-cli.
    what: 'redis-cli',
    found: () => onPath(process.env.REDIS_CLI ?? 'redis-cli'),
    apt: 'redis-tools',
  },
  {
    // reliability's glewlwyd.test.ts: Debian's Glewlwyd, a second OpenID Provider nobody here wrote.
    what: 'Glewlwyd',
    found: () => onPath('glewlwyd'),
    apt: 'glewlwyd',
  },
];

let missing = needs.filter((need) => !need.found());
if (missing.length > 0 && process.getuid?.() === 0 && onPath('apt-get')) {
  const packages = missing.map((need) => need.apt);
  console.log(`Installing what the tests need: apt-get install ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  missing = needs.filter((need) => !need.found());
}
if (missing.length > 0) {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  console.error(
    `The tests need ${missing.map((need) => need.what).join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed. Install with:\n\n` +
      `  ${sudo}apt-get install -y ${missing.map((need) => need.apt).join(' ')}\n\n` +
      'or point CHROMIUM_PATH / REDIS_SERVER at the binaries (Glewlwyd must be on PATH). No test was run.',
  );
  process.exit(1);
}
for (const [name, args] of [
  [process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version']],
  [process.env.REDIS_SERVER ?? 'redis-server', ['--version']],
  ['glewlwyd', ['--version']],
]) {
  const version = spawnSync(name, args, { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  if (version) console.log(version);
}
