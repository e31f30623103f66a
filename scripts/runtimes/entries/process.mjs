// The entry of the runtimes with a process (Node, Bun, Deno): runs the scenario, prints one line
// `@@result {...}`, closes every auth object and then does nothing more, so that run.mjs sees whether the
// process exits by itself. Config: the JSON in the RUNTIME_CONFIG environment variable.
import { createRequire } from 'node:module';
import { check, runScenario } from './scenario.mjs';

const deno = globalThis.Deno;
const bun = globalThis.Bun;
const config = JSON.parse(deno ? deno.env.get('RUNTIME_CONFIG') : process.env.RUNTIME_CONFIG);
const version = deno ? deno.version.deno : bun ? bun.version : process.versions.node;

/** Node's `require()` of every package's CommonJS build (needs require(esm) for openid-client: Node 20.19+). */
const commonJs = () =>
  check('require() of the CommonJS builds', () => {
    const require = createRequire(import.meta.url);
    const wanted = {
      '@auth/core': 'createAuth',
      '@auth/core/adapter': 'applyAuthHeaders',
      '@auth/fetch': 'withAuth',
      '@auth/axios': 'withAuth',
      '@auth/ky': 'withAuth',
      '@auth/graphql-request': 'withAuth',
      '@auth/redis-store': 'redisStore',
      '@auth/testing': 'startWeaviateServer',
    };
    const missing = Object.entries(wanted).filter(([name, key]) => typeof require(name)[key] !== 'function');
    return missing.length === 0 || `missing ${missing.map(([name, key]) => `${name}.${key}`).join(', ')}`;
  });

const checks = [...(deno || bun ? [] : [await commonJs()]), ...(await runScenario(config))];
console.log(`@@result ${JSON.stringify({ version, checks })}`);
