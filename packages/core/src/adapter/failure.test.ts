import { describe, expect, it } from 'vitest';
import { recordingHome } from '../__test__/recording-home.js';
import { type AuthOptions, apiKey, createAuth } from '../index.js';
import { isAuthFailure } from './failure.js';

const home = recordingHome();

const authWith = (options: Partial<AuthOptions> = {}) =>
  home.track(createAuth({ baseUrl: home.server.url, credentials: apiKey('key'), ...options }));

/** What the recording server answers a request that carries a refused credential. */
async function refusal(status: number, body: unknown): Promise<Response> {
  home.server.accept('Bearer accepted', { status, body });
  return fetch(`${home.server.url}/v1/meta`, { headers: { authorization: 'Bearer refused' } });
}

describe('isAuthFailure', () => {
  it('anything but a 4xx is no failure, answered at once (no promise)', () => {
    const auth = authWith({ isAuthFailure: () => true });
    for (const status of [200, 204, 302, 500, 503]) {
      expect(isAuthFailure(auth, new Response(null, { status }))).toBe(false);
    }
  });

  it('an auth without isAuthFailure (a hand-made one) counts a 401 alone', async () => {
    const auth = authWith({ isAuthFailure: () => true });
    const handMade = {
      authorize: auth.authorize.bind(auth),
      handleUnauthorized: auth.handleUnauthorized.bind(auth),
    };
    expect(isAuthFailure(handMade, await refusal(401, {}))).toBe(true);
    expect(isAuthFailure(handMade, await refusal(403, {}))).toBe(false);
    // createAuth()'s default is the same rule.
    expect(await isAuthFailure(authWith(), await refusal(401, {}))).toBe(true);
    expect(await isAuthFailure(authWith(), await refusal(419, {}))).toBe(false);
  });

  it('a Response: the predicate reads a copy of the body, the caller’s stays unread', async () => {
    const seen: unknown[] = [];
    const auth = authWith({
      isAuthFailure: async (answer) => {
        seen.push(answer.status, answer.headers.get('content-type'), await answer.json());
        return false;
      },
    });
    const response = await refusal(400, { error: 'bad_query' });
    expect(await isAuthFailure(auth, response)).toBe(false);
    expect(seen).toEqual([400, 'application/json', { error: 'bad_query' }]);
    expect(await response.json()).toEqual({ error: 'bad_query' });
  });

  it('a body that is not JSON reads as undefined', async () => {
    let body: unknown = 'not read';
    const auth = authWith({
      isAuthFailure: async (answer) => {
        body = await answer.json();
        return true;
      },
    });
    expect(await isAuthFailure(auth, new Response('<html>', { status: 403 }))).toBe(true);
    expect(body).toBeUndefined();
  });

  it('an answer a client already read (axios): a string body is parsed, an object given as is, header values joined', async () => {
    const seen: unknown[] = [];
    const auth = authWith({
      isAuthFailure: async (answer) => {
        seen.push(await answer.json(), answer.headers.get('set-cookie'), answer.headers.get('x-count'));
        return answer.status === 419;
      },
    });
    const headers = { 'set-cookie': ['a=1', 'b=2'], 'x-count': 3, 'x-none': null };
    expect(await isAuthFailure(auth, { status: 419, headers, body: '{"error":"expired"}' })).toBe(true);
    expect(await isAuthFailure(auth, { status: 400, headers: {}, body: { error: 'bad' } })).toBe(false);
    expect(await isAuthFailure(auth, { status: 400, headers: {}, body: new ArrayBuffer(2) })).toBe(false);
    expect(seen).toEqual([
      { error: 'expired' },
      'a=1, b=2',
      '3',
      { error: 'bad' },
      null,
      null,
      undefined,
      null,
      null,
    ]);
  });
});
