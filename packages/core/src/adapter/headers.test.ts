import { describe, expect, it } from 'vitest';
import { recordingHome } from '../__test__/recording-home.js';
import { apiKey, createAuth } from '../index.js';
import { applyAuthHeaders } from './headers.js';

const home = recordingHome();

describe('applyAuthHeaders', () => {
  it('a header the caller set wins; the others are added and recorded, lower case', async () => {
    const auth = home.track(
      createAuth({
        baseUrl: home.server.url,
        credentials: apiKey('home-key'),
        headers: { 'X-Module-Key': 'module-secret', 'X-Shared': 'same' },
      }),
    );
    const headers = new Headers({ 'x-module-key': 'the-callers-own', 'X-Shared': 'same', 'X-Trace': '1' });
    const fromAuth = new Set<string>();
    applyAuthHeaders(headers, await auth.authorize(`${home.server.url}/v1/meta`), fromAuth);
    await fetch(`${home.server.url}/v1/meta`, { headers });
    expect(home.server.seen[0]?.headers).toMatchObject({
      authorization: 'Bearer home-key',
      'x-module-key': 'the-callers-own',
      'x-shared': 'same',
      'x-trace': '1',
    });
    // The caller's identical value counts as from auth: it is replaced on a retry and dropped abroad.
    expect([...fromAuth].sort()).toEqual(['authorization', 'x-shared']);
  });

  it('a second call replaces the credential of the first, and forgets names auth no longer gives', async () => {
    const headers = new Headers({ 'X-Trace': '1' });
    const fromAuth = new Set<string>();
    applyAuthHeaders(headers, { Authorization: 'Bearer stale', 'X-Old': 'gone next time' }, fromAuth);
    applyAuthHeaders(headers, { Authorization: 'Bearer fresh' }, fromAuth);
    await fetch(`${home.server.url}/v1/meta`, { headers });
    expect(home.server.seen[0]?.headers).toMatchObject({ authorization: 'Bearer fresh', 'x-trace': '1' });
    expect(home.server.seen[0]?.headers['x-old']).toBeUndefined();
    expect([...fromAuth]).toEqual(['authorization']);
  });

  it('another origin: auth gives nothing, so nothing is added', async () => {
    const auth = home.track(createAuth({ baseUrl: 'http://127.0.0.1:9', credentials: apiKey('home-key') }));
    const headers = new Headers();
    const fromAuth = new Set<string>();
    applyAuthHeaders(headers, await auth.authorize(`${home.server.url}/v1/meta`), fromAuth);
    await fetch(`${home.server.url}/v1/meta`, { headers });
    expect(home.server.seen[0]?.headers.authorization).toBeUndefined();
    expect(fromAuth.size).toBe(0);
  });
});
