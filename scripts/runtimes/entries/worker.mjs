// The Worker of `pnpm test:runtimes` (bundled by drivers/workerd.mjs as wrangler bundles one, run in
// workerd through miniflare). Its auth objects are made at module scope, when the Worker starts, as a Worker
// holds its clients; every request below uses them.
import { env } from 'cloudflare:workers';
import { createAuth, oidcPassword } from '@auth/core';
import { withAuth } from '@auth/fetch';
import { check, scenario } from './scenario.mjs';

const config = JSON.parse(env.RUNTIME_CONFIG);
const run = scenario(config);
// Its first token request is left running by a request that answers at once (`/leave`).
const left = createAuth({ baseUrl: config.url, credentials: oidcPassword(config.user) });

const json = (checks) => Response.json(checks);
const meta = async (auth) => {
  const response = await withAuth(fetch, auth)(`${config.url}/v1/meta`);
  await response.arrayBuffer();
  return response.status === 200 || `answered ${response.status}`;
};

export default {
  async fetch(request) {
    switch (new URL(request.url).pathname) {
      case '/first':
        return json(await run.first());
      case '/refreshed':
        return json([
          await check('auth objects made at module scope serve a later request', () => meta(run.auths.admin)),
          ...(await run.refreshed()),
        ]);
      case '/leave':
        left.authorize(`${config.url}/v1/meta`).catch(() => {});
        return new Response('left running');
      case '/after-leave':
        return json([
          await check('a token request left running by a request that ended does not hang the next', () =>
            meta(left),
          ),
        ]);
      case '/close':
        await Promise.all([run.close(), left.close()]);
        return json([
          await check('close() in a later request closes them', async () => {
            const outcome = await run.auths.oidc.authorize(`${config.url}/v1/meta`).then(
              () => 'still authorizes',
              (error) => error.name === 'AuthClosedError' || `${error.name}: ${error.message}`,
            );
            return outcome;
          }),
        ]);
      default:
        return new Response('not found', { status: 404 });
    }
  },
};
