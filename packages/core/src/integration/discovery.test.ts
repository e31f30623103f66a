import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeakCheck } from '../__test__/leaks.js';
import { createAuth } from '../create-auth.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { InsecureTransportError } from '../errors/insecure-transport-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import type { AuthEvent } from '../events.js';

// Discovery faults @auth/testing does not offer: a Weaviate discovery endpoint that hangs, fails or lies.
let server: Server;
let base: string;
let mode: 'hang' | '500' | 'garbage' | 'no-client-id' | 'remote-http' = 'hang';
let hits = 0;
const leaks = new LeakCheck();
leaks.secret('discovery-pw-1');

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url !== '/v1/.well-known/openid-configuration') return void response.writeHead(404).end();
    hits++;
    if (mode === 'hang') return;
    if (mode === '500') return void response.writeHead(500).end('oops');
    const body =
      mode === 'garbage'
        ? { nothing: true }
        : mode === 'no-client-id'
          ? { href: 'https://login.example.com/realms/x/.well-known/openid-configuration' }
          : { href: 'http://login.internal/.well-known/openid-configuration', clientId: 'c' };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  leaks.assertClean();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function auth(timeout = 10_000, events: AuthEvent[] = []) {
  return leaks.watch(
    createAuth({
      baseUrl: base,
      credentials: oidcPassword({ username: 'u', password: 'discovery-pw-1' }),
      timeout,
      onEvent: (event) => {
        events.push(event);
        leaks.onEvent(event);
      },
    }),
  );
}

describe('Weaviate discovery faults', () => {
  it('times out a hanging discovery request, retries it, and names the URL', async () => {
    mode = 'hang';
    hits = 0;
    const events: AuthEvent[] = [];
    const client = auth(150, events);
    const error = await leaks.catching(client.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(
      `GET ${base}/v1/.well-known/openid-configuration did not answer within 150 ms. Check that the server is reachable, or raise the \`timeout\` option.`,
    );
    // 1 + 3 retries, each timed out (on a loaded machine a request may time out before it reaches the server).
    const failures = events.filter((event) => event.type === 'refresh-failed');
    expect(failures.map((event) => event.willRetry)).toEqual([true, true, true, false]);
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThanOrEqual(4);
    await client.close();
  });

  it('lets the caller abort while discovery hangs', async () => {
    mode = 'hang';
    const client = auth();
    const reason = new Error('caller gave up');
    const controller = new AbortController();
    const waiting = client.authorize('/v1/meta', { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(waiting).rejects.toBe(reason);
    await client.close();
  });

  it('retries a 500 and reports it as a transient DiscoveryError', async () => {
    mode = '500';
    hits = 0;
    const client = auth();
    const error = await leaks.catching(client.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ status: 500, transient: true, code: 'AUTH_DISCOVERY_FAILED' });
    expect(hits).toBe(4);
    await client.close();
  });

  /** The DiscoveryError an answer of `answer` gives, after checking it was asked for once (no retry). */
  async function refusedOnce(answer: typeof mode): Promise<DiscoveryError> {
    mode = answer;
    hits = 0;
    const client = auth();
    const error = await leaks.catching(client.authorize('/v1/meta')).catch((caught: unknown) => caught);
    await client.close();
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(hits).toBe(1);
    return error as DiscoveryError;
  }

  it('rejects an answer without href and clientId, without retrying', async () => {
    expect((await refusedOnce('garbage')).message).toMatch(
      /without a valid `href` and `clientId`.*oidc: \{ issuer, clientId \}/,
    );
  });

  it('names the provider and says to pass oidc.clientId when Weaviate omits clientId (skip_client_id_check), without retrying', async () => {
    // Weaviate's discovery model has `clientId,omitempty`; with skip_client_id_check and no client_id it
    // answers only `href` (adapters/handlers/rest/handlers_misc.go).
    expect((await refusedOnce('no-client-id')).message).toMatch(
      /named the provider \(https:\/\/login\.example\.com\/realms\/x\) but no client id: .*skip_client_id_check.*`oidc: \{ issuer: 'https:\/\/login\.example\.com\/realms\/x', clientId: '<client id>' \}`/,
    );
  });

  it('refuses a provider on plain http that is not loopback', async () => {
    mode = 'remote-http';
    const client = auth();
    await expect(leaks.catching(client.authorize('/v1/meta'))).rejects.toThrow(InsecureTransportError);
    await client.close();
  });
});
