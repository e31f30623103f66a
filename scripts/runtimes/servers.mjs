// The embedded servers of `pnpm test:runtimes`: one Weaviate-compatible server (with its OpenID Provider)
// per runtime, from the packed @auth/testing installed in the consumer project, and one small HTTP endpoint
// that tells each runtime what its server counted (`GET /stats/<runtime>`, CORS open for the browser) and
// holds its next token request back (`POST /hang/<runtime>?ms=N`, for the Worker's requests that end first).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The REST paths whose counts the scenario compares. */
const PATHS = ['/v1/objects', '/v1/schema', '/v1/meta', '/v1/graphql'];

/** What a server counted: token requests by grant, and REST requests to each of PATHS by outcome. */
function countsOf({ stats }) {
  return {
    tokenRequests: { ...stats.tokenRequests },
    paths: Object.fromEntries(PATHS.map((path) => [path, { ...stats.byPath(path) }])),
  };
}

/**
 * Starts a server for each of `names`, with access tokens that live `lifetime` seconds. Resolves with the
 * config each runtime's scenario gets, and `close()`.
 */
export async function startServers(consumer, names, lifetime) {
  const require = createRequire(join(consumer, 'package.json'));
  const { startWeaviateServer } = await import(pathToFileURL(require.resolve('@auth/testing')).href);
  const servers = new Map();
  const control = createServer((request, response) => {
    const url = new URL(request.url, 'http://control');
    const [, action, name] = url.pathname.split('/');
    const server = servers.get(decodeURIComponent(name ?? ''));
    response.setHeader('access-control-allow-origin', '*');
    if (!server || !['stats', 'hang'].includes(action)) {
      response.writeHead(404).end();
      return;
    }
    if (action === 'hang') {
      server.faults.hangTokenRequests(Number(url.searchParams.get('ms')));
      response.writeHead(204).end();
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(countsOf(server)));
  });
  await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlUrl = `http://127.0.0.1:${control.address().port}`;
  const configs = {};
  try {
    for (const name of names) {
      const server = await startWeaviateServer({ accessTokenTtl: lifetime });
      servers.set(name, server);
      // graphql-request's check counts the objects of an Article class.
      const seeded = await fetch(`${server.url}/v1/objects`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.keys.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ class: 'Article', properties: { title: 'Hello' } }),
      });
      if (seeded.status !== 200)
        throw new Error(`could not create the Article class (HTTP ${seeded.status})`);
      configs[name] = {
        url: server.url,
        statsUrl: `${controlUrl}/stats/${encodeURIComponent(name)}`,
        hangUrl: `${controlUrl}/hang/${encodeURIComponent(name)}`,
        keys: {
          admin: server.keys.admin,
          readOnly: server.keys.readOnly,
          wrong: randomBytes(24).toString('base64url'),
        },
        user: { ...server.users.admin },
        client: { ...server.clients.service },
        lifetime,
      };
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  async function closeAll() {
    await Promise.all([...servers.values()].map((server) => server.close()));
    await new Promise((resolve) => control.close(resolve));
  }
  return { configs, stats: async (name) => countsOf(servers.get(name)), close: closeAll };
}
