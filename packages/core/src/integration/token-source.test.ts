import type { WeaviateServer } from '@auth/testing';
import { describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { createAuth } from '../create-auth.js';
import { apiKey } from '../credentials/api-key.js';
import { tokenSource } from '../credentials/token-source.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { TimeoutError } from '../errors/timeout-error.js';

let server: WeaviateServer;
const leaks = embeddedServerForFile({ accessTokenTtl: 2 }, (started) => {
  server = started;
});

describe('tokenSource against the embedded server', () => {
  it('calls the function once for concurrent callers, passes the previous refresh token, and retries after a 401', async () => {
    const seen: (string | undefined)[] = [];
    const source = tokenSource(async (_signal, { refreshToken }) => {
      seen.push(refreshToken);
      const tokens = await server.issueTokens();
      leaks.secret(tokens.accessToken, tokens.refreshToken);
      return tokens;
    });
    const auth = leaks.watch(
      createAuth({ baseUrl: server.url, credentials: source, onEvent: leaks.onEvent }),
    );
    const all = await Promise.all(Array.from({ length: 50 }, () => send(auth, leaks, '/v1/meta')));
    expect(all.every((response) => response.status === 200)).toBe(true);
    expect(seen).toHaveLength(1);
    server.faults.revokeAllTokens();
    expect((await send(auth, leaks, '/v1/meta')).status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatch(/\S{10,}/);
    await auth.close();
  });

  it('rejects a result without an access token, and times out a function that never answers', async () => {
    const empty = leaks.watch(
      createAuth({
        baseUrl: server.url,
        credentials: tokenSource(() => ({ accessToken: '' })),
        timeout: 200,
      }),
    );
    await expect(leaks.catching(empty.authorize('/v1/meta'))).rejects.toThrow(InvalidTokenResponseError);
    await empty.close();
    const stuck = leaks.watch(
      createAuth({
        baseUrl: server.url,
        credentials: tokenSource(() => new Promise(() => {})),
        timeout: 100,
      }),
    );
    const error = await leaks.catching(stuck.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/The tokenSource\(\) function did not answer within 100 ms/);
    await stuck.close();
  });

  it('trims a token read from a file, so a 401 for it is renewed; a line break inside is a typed error that does not show it', async () => {
    let calls = 0;
    const stale = leaks.watch(
      createAuth({
        baseUrl: server.url,
        credentials: tokenSource(async () => {
          const tokens = await server.issueTokens();
          leaks.secret(tokens.accessToken, tokens.refreshToken);
          // The first token is refused by the server; both end in a newline, as read from a file.
          return {
            accessToken: `${calls++ === 0 ? 'stale-token-from-a-file' : tokens.accessToken}\n`,
            expiresIn: 60,
          };
        }),
      }),
    );
    expect(await stale.authorize('/v1/meta')).toEqual({ Authorization: 'Bearer stale-token-from-a-file' });
    expect((await send(stale, leaks, '/v1/meta')).status).toBe(200);
    expect(calls).toBe(2);
    await stale.close();

    const token = 'SECRET-FILE-TOKEN-0123456789';
    leaks.secret(token);
    const broken = leaks.watch(
      createAuth({
        baseUrl: server.url,
        credentials: tokenSource(() => ({ accessToken: `${token}\r\nX-Injected: 1`, expiresIn: 60 })),
      }),
    );
    const error = await leaks.catching(broken.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidTokenResponseError);
    expect((error as Error).message).toMatch(/whitespace or control characters inside \(a line break\?\)/);
    expect((error as Error).message).not.toContain(token);
    await broken.close();
  });

  it('a token source or key function that returns the whole header value (`Bearer <token>`) is told to return the token alone', async () => {
    const token = 'SECRET-SCHEMED-TOKEN-0123456789';
    leaks.secret(token);
    const schemed = leaks.watch(
      createAuth({
        baseUrl: server.url,
        credentials: tokenSource(() => ({ accessToken: `Bearer ${token}` })),
      }),
    );
    const error = await leaks.catching(schemed.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidTokenResponseError);
    expect((error as Error).message).toContain('starts with `Bearer ` (return the token alone');
    expect((error as Error).message).not.toContain(token);
    await schemed.close();
    const keyed = leaks.watch(
      createAuth({ baseUrl: server.url, credentials: apiKey(() => `Bearer ${token}`) }),
    );
    const keyError = await leaks.catching(keyed.authorize('/v1/meta')).catch((caught: unknown) => caught);
    expect((keyError as Error).message).toMatch(
      /the key the function returned starts with `Bearer `: pass it without/,
    );
    expect((keyError as Error).message).not.toContain(token);
    await keyed.close();
  });
});
