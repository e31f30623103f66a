import { describe, expect, it } from 'vitest';
import { createAuth } from './create-auth.js';
import type { Credentials } from './credentials/credentials.js';
import { memoryStore } from './store.js';

/**
 * A credential that records what the token manager asks of it: `preload` (the hook that loads a credential's
 * code for token requests alongside the manager's own), `obtain` and `revoke`.
 */
function recordingCredential(calls: string[]): Credentials {
  let serial = 0;
  return {
    kind: 'recording',
    bind: () => ({
      grant: 'token_source',
      renewable: true,
      identity: 'service-account',
      preload: () => {
        calls.push('preload');
      },
      obtain: async () => {
        calls.push('obtain');
        serial++;
        return { accessToken: `access-${serial}`, expiresIn: 3600, refreshToken: `refresh-${serial}` };
      },
      revoke: async () => {
        calls.push('revoke');
      },
    }),
  };
}

describe('the code of token requests, loaded with the first one', () => {
  it('is asked for once, with the first token request, before the grant runs', async () => {
    const calls: string[] = [];
    await using auth = createAuth({ baseUrl: 'http://127.0.0.1:1', credentials: recordingCredential(calls) });
    const headers = await Promise.all(Array.from({ length: 20 }, () => auth.authorize('/v1/meta')));
    expect(new Set(headers.map((h) => h.Authorization))).toEqual(new Set(['Bearer access-1']));
    await auth.authorize('/v1/meta');
    expect(calls).toEqual(['preload', 'obtain']);
  });

  it('is never asked for by an auth object whose token is at hand in a shared store, until it signs out and revokes', async () => {
    const store = memoryStore();
    const first: string[] = [];
    await using a = createAuth({
      baseUrl: 'http://127.0.0.1:1',
      credentials: recordingCredential(first),
      store,
    });
    expect(await a.authorize('/v1/meta')).toMatchObject({ Authorization: 'Bearer access-1' });

    const second: string[] = [];
    const b = createAuth({ baseUrl: 'http://127.0.0.1:1', credentials: recordingCredential(second), store });
    for (let i = 0; i < 5; i++)
      expect(await b.authorize('/v1/meta')).toMatchObject({ Authorization: 'Bearer access-1' });
    expect(second).toEqual([]);
    await b.signOut();
    expect(second).toEqual(['preload', 'revoke']);
    expect(first).toEqual(['preload', 'obtain']);
  });
});
