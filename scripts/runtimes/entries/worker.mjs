// The Worker of `pnpm test:runtimes` (bundled by drivers/workerd.mjs as wrangler bundles one, run in
// workerd through miniflare). The scenario's auth objects are made at module scope, when the Worker starts,
// as a Worker holds its clients; the driver sends the requests below one after another, as visitors would.
// The auth objects after the scenario use the client-credentials grant, which the server counts apart from
// the scenario's password and refresh grants.
import { env } from 'cloudflare:workers';
import { clientCredentials, createAuth, memoryStore, oidcPassword } from '@auth/core';
import { withAuth } from '@auth/fetch';
import { check, scenario, sleep } from './scenario.mjs';

const config = JSON.parse(env.RUNTIME_CONFIG);
const run = scenario(config);
// Its first token request is left running by a request that ends before it does (`/leave`).
const left = createAuth({ baseUrl: config.url, credentials: oidcPassword(config.user) });
// Shared by auth objects made per request (`/leave-shared`, `/after-leave-shared`).
const store = memoryStore();
const service = () =>
  clientCredentials({ clientId: config.client.clientId, clientSecret: config.client.clientSecret });
/** Made by `/make`, used again by `/use-later`. */
let madeInRequest;

const stats = async () => (await fetch(config.statsUrl)).json();
const json = (checks) => Response.json(checks);
const meta = async (auth) => {
  const response = await withAuth(fetch, auth)(`${config.url}/v1/meta`);
  await response.arrayBuffer();
  return response.status === 200 || `answered ${response.status}`;
};

/**
 * Starts `auth`'s first token request and answers once the server has it, held back for 3 s: the request
 * ends, the token request is still running.
 */
async function leaveRunning(auth) {
  const before = (await stats()).tokenRequests.total;
  await fetch(`${config.hangUrl}?ms=3000`, { method: 'POST' });
  auth.authorize(`${config.url}/v1/meta`).catch(() => {});
  for (let tries = 0; tries < 250 && (await stats()).tokenRequests.total === before; tries++) await sleep(20);
  return new Response('left running');
}

export default {
  async fetch(request) {
    switch (new URL(request.url).pathname) {
      case '/first':
        return json(await run.first());
      case '/make':
        madeInRequest = createAuth({ baseUrl: config.url, credentials: service() });
        return json([await check('an auth object made in a request serves it', () => meta(madeInRequest))]);
      case '/refreshed':
        return json([
          await check('auth objects made at module scope serve a later request', () => meta(run.auths.admin)),
          ...(await run.refreshed()),
        ]);
      case '/use-later':
        return json([
          await check(
            'an auth object made in one request serves a later one, with a new token there',
            async () => {
              const before = (await stats()).tokenRequests.client_credentials;
              const outcome = await meta(madeInRequest);
              const grants = (await stats()).tokenRequests.client_credentials - before;
              return outcome === true && grants === 1 ? true : `${outcome}, ${grants} new grants`;
            },
          ),
        ]);
      case '/leave':
        return leaveRunning(left);
      case '/after-leave':
        return json([
          await check('a token request left running by a request that ended does not hang the next', () =>
            meta(left),
          ),
        ]);
      case '/leave-shared':
        return leaveRunning(createAuth({ baseUrl: config.url, credentials: service(), store }));
      case '/after-leave-shared':
        return json([
          await check('a memoryStore() lock held by a request that ended does not hang the next', () =>
            meta(createAuth({ baseUrl: config.url, credentials: service(), store })),
          ),
        ]);
      case '/close':
        await Promise.all([run.close(), left.close(), madeInRequest?.close()]);
        return json([
          await check('close() in a later request closes them', () =>
            run.auths.oidc.authorize(`${config.url}/v1/meta`).then(
              () => 'still authorizes',
              (error) => error.name === 'AuthClosedError' || `${error.name}: ${error.message}`,
            ),
          ),
        ]);
      default:
        return new Response('not found', { status: 404 });
    }
  },
};
