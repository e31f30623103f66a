import {
  type RecordingServer,
  startRecordingServer,
  startWeaviateServer,
  type WeaviateServer,
} from '@auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Auth, apiKey, createAuth } from '../index.js';
import { applyAuthHeaders } from './headers.js';
import { redirectSafeFetch } from './redirect-safe-fetch.js';
import {
  crossOriginDropped,
  type FollowRedirectsOptions,
  followRedirects,
  isRedirect,
  shouldFollowRedirects,
} from './redirects.js';

let server: WeaviateServer;
let home: RecordingServer; // the auth's origin
let elsewhere: RecordingServer; // another origin
const auths: Auth[] = [];

beforeAll(async () => {
  [server, home, elsewhere] = await Promise.all([
    startWeaviateServer(),
    startRecordingServer(),
    startRecordingServer(),
  ]);
});
afterEach(async () => {
  await Promise.all(auths.splice(0).map((auth) => auth.close()));
  home.reset();
  elsewhere.reset();
});
afterAll(async () => {
  await Promise.all([server?.close(), home?.close(), elsewhere?.close()]);
});

const homeAuth = (): Auth => {
  const auth = createAuth({
    baseUrl: home.url,
    credentials: apiKey('home-key'),
    headers: { 'X-Module-Key': 'module-secret' },
  });
  auths.push(auth);
  return auth;
};

interface Call {
  method?: string;
  headers?: Record<string, string>;
  /** The caller's body, made fresh for each send. */
  body?: (() => BodyInit | null) | undefined;
  oneShot?: boolean;
  fromAuth?: FollowRedirectsOptions['fromAuth'];
  signal?: AbortSignal;
}

/**
 * What an adapter does with the kit: the headers from `auth` (the caller's own win), the first request with
 * `redirect: 'manual'`, then the follower. Returns the last hop and every `init` the follower sent.
 */
