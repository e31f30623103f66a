import type { WeaviateServer } from '@auth/testing';
import { describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { createAuth } from '../create-auth.js';
import { bearerToken } from '../credentials/bearer-token.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';

let server: WeaviateServer;
const leaks = embeddedServerForFile({ accessTokenTtl: 2 }, (started) => {
  server = started;
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function issued() {
  const tokens = await server.issueTokens();
  leaks.secret(tokens.accessToken, tokens.refreshToken);
  server.stats.reset();
  return tokens;
}

function auth(credentials: ReturnType<typeof bearerToken>) {
  return leaks.watch(
    createAuth({
      baseUrl: server.url,
      credentials: leaks.watch(credentials),
      store: leaks.store(),
      onEvent: leaks.onEvent,
    }),
  );
}

describe('bearerToken against the embedded server', () => {
  it('sends the given token without a token request, discovers the provider meanwhile, then refreshes with the refresh token', async () => {
    const tokens = await issued();
    const client = auth(bearerToken(tokens));
    expect(await client.authorize('/v1/meta')).toEqual({ Authorization: `Bearer ${tokens.accessToken}` });
    expect((await send(client, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.total).toBe(0);
    await sleep(1_100);
    // Discovery ran in the background when the token session started, not at the refresh below.
    expect(server.stats.discoveryRequests).toBe(1);
    expect(server.stats.tokenRequests.total).toBe(0);
    expect((await send(client, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    expect(server.stats.discoveryRequests).toBe(1);
    expect(server.stats.requests[401]).toBe(0);
    await client.close();
  });

  it('never sends an expired token when there is no refresh token', async () => {
    const { accessToken, expiresIn } = await issued();
    const client = auth(bearerToken({ accessToken, expiresIn }));
    expect((await send(client, leaks, '/v1/meta')).status).toBe(200);
    await sleep(1_100);
    const error = await leaks.catching(client.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReauthenticationRequiredError);
    expect((error as Error).message).toMatch(/the token expired and there is no refresh token/);
    expect(server.stats.requests[401]).toBe(0);
    expect(server.stats.tokenRequests.total).toBe(0);
    await client.close();
  });

  it('asks for reauthentication when the refresh token was revoked', async () => {
    const tokens = await issued();
    const client = auth(bearerToken(tokens));
    server.faults.revokeAllTokens();
    const first = await send(client, leaks, '/v1/meta').catch((caught: unknown) => caught);
    expect(first).toBeInstanceOf(ReauthenticationRequiredError);
    expect((first as Error).message).toMatch(/refused the refresh token \(invalid_grant\)/);
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    expect(server.stats.requests[401]).toBe(1);
    // The token is gone from the store now, but the next call still gives the real reason.
    const again = await send(client, leaks, '/v1/meta').catch((caught: unknown) => caught);
    expect(again).toBeInstanceOf(ReauthenticationRequiredError);
    expect((again as Error).message).toMatch(/refused the refresh token \(invalid_grant\)/);
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    await client.close();
  });

  it('keeps the rotated refresh token when the refresh answer is rejected after the provider rotated it', async () => {
    const tokens = await issued();
    const client = auth(bearerToken({ ...tokens, expiresIn: 0 }));
    // A real refresh answer (the provider rotates the refresh token) with a token_type core refuses.
    server.faults.malformedTokenResponses('token-type-mac');
    const error = await leaks.catching(client.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidTokenResponseError);
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    // The next refresh presents the rotated refresh token, not the used one (which would be invalid_grant).
    expect((await send(client, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.refresh_token).toBe(2);
    expect(server.stats.requests[401]).toBe(0);
    await client.close();
  });
});
