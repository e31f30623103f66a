import type { WeaviateServer } from '@auth/testing';
import { describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { createAuth } from '../create-auth.js';
import { clientCredentials } from '../credentials/client-credentials.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import type { AuthEvent } from '../events.js';

let server: WeaviateServer;
const leaks = embeddedServerForFile({ accessTokenTtl: 2 }, (started) => {
  server = started;
});

function serviceAuth(options: { clientSecret: string; clientId?: string; scopes?: string[] }) {
  const events: AuthEvent[] = [];
  const auth = createAuth({
    baseUrl: server.url,
    credentials: leaks.watch(clientCredentials(options)),
    store: leaks.store(),
    onEvent: (event) => {
      leaks.onEvent(event);
      events.push(event);
    },
  });
  return { auth: leaks.watch(auth), events };
}

describe('clientCredentials against the embedded server', () => {
  it('gets a token with client_secret_post and runs the grant again at expiry', async () => {
    const { auth, events } = serviceAuth(server.clients.service);
    const me = await send(auth, leaks, '/v1/users/own-info');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      username: expect.stringContaining(server.clients.service.clientId),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.client_credentials).toBe(2);
    expect(server.stats.tokenRequests.refresh_token).toBe(0);
    expect(server.stats.requests[401]).toBe(0);
    expect(events.filter((event) => event.type === 'refresh-succeeded')).toEqual([
      { type: 'refresh-succeeded', grant: 'client_credentials', expiresIn: 2, hasRefreshToken: false },
      { type: 'refresh-succeeded', grant: 'client_credentials', expiresIn: 2, hasRefreshToken: false },
    ]);
    await auth.close();
  });

  it('defaults the client id from discovery and lets it be overridden', async () => {
    const wrongDefault = serviceAuth({ clientSecret: server.clients.service.clientSecret });
    const error = await leaks
      .catching(wrongDefault.auth.authorize('/v1/meta'))
      .catch((caught: unknown) => caught);
    // The discovered client is the public one; it has no secret and may not use client_credentials.
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).error).toMatch(/invalid_client|unauthorized_client/);
    expect((error as Error).message).toMatch(/client_credentials grant/);
    await wrongDefault.auth.close();
  });

  it('reports a wrong secret as invalid_client without retrying', async () => {
    const { auth } = serviceAuth({
      clientId: server.clients.service.clientId,
      clientSecret: 'not-the-secret-1',
    });
    leaks.secret('not-the-secret-1');
    const error = await leaks.catching(auth.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'TokenRequestError',
      error: 'invalid_client',
      status: 401,
      transient: false,
    });
    expect((error as Error).message).toMatch(/Check the client id and client secret/);
    expect(server.stats.tokenRequests.total).toBe(1);
    await auth.close();
  });
});
