import { describe, expect, it } from 'vitest';
import { recordingHome } from '../__test__/recording-home.js';
import { apiKey, createAuth } from '../index.js';
import { applyAuthHeaders, withAuthHeaders } from './headers.js';

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

describe('withAuthHeaders', () => {
  const credential = { Authorization: 'Bearer home-key', 'X-Module-Key': 'module-secret' };

  it('no caller headers: the credential record itself, every name from auth', () => {
    expect(withAuthHeaders(undefined, credential)).toEqual([credential, ['Authorization', 'X-Module-Key']]);
    expect(withAuthHeaders(undefined, credential)[0]).toBe(credential);
  });

  it('a plain object: a new one where a caller’s header wins whatever its case; the caller’s is untouched', async () => {
    const caller = { 'x-module-key': 'the-callers-own', 'X-Trace': '1' };
    const [headers, fromAuth] = withAuthHeaders(caller, credential);
    expect(caller).toEqual({ 'x-module-key': 'the-callers-own', 'X-Trace': '1' });
    expect(fromAuth).toEqual(['Authorization']);
    await fetch(`${home.server.url}/v1/meta`, { headers });
    expect(home.server.seen[0]?.headers).toMatchObject({
      authorization: 'Bearer home-key',
      'x-module-key': 'the-callers-own',
      'x-trace': '1',
    });
  });

  it('the caller’s very value counts as from auth, and is sent once', async () => {
    const caller = { authorization: 'Bearer home-key' };
    const [headers, fromAuth] = withAuthHeaders(caller, { Authorization: 'Bearer home-key' });
    expect([headers, fromAuth]).toEqual([caller, ['Authorization']]);
    await fetch(`${home.server.url}/v1/meta`, { headers });
    expect(home.server.seen[0]?.headers.authorization).toBe('Bearer home-key');
  });

  it('a Headers or pairs: a new Headers; the caller’s is untouched', () => {
    const caller = new Headers({ 'X-Module-Key': 'the-callers-own' });
    const [headers, fromAuth] = withAuthHeaders(caller, credential);
    expect(headers).not.toBe(caller);
    expect([...caller]).toEqual([['x-module-key', 'the-callers-own']]);
    expect([...(headers as Headers)]).toEqual([
      ['authorization', 'Bearer home-key'],
      ['x-module-key', 'the-callers-own'],
    ]);
    expect(fromAuth).toEqual(['Authorization']);
    const [fromPairs] = withAuthHeaders([['x-trace', '1']], credential);
    expect((fromPairs as Headers).get('x-trace')).toBe('1');
  });

  it('another origin (nothing from auth): the caller’s own object, uncopied', () => {
    const record = { 'X-Trace': '1' };
    const headers = new Headers(record);
    expect(withAuthHeaders(record, {})).toEqual([record, []]);
    expect(withAuthHeaders(headers, {})[0]).toBe(headers);
  });
});