async function send(auth: Auth, url: string, call: Call = {}) {
  const target = new URL(url);
  const method = call.method ?? 'GET';
  const headers = new Headers(call.headers);
  const fromAuth = new Set<string>();
  applyAuthHeaders(headers, await auth.authorize(target, { method }), fromAuth);
  const body = call.body?.() ?? null;
  const response = await fetch(target.href, {
    method,
    headers,
    body,
    redirect: 'manual',
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const hops: { href: string; init: RequestInit }[] = [];
  const last = await followRedirects(
    { response, url: target, method, headers },
    {
      adapter: 'kit-test',
      auth,
      signal: call.signal,
      body: call.body,
      oneShot: call.oneShot,
      fromAuth: call.fromAuth ?? (() => fromAuth),
      send: (href, init) => {
        hops.push({ href, init });
        return fetch(href, init);
      },
    },
  );
  return { last, hops };
}

describe('followRedirects', () => {
  it('a hop to another origin loses Authorization and every header from auth; a hop back gets them again', async () => {
    home.redirect('/out', `${elsewhere.url}/via`);
    elsewhere.redirect('/via', `${home.url}/back`, 307);
    const { last } = await send(homeAuth(), `${home.url}/out`, { headers: { 'X-Trace': 'kept' } });
    expect(last.response.status).toBe(200);
    expect(last.url.href).toBe(`${home.url}/back`);
    expect(elsewhere.seen).toHaveLength(1);
    expect(elsewhere.seen[0]?.headers.authorization).toBeUndefined();
    expect(elsewhere.seen[0]?.headers['x-module-key']).toBeUndefined();
    expect(elsewhere.seen[0]?.headers['x-trace']).toBe('kept');
    expect(home.seen.map((entry) => entry.path)).toEqual(['/out', '/back']);
    expect(home.seen[1]?.headers).toMatchObject({
      authorization: 'Bearer home-key',
      'x-module-key': 'module-secret',
      'x-trace': 'kept',
    });
    // What the follower hands back is what the last request carried.
    expect(last.headers.get('authorization')).toBe('Bearer home-key');
  });

  it('a hop abroad also drops an Authorization the caller set (as fetch does)', async () => {
    home.redirect('/out', `${elsewhere.url}/via`, 308);
    const { last } = await send(homeAuth(), `${home.url}/out`, { headers: { Authorization: 'Bearer mine' } });
    expect(last.response.status).toBe(200);
    expect(home.seen[0]?.headers.authorization).toBe('Bearer mine');
    expect(elsewhere.seen[0]?.headers.authorization).toBeUndefined();
    expect(elsewhere.seen[0]?.headers['x-module-key']).toBeUndefined();
  });

  it('a credential a hop added is dropped again on a later hop abroad', async () => {
    // The first request goes to another origin (no credential), then home (the credential), then away again.
    elsewhere.redirect('/start', `${home.url}/middle`);
    home.redirect('/middle', `${elsewhere.url}/end`);
    const { last } = await send(homeAuth(), `${elsewhere.url}/start`);
    expect(last.response.status).toBe(200);
    expect(home.seen[0]?.headers).toMatchObject({
      authorization: 'Bearer home-key',
      'x-module-key': 'module-secret',
    });
    expect(elsewhere.seen.map((entry) => entry.path)).toEqual(['/start', '/end']);
    for (const entry of elsewhere.seen) {
      expect(entry.headers.authorization).toBeUndefined();
      expect(entry.headers['x-module-key']).toBeUndefined();
    }
  });

  it('a hop within the origin keeps the credential', async () => {
    home.redirect('/around', '/echo', 301);
    const { last } = await send(homeAuth(), `${home.url}/around`);
    expect(last.response.status).toBe(200);
    expect(home.seen[1]).toMatchObject({
      path: '/echo',
      headers: { authorization: 'Bearer home-key', 'x-module-key': 'module-secret' },
    });
  });

  it('a hop abroad also drops the caller’s own header of a name `fromAuth` gives', async () => {
    home.redirect('/out', `${elsewhere.url}/via`);
    const auth = homeAuth();
    const { last } = await send(auth, `${home.url}/out`, {
      headers: { 'X-Module-Key': 'the-callers-own', 'X-Trace': 'kept' },
      fromAuth: async (from, method) => Object.keys(await auth.authorize(from, { method })),
    });
    expect(last.response.status).toBe(200);
    expect(home.seen[0]?.headers['x-module-key']).toBe('the-callers-own');
    expect(elsewhere.seen[0]?.headers['x-module-key']).toBeUndefined();
    expect(elsewhere.seen[0]?.headers['x-trace']).toBe('kept');
  });

  it('a hop abroad drops what Node’s fetch drops there (Authorization, Cookie, Proxy-Authorization, Host), whoever set them; a hop within the origin keeps them', async () => {
    expect(crossOriginDropped).toEqual(['authorization', 'cookie', 'proxy-authorization', 'host']);
    home.redirect('/out', `${elsewhere.url}/via`, 307);
    home.redirect('/around', '/echo', 307);
    const headers = { Cookie: 'session=mine', 'Proxy-Authorization': 'Basic mine', 'X-Trace': 'kept' };
    await send(homeAuth(), `${home.url}/around`, { headers });
    await send(homeAuth(), `${home.url}/out`, { headers });
    expect(home.seen[1]?.headers).toMatchObject({
      cookie: 'session=mine',
      'proxy-authorization': 'Basic mine',
    });
    const abroad = elsewhere.seen[0]?.headers ?? {};
    expect(
      ['authorization', 'cookie', 'proxy-authorization', 'x-module-key'].filter((name) => name in abroad),
    ).toEqual([]);
    expect(abroad['x-trace']).toBe('kept');
    // The Host header that arrived is the new origin's own.
    expect(abroad.host).toBe(new URL(elsewhere.url).host);
  });

  it.each([
    // status, method, method of the next hop, whether it re-sends the body
    [303, 'POST', 'GET', false],
    [303, 'PUT', 'GET', false],
    [303, 'HEAD', 'HEAD', false],
    [302, 'POST', 'GET', false],
    [301, 'POST', 'GET', false],
    [302, 'PUT', 'PUT', true],
    [301, 'DELETE', 'DELETE', true],
    [307, 'POST', 'POST', true],
    [308, 'PATCH', 'PATCH', true],
  ] as const)(
    '%i after a %s: the next hop is a %s (body re-sent: %s)',
    async (status, method, next, resent) => {
      home.redirect('/from', '/to', status);
      const controller = new AbortController();
      const body = method === 'HEAD' ? undefined : () => '{"n":1}';
      const { last, hops } = await send(homeAuth(), `${home.url}/from`, {
        method,
        headers: { 'Content-Type': 'application/json', 'Content-Language': 'en' },
        body,
        signal: controller.signal,
      });
      expect(last.response.status).toBe(200);
      expect(last.method).toBe(next);
      expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual([
        `${method} /from`,
        `${next} /to`,
      ]);
      expect(hops).toHaveLength(1);
      expect(hops[0]?.init).toMatchObject({ method: next, redirect: 'manual', signal: controller.signal });
      expect(hops[0]?.init.body).toBe(resent ? '{"n":1}' : null);
      const headers = home.seen[1]?.headers;
      if (resent) {
        expect(headers).toMatchObject({ 'content-type': 'application/json', 'content-length': '7' });
      }
      if (next !== method) {
        // Became a GET: the headers that describe the body went with it.
        expect(headers?.['content-type']).toBeUndefined();
        expect(headers?.['content-language']).toBeUndefined();
      }
      expect(headers?.authorization).toBe('Bearer home-key');
    },
  );

  it('re-sends the body itself to the next origin on a 307: a fresh stream per hop, read by the server', async () => {
    // The recording server is an allowed origin too; it redirects the POST to the Weaviate server.
    const auth = createAuth({
      baseUrl: server.url,
      credentials: apiKey(server.keys.admin),
      allowedOrigins: [home.url],
    });
    auths.push(auth);
    home.redirect('/v1/objects', `${server.url}/v1/objects`, 307);
    const json = JSON.stringify({ class: 'Article', properties: { title: 'sent twice' } });
    const { last } = await send(auth, `${home.url}/v1/objects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: () => new Blob([json]).stream(),
    });
    expect(last.response.status).toBe(200);
    const created = (await last.response.json()) as { properties: { title: string } };
    expect(created.properties.title).toBe('sent twice');
    expect(home.seen[0]?.headers.authorization).toBe(`Bearer ${server.keys.admin}`);
  });

  it('after a hop that became a GET, a later 307 sends no body', async () => {
    home.redirect('/post', '/hop', 302);
    home.redirect('/hop', '/end', 307);
    const { last, hops } = await send(homeAuth(), `${home.url}/post`, {
      method: 'POST',
      body: () => 'payload',
    });
    expect(last.response.status).toBe(200);
    expect(home.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      'POST /post',
      'GET /hop',
      'GET /end',
    ]);
    expect(hops.map((hop) => hop.init.body)).toEqual([null, null]);
  });

  it('a one-shot body: the redirect that would send it again is handed back, one that drops it is followed', async () => {
    home.redirect('/keep', `${elsewhere.url}/kept`, 307);
    const stream = () => new Blob(['once']).stream();
    const kept = await send(homeAuth(), `${home.url}/keep`, { method: 'POST', body: stream, oneShot: true });
    expect(kept.last.response.status).toBe(307);
    expect(kept.last.url.href).toBe(`${home.url}/keep`);
    expect(kept.hops).toEqual([]);
    expect(elsewhere.seen).toEqual([]);

    home.redirect('/see-other', `${elsewhere.url}/other`, 303);
    const other = await send(homeAuth(), `${home.url}/see-other`, {
      method: 'POST',
      body: stream,
      oneShot: true,
    });
    expect(other.last.response.status).toBe(200);
    expect(elsewhere.seen.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['GET /other']);
  });

  it('more than 20 redirects: a TypeError that names the adapter, the method and the URL', async () => {
    home.redirect('/loop', '/loop');
    await expect(send(homeAuth(), `${home.url}/loop?secret=no`)).rejects.toThrow(
      new TypeError(`kit-test: more than 20 redirects for GET ${home.url}/loop.`),
    );
    expect(home.seen).toHaveLength(21);
  });

  it('a redirect status without a Location, and any other status, is the answer as is', async () => {
    home.respond('/no-location', 302);
    const { last, hops } = await send(homeAuth(), `${home.url}/no-location`);
    expect(last.response.status).toBe(302);
    expect(hops).toEqual([]);
    expect(home.seen).toHaveLength(1);
  });
});

describe('isRedirect', () => {
  it('a 301, 302, 303, 307 or 308 with a Location; nothing else', async () => {
    const answer = (path: string) => fetch(`${home.url}${path}`, { redirect: 'manual' });
    for (const status of [301, 302, 303, 307, 308] as const) {
      home.redirect(`/r${status}`, '/there', status);
      expect(isRedirect(await answer(`/r${status}`)), String(status)).toBe(true);
    }
    home.respond('/no-location', 302);
    home.respond('/not-modified', 304);
    expect(isRedirect(await answer('/no-location'))).toBe(false);
    expect(isRedirect(await answer('/not-modified'))).toBe(false);
    expect(isRedirect(await answer('/ok'))).toBe(false);
  });
});

describe('redirectSafeFetch', () => {
  /** A fetch wrapped for `homeAuth()`, and the URLs that answered. */
  const wrapped = () => {
    const auth = homeAuth();
    const answered: string[] = [];
    const safeFetch = redirectSafeFetch((input, init) => fetch(input, init), {
      adapter: 'kit-test',
      auth,
      onAnswer: (url) => answered.push(url.href),
    });
    return { auth, answered, safeFetch };
  };
  const authorized = async (auth: Auth, url: string, init: RequestInit = {}) =>
    new Request(url, { ...init, headers: { ...(await auth.authorize(url)), Cookie: 'session=mine' } });

  it('follows a Request’s redirects with the follower: nothing from auth abroad, the credential back home; tells which URL answered', async () => {
    home.redirect('/out', `${elsewhere.url}/via`, 307);
    elsewhere.redirect('/via', `${home.url}/back`, 307);
    const { auth, answered, safeFetch } = wrapped();
    // A `redirect` in the second argument (a library's options) cannot make fetch follow on its own.
    const response = await safeFetch(await authorized(auth, `${home.url}/out`), { redirect: 'follow' });
    expect(response.status).toBe(200);
    expect(answered).toEqual([`${home.url}/back`]);
    expect(
      ['authorization', 'cookie', 'x-module-key'].filter(
        (name) => name in (elsewhere.seen[0]?.headers ?? {}),
      ),
    ).toEqual([]);
    expect(home.seen[1]?.headers).toMatchObject({
      authorization: 'Bearer home-key',
      'x-module-key': 'module-secret',
    });
  });

  it('with the redirect option "follow", follows a Request made "manual" for it, sending that very Request', async () => {
    home.redirect('/out', `${elsewhere.url}/via`, 307);
    elsewhere.redirect('/via', `${home.url}/back`, 307);
    const auth = homeAuth();
    const sent: unknown[] = [];
    const safeFetch = redirectSafeFetch(
      (input, init) => {
        sent.push(input);
        return fetch(input, init);
      },
      { adapter: 'kit-test', auth, redirect: 'follow' },
    );
    const request = await authorized(auth, `${home.url}/out`, { redirect: 'manual' });
    expect((await safeFetch(request)).status).toBe(200);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toBe(request); // not a copy
    expect('authorization' in (elsewhere.seen[0]?.headers ?? {})).toBe(false);
    expect(home.seen[1]?.headers.authorization).toBe('Bearer home-key');
  });

  it('leaves a Request that asks for redirect "manual" (or "error") alone, and tells the URL it went to', async () => {
    home.redirect('/out', `${elsewhere.url}/via`, 302);
    const { auth, answered, safeFetch } = wrapped();
    const response = await safeFetch(await authorized(auth, `${home.url}/out`, { redirect: 'manual' }));
    expect(response.status).toBe(302);
    expect(answered).toEqual([`${home.url}/out`]);
    expect(elsewhere.seen).toEqual([]);
  });
});

describe('shouldFollowRedirects', () => {
  it('outside browsers: only for redirect "follow" (fetch’s default)', () => {
    expect(shouldFollowRedirects(undefined)).toBe(true);
    expect(shouldFollowRedirects('follow')).toBe(true);
    expect(shouldFollowRedirects('manual')).toBe(false);
    expect(shouldFollowRedirects('error')).toBe(false);
  });
});
