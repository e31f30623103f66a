import { describe, expect, it } from 'vitest';
import { recordingHome } from '../__test__/recording-home.js';
import { type Auth, apiKey, createAuth, type TokenSourceFunction, tokenSource } from '../index.js';
import { renewAfterUnauthorized } from './renew.js';

const home = recordingHome();

const authWith = (source: TokenSourceFunction): Auth =>
  home.track(createAuth({ baseUrl: home.server.url, credentials: tokenSource(source) }));

/** The first request gets a 401 from the server (which accepts only `token-2`). */
async function firstAttempt(auth: Auth) {
  home.server.accept('Bearer token-2');
  const url = `${home.server.url}/v1/meta`;
  const headers = await auth.authorize(url);
  const response = await fetch(url, { headers });
  expect(response.status).toBe(401);
  return { url, headers };
}

describe('renewAfterUnauthorized', () => {
  it('true when a new credential exists: the retry with it succeeds', async () => {
    let issued = 0;
    const auth = authWith(() => ({ accessToken: `token-${++issued}` }));
    const { url, headers } = await firstAttempt(auth);
    expect(await renewAfterUnauthorized(auth, url, headers)).toBe(true);
    const retry = await fetch(url, { headers: await auth.authorize(url) });
    expect(retry.status).toBe(200);
    expect(home.server.seen.map((entry) => entry.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
  });

  it('false for a static API key (no pointless retry)', async () => {
    const auth = home.track(createAuth({ baseUrl: home.server.url, credentials: apiKey('token-1') }));
    const { url, headers } = await firstAttempt(auth);
    expect(await renewAfterUnauthorized(auth, url, headers)).toBe(false);
  });

  it('a rejection is swallowed (false); the next authorize() reports it', async () => {
    let calls = 0;
    const auth = authWith(() => {
      if (++calls > 1) throw new Error('the token service refused');
      return { accessToken: 'token-1' };
    });
    const { url, headers } = await firstAttempt(auth);
    expect(await renewAfterUnauthorized(auth, url, headers)).toBe(false);
    await expect(auth.authorize(url)).rejects.toMatchObject({
      cause: { message: 'the token service refused' },
    });
  });

  it('unless the caller’s signal aborted: then the abort reason comes through', async () => {
    let calls = 0;
    const auth = authWith(
      (signal) =>
        new Promise((resolve, reject) => {
          if (++calls === 1) resolve({ accessToken: 'token-1' });
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    const { url, headers } = await firstAttempt(auth);
    const controller = new AbortController();
    const renewing = renewAfterUnauthorized(auth, url, headers, { signal: controller.signal });
    const reason = new Error('the caller gave up');
    controller.abort(reason);
    await expect(renewing).rejects.toBe(reason);
  });
});
