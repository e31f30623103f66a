import { apiKey } from '@auth/core';
import {
  adapterContract,
  HOME_KEY,
  MODULE_SECRET,
  numberedTokens,
  serviceClient,
  test,
} from '@auth/test-utils';
import { fetchAdapter } from '@auth/test-utils/clients';
import { describe, expect, expectTypeOf } from 'vitest';
import { withAuth } from './index.js';

describe('withAuth(fetch, auth)', () => {
  adapterContract(fetchAdapter(withAuth));

  test('keeps fetch’s exact type', ({ server, createAuth }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: apiKey(server.keys.admin) });
    expectTypeOf(withAuth(fetch, auth)).toEqualTypeOf<typeof fetch>();
  });

  test('accepts a URL object and a Request object (with a body that is re-sent after a 401)', async ({
    server,
    createAuth,
  }) => {
    const auth = createAuth({ baseUrl: server.url, credentials: await serviceClient(server) });
    const authedFetch = withAuth(fetch, auth);
    expect((await authedFetch(new URL('/v1/meta', server.url))).status).toBe(200);
    server.faults.revokeAllTokens(); // the cached token is now refused: the first attempt gets a 401
    const request = new Request(`${server.url}/v1/objects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ class: 'Article', properties: { title: 'kept for the retry' } }),
    });
    const response = await authedFetch(request);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { properties: { title: string } }).properties.title).toBe(
      'kept for the retry',
    );
    expect(server.stats.byPath('/v1/objects')).toMatchObject({ total: 2, 401: 1, 200: 1 });
  });

  describe('one URL snapshot: the URL checked is the URL sent', () => {
    test('a URL object changed right after the call: the request goes where it pointed, the new host gets nothing', async ({
      home,
      foreign,
      homeAuth,
    }) => {
      const authedFetch = withAuth(fetch, homeAuth());
      const url = new URL('/mine', home.url);
      const pending = authedFetch(url);
      url.href = `${foreign.url}/theirs`;
      expect((await pending).status).toBe(200);
      expect(foreign.seen).toEqual([]);
      expect(
        home.seen.map((entry) => [entry.path, entry.headers.authorization, entry.headers['x-module-key']]),
      ).toEqual([['/mine', `Bearer ${HOME_KEY}`, MODULE_SECRET]]);
    });

    test('three DELETEs through one reused URL, while the first token is fetched, go to their own paths', async ({
      home,
      createAuth,
    }) => {
      const auth = createAuth({ baseUrl: home.url, credentials: numberedTokens().credentials });
      const authedFetch = withAuth(fetch, auth);
      const url = new URL(home.url);
      const pending = ['/objects/1', '/objects/2', '/objects/3'].map((path) => {
        url.pathname = path;
        return authedFetch(url, { method: 'DELETE' });
      });
      url.pathname = '/objects/all';
      expect((await Promise.all(pending)).map((response) => response.status)).toEqual([200, 200, 200]);
      expect(home.seen.map((entry) => `${entry.method} ${entry.path}`).sort()).toEqual([
        'DELETE /objects/1',
        'DELETE /objects/2',
        'DELETE /objects/3',
      ]);
    });
  });

  test('after redirects it followed hop by hop, the answer reads as fetch’s own: the last hop’s url, redirected: true', async ({
    home,
    foreign,
    homeAuth,
  }) => {
    const authedFetch = withAuth(fetch, homeAuth());
    home.redirect('/near', '/echo');
    home.redirect('/far', `${foreign.url}/landed`);
    const read = ({ status, url, redirected }: Response) => ({ status, url, redirected });
    for (const path of ['/near', '/far', '/echo']) {
      const [ours, bare] = [await authedFetch(`${home.url}${path}`), await fetch(`${home.url}${path}`)];
      expect(read(ours)).toEqual(read(bare));
    }
    expect(read(await authedFetch(`${home.url}/far`))).toMatchObject({ redirected: true });
    expect(foreign.seen.map((entry) => entry.headers.authorization)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('a POST redirected abroad and back gets the credential back home; within one origin 302 makes it a GET, a 307 alone keeps the POST and its body', async ({
    home,
    foreign,
    homeAuth,
  }) => {
    const authedFetch = withAuth(fetch, homeAuth());
    const post = () =>
      authedFetch(`${home.url}/post`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"n":1}',
      });
    home.redirect('/post', `${foreign.url}/via`);
    foreign.redirect('/via', `${home.url}/back`, 307);
    expect((await post()).status).toBe(200);
    expect(home.seen.map((entry) => [entry.method, entry.path, entry.headers.authorization])).toEqual([
      ['POST', '/post', 'Bearer home-key'],
      ['GET', '/back', 'Bearer home-key'],
    ]);
    home.reset();
    home.redirect('/post', '/hop');
    home.redirect('/hop', '/end', 307);
    expect((await post()).status).toBe(200);
    expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      'POST /post',
      'GET /hop',
      'GET /end',
    ]);
    home.reset();
    home.redirect('/post', '/kept', 307);
    expect((await post()).status).toBe(200);
    expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /post', 'POST /kept']);
    expect(home.seen[1]?.headers).toMatchObject({
      authorization: 'Bearer home-key',
      'content-type': 'application/json',
      'content-length': '7',
    });
  });
});
