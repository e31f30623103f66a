// The scenario every runtime of `pnpm test:runtimes` runs, from the packed tarballs installed in a throwaway
// project (see run.mjs). Web APIs only: the same file runs in Node, Bun, Deno, workerd and Chromium.
//
// `scenario(config)` makes every auth object at once (in a Worker: at module scope), then runs in two parts,
// so that a Worker serves them from two requests: `first()` (the keys, the OIDC password grant, the
// adapters), then, once the token's lifetime has passed, `refreshed()` (the refresh). Every check compares
// what the embedded server counted before and after (config.statsUrl).
import { withAuth as withAxios } from '@auth/axios';
import { apiKey, createAuth, oidcPassword } from '@auth/core';
import { withAuth as withFetch } from '@auth/fetch';
import { withAuth as withGraphql } from '@auth/graphql-request';
import { withAuth as withKy } from '@auth/ky';
import { redisStore } from '@auth/redis-store';
import axios from 'axios';
import { GraphQLClient } from 'graphql-request';
import ky1 from 'ky1';

/**
 * @typedef {{ url: string, statsUrl: string, keys: { admin: string, readOnly: string, wrong: string },
 *   user: { username: string, password: string }, lifetime: number, ky2: boolean }} Config
 * @typedef {{ name: string, ok: boolean, detail?: string }} Check
 */

/** Runs `body` as one check: it holds when `body` returns true; a string or an error says why not. */
export async function check(name, body) {
  try {
    const outcome = await body();
    return outcome === true ? { name, ok: true } : { name, ok: false, detail: String(outcome) };
  } catch (error) {
    return { name, ok: false, detail: describe(error) };
  }
}

export function describe(error) {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {Config} config */
export function scenario(config) {
  const { url } = config;
  const admin = createAuth({ baseUrl: url, credentials: apiKey(config.keys.admin) });
  const readOnly = createAuth({ baseUrl: url, credentials: apiKey(config.keys.readOnly) });
  const wrong = createAuth({ baseUrl: url, credentials: apiKey(config.keys.wrong) });
  const oidc = createAuth({
    baseUrl: url,
    credentials: oidcPassword({ username: config.user.username, password: config.user.password }),
  });
  const all = [admin, readOnly, wrong, oidc];
  const stats = async () => (await fetch(config.statsUrl)).json();
  const delta = (before, after, path) => ({
    total: after.paths[path].total - before.paths[path].total,
    200: after.paths[path][200] - before.paths[path][200],
    401: after.paths[path][401] - before.paths[path][401],
    403: after.paths[path][403] - before.paths[path][403],
  });
  let start;

  /** A check of one request through the fetch adapter: its status, and what the server counted for `path`. */
  const counted = (name, auth, path, init, want) =>
    check(name, async () => {
      const before = await stats();
      const response = await withFetch(fetch, auth)(`${url}${path}`, init);
      await response.arrayBuffer();
      const seen = delta(before, await stats(), path);
      const expected = { total: 1, [want]: 1 };
      const ok = response.status === want && Object.entries(expected).every(([k, v]) => seen[k] === v);
      return ok || `answered ${response.status}; the server counted ${JSON.stringify(seen)}`;
    });

  const ok200 = async (request) => {
    const status = await request();
    return status === 200 || `answered ${status}`;
  };

  return {
    auths: { admin, readOnly, wrong, oidc },

    /** @returns {Promise<Check[]>} */
    async first() {
      start = await stats();
      const checks = [
        await check('@auth/redis-store imports (nothing runs at import time)', () =>
          typeof redisStore === 'function' ? true : 'no redisStore export',
        ),
        await counted('admin key: a read answers 200', admin, '/v1/objects', {}, 200),
        await counted(
          'read-only key: a write answers 403 after one request',
          readOnly,
          '/v1/objects',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ class: 'Article', properties: { title: 'refused' } }),
          },
          403,
        ),
        await counted('wrong key: 401 after exactly one request', wrong, '/v1/schema', {}, 401),
        await check('oidcPassword: a token from one password grant', async () => {
          const response = await withFetch(fetch, oidc)(`${url}/v1/meta`);
          await response.arrayBuffer();
          const now = await stats();
          const grants = now.tokenRequests.password - start.tokenRequests.password;
          return (
            (response.status === 200 && grants === 1) || `answered ${response.status} after ${grants} grants`
          );
        }),
        await check('axios adapter', () =>
          ok200(
            async () => (await withAxios(axios.create({ baseURL: `${url}/v1` }), oidc).get('/meta')).status,
          ),
        ),
        await check('ky 1 adapter (prefixUrl)', () =>
          ok200(async () => (await withKy(ky1.create({ prefixUrl: `${url}/v1/` }), oidc).get('meta')).status),
        ),
      ];
      if (config.ky2) {
        checks.push(
          await check('ky 2 adapter (baseUrl)', async () => {
            const { default: ky } = await import('ky');
            return ok200(
              async () => (await withKy(ky.create({ baseUrl: `${url}/v1/` }), oidc).get('meta')).status,
            );
          }),
        );
      }
      checks.push(
        await check('graphql-request adapter', async () => {
          const client = new GraphQLClient(`${url}/v1/graphql`, withGraphql({}, oidc));
          const data = await client.request('{ Aggregate { Article { meta { count } } } }');
          const count = data?.Aggregate?.Article?.[0]?.meta?.count;
          return typeof count === 'number' || `answered ${JSON.stringify(data)}`;
        }),
      );
      return checks;
    },

    /** After the token's lifetime: @returns {Promise<Check[]>} */
    async refreshed() {
      return [
        await check(
          "oidcPassword: past the token's lifetime, one refresh_token grant, no new password",
          async () => {
            const response = await withFetch(fetch, oidc)(`${url}/v1/meta`);
            await response.arrayBuffer();
            const now = await stats();
            const grants = {
              password: now.tokenRequests.password - start.tokenRequests.password,
              refresh_token: now.tokenRequests.refresh_token - start.tokenRequests.refresh_token,
            };
            const ok = response.status === 200 && grants.password === 1 && grants.refresh_token >= 1;
            return ok || `answered ${response.status}; grants ${JSON.stringify(grants)}`;
          },
        ),
      ];
    },

    async close() {
      await Promise.all(all.map((auth) => auth.close()));
    },
  };
}

/** The whole scenario in one go, waiting out the token's lifetime in between (Node, Bun, Deno, Chromium). */
export async function runScenario(config) {
  const run = scenario(config);
  const checks = await run.first();
  await sleep(config.lifetime * 1000 + 500);
  checks.push(...(await run.refreshed()));
  await run.close();
  return checks;
}
