import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeaviateServer, type WeaviateServer } from './index.js';
import { rest } from './test-helpers.js';

describe('REST side: API keys, roles and the Weaviate subset', () => {
  let server: WeaviateServer;

  beforeAll(async () => {
    server = await startWeaviateServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 with a URL without a trailing slash', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.issuer).not.toBe(server.url);
    expect(server.clientId).toBe('weaviate');
  });

  it('answers ready and live without a credential', async () => {
    expect((await rest(server, '/v1/.well-known/ready')).status).toBe(200);
    expect((await rest(server, '/v1/.well-known/live')).status).toBe(200);
  });

  it('answers the Weaviate OIDC discovery document without a credential', async () => {
    const before = server.stats.discoveryRequests;
    const res = await rest(server, '/v1/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      href: `${server.issuer}/.well-known/openid-configuration`,
      clientId: 'weaviate',
      scopes: ['openid', 'email'],
    });
    expect(server.stats.discoveryRequests).toBe(before + 1);
    const provider = await fetch(`${server.issuer}/.well-known/openid-configuration`);
    const doc = (await provider.json()) as {
      issuer: string;
      token_endpoint: string;
      grant_types_supported: string[];
    };
    expect(doc.issuer).toBe(server.issuer);
    expect(doc.token_endpoint).toBe(`${server.issuer}/token`);
    expect(doc.grant_types_supported).toEqual(
      expect.arrayContaining(['password', 'refresh_token', 'client_credentials']),
    );
  });

  it('401 without a credential, with the Weaviate body', async () => {
    const res = await rest(server, '/v1/objects');
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ code: 401, message: expect.stringContaining('anonymous access not enabled') });
  });

  it('401 for an unknown key, a malformed header, and a non-Bearer scheme; never echoing the credential', async () => {
    const bad = await rest(server, '/v1/objects', 'not-a-key-1234');
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ code: 401, message: 'unauthorized: invalid api key' });
    expect(bad.text).not.toContain('not-a-key-1234');

    const basic = await rest(server, '/v1/objects', undefined, {
      headers: { authorization: `Basic ${server.keys.admin}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.text).not.toContain(server.keys.admin);
  });

  it('200 for the admin key and the read-only key on reads', async () => {
    for (const key of [server.keys.admin, server.keys.readOnly]) {
      for (const path of ['/v1/meta', '/v1/schema', '/v1/objects', '/v1/users/own-info']) {
        expect((await rest(server, path, key)).status, path).toBe(200);
      }
    }
  });

  it('403 for a read-only write, with the Weaviate body; the admin key may write and delete', async () => {
    const denied = await rest(server, '/v1/objects', server.keys.readOnly, {
      method: 'POST',
      body: { class: 'Article', properties: { title: 'no' } },
    });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({ error: [{ message: expect.stringMatching(/^adminlist: .* 'reader' /) }] });

    const created = await rest(server, '/v1/objects', server.keys.admin, {
      method: 'POST',
      body: { class: 'Article', properties: { title: 'yes' } },
    });
    expect(created.status).toBe(200);
    const { id } = created.json as { id: string };

    const deniedDelete = await rest(server, `/v1/objects/${id}`, server.keys.readOnly, { method: 'DELETE' });
    expect(deniedDelete.status).toBe(403);
    expect((await rest(server, `/v1/objects/${id}`, server.keys.readOnly)).status).toBe(200);
    expect((await rest(server, `/v1/objects/${id}`, server.keys.admin, { method: 'DELETE' })).status).toBe(
      204,
    );
    const gone = await rest(server, `/v1/objects/${id}`, server.keys.admin);
    expect(gone.status).toBe(404);
    expect(gone.text).toBe('');
  });

  it('own-info names the user behind the key (no roles under the admin list)', async () => {
    expect((await rest(server, '/v1/users/own-info', server.keys.admin)).json).toEqual({
      username: 'admin',
      roles: null,
      groups: null,
    });
    expect((await rest(server, '/v1/users/own-info', server.keys.readOnly)).json).toMatchObject({
      username: 'reader',
    });
  });

  it('a created key works at once and a deleted key gets 401 from the next request on', async () => {
    const key = server.keys.create('read-only', 'dashboard');
    expect((await rest(server, '/v1/users/own-info', key)).json).toMatchObject({ username: 'dashboard' });
    expect(
      (await rest(server, '/v1/objects', key, { method: 'POST', body: { class: 'A', properties: {} } }))
        .status,
    ).toBe(403);
    server.keys.delete(key);
    const res = await rest(server, '/v1/objects', key);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ code: 401, message: 'unauthorized: invalid api key' });

    const admin = server.keys.create();
    expect((await rest(server, '/v1/users/own-info', admin)).json).toMatchObject({ username: 'admin' });
    expect(
      (await rest(server, '/v1/objects', admin, { method: 'POST', body: { class: 'A', properties: {} } }))
        .status,
    ).toBe(200);
    server.keys.delete(admin);
    expect((await rest(server, '/v1/objects', admin)).status).toBe(401);
  });

  it('anonymous access can be switched on (read-only) and off at run time', async () => {
    server.anonymousAccess = true;
    try {
      expect((await rest(server, '/v1/objects')).status).toBe(200);
      expect(
        (await rest(server, '/v1/objects', undefined, { method: 'POST', body: { class: 'A' } })).status,
      ).toBe(403);
      // A bad credential is still refused when anonymous access is on.
      expect((await rest(server, '/v1/objects', 'wrong')).status).toBe(401);
    } finally {
      server.anonymousAccess = false;
    }
    expect((await rest(server, '/v1/objects')).status).toBe(401);
  });

  it('stores objects, lists them, and answers the schema from them', async () => {
    const a = await rest(server, '/v1/objects', server.keys.admin, {
      method: 'POST',
      body: { class: 'book', properties: { title: 'Dune', pages: 412, rating: 4.5, inPrint: true } },
    });
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ class: 'Book', properties: { title: 'Dune' } });
    const list = await rest(server, '/v1/objects?class=Book', server.keys.readOnly);
    expect(list.json).toMatchObject({
      objects: [{ class: 'Book', properties: { title: 'Dune' } }],
      totalResults: 1,
    });
    const schema = (await rest(server, '/v1/schema', server.keys.readOnly)).json as {
      classes: { class: string; properties: { name: string; dataType: string[] }[] }[];
    };
    expect(schema.classes.find((c) => c.class === 'Book')?.properties).toEqual([
      { name: 'title', dataType: ['text'] },
      { name: 'pages', dataType: ['int'] },
      { name: 'rating', dataType: ['number'] },
      { name: 'inPrint', dataType: ['boolean'] },
    ]);
    const bad = await rest(server, '/v1/objects', server.keys.admin, {
      method: 'POST',
      body: { properties: {} },
    });
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual({ error: [{ message: expect.stringContaining('"class"') }] });
  });

  it('answers GraphQL Get and Aggregate over the stored objects', async () => {
    for (const title of ['One', 'Two']) {
      await rest(server, '/v1/objects', server.keys.admin, {
        method: 'POST',
        body: { class: 'Note', properties: { title, words: title.length } },
      });
    }
    const res = await rest(server, '/v1/graphql', server.keys.readOnly, {
      method: 'POST',
      body: { query: '{ Get { Note { title words } } Aggregate { Note { meta { count } } } }' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      data: {
        Get: {
          Note: [
            { title: 'One', words: 3 },
            { title: 'Two', words: 3 },
          ],
        },
        Aggregate: { Note: [{ meta: { count: 2 } }] },
      },
    });
    const limited = await rest(server, '/v1/graphql', server.keys.readOnly, {
      method: 'POST',
      body: { query: '{ Get { Note(limit: 1) { title _additional { id } } } }' },
    });
    expect((limited.json as { data: { Get: { Note: unknown[] } } }).data.Get.Note).toHaveLength(1);
    const invalid = await rest(server, '/v1/graphql', server.keys.readOnly, {
      method: 'POST',
      body: { query: '{ Get { Note { nope } } }' },
    });
    expect(invalid.json).toMatchObject({ errors: [{ message: expect.stringContaining('nope') }] });
    expect(
      (
        await rest(server, '/v1/graphql', undefined, {
          method: 'POST',
          body: { query: '{ Get { Note { title } } }' },
        })
      ).status,
    ).toBe(401);
  });

  it('meta reports the REST URL and a version', async () => {
    expect((await rest(server, '/v1/meta', server.keys.admin)).json).toMatchObject({
      hostname: server.url,
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
  });

  it('counts requests by path and outcome', async () => {
    server.stats.reset();
    await rest(server, '/v1/schema');
    await rest(server, '/v1/schema', server.keys.readOnly);
    await rest(server, '/v1/objects', server.keys.readOnly, { method: 'POST', body: { class: 'A' } });
    expect(server.stats.requests).toEqual({ total: 3, 200: 1, 401: 1, 403: 1 });
    expect(server.stats.byPath('/v1/schema')).toEqual({ total: 2, 200: 1, 401: 1, 403: 0 });
    expect(server.stats.byPath('/v1/objects')).toEqual({ total: 1, 200: 0, 401: 0, 403: 1 });
    server.stats.reset();
    expect(server.stats.requests).toEqual({ total: 0, 200: 0, 401: 0, 403: 0 });
  });

  it("answers CORS as Weaviate's defaults do: any origin and method, a fixed header list, none on /, live and ready", async () => {
    // adapters/handlers/rest/middlewares.go (addPreflight, addLiveAndReadyness, addHandleRoot) and
    // usecases/config/config_handler.go (DefaultCORSAllowHeaders), Weaviate 1.34.
    const origin = 'http://localhost:5173';
    const preflight = await fetch(`${server.url}/v1/objects`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-not-on-the-list',
      },
    });
    expect(preflight.status).toBe(200);
    expect(await preflight.text()).toBe('');
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('*');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase());
    // What a browser sends with our credentials passes; a header Weaviate does not list is not echoed back.
    expect(allowed).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-weaviate-cluster-url', 'x-openai-api-key']),
    );
    expect(allowed).not.toContain('x-not-on-the-list');
    const res = await rest(server, '/v1/objects', undefined, { headers: { origin } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    // Answered before the CORS middleware: a page on another origin cannot read them.
    for (const target of ['/v1/.well-known/live', '/v1/.well-known/ready', '/']) {
      const early = await fetch(`${server.url}${target}`, { headers: { origin }, redirect: 'manual' });
      expect([target, early.headers.get('access-control-allow-origin')]).toEqual([target, null]);
    }
  });

  it('live and ready answer any method before anything else, but with a query string need a credential like any route', async () => {
    expect((await fetch(`${server.url}/v1/.well-known/live`, { method: 'POST' })).status).toBe(200);
    const withQuery = await rest(server, '/v1/.well-known/ready?probe=1');
    expect(withQuery.status).toBe(401);
    expect((await rest(server, '/v1/.well-known/ready?probe=1', server.keys.readOnly)).status).toBe(200);
  });

  it('404 with an empty body for an unknown path, 405 for a wrong method', async () => {
    const unknown = await rest(server, '/v1/nothing-here', server.keys.admin);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('');
    expect((await rest(server, '/v1/meta', server.keys.admin, { method: 'DELETE' })).status).toBe(405);
  });

  it('keeps secrets out of util.inspect and JSON.stringify of the handles', async () => {
    const { inspect } = await import('node:util');
    for (const shown of [inspect(server, { depth: 5 }), JSON.stringify(server)]) {
      expect(shown).not.toContain(server.keys.admin);
      expect(shown).not.toContain(server.keys.readOnly);
      expect(shown).not.toContain(server.users.admin.password);
      expect(shown).not.toContain(server.clients.service.clientSecret);
    }
  });
});

describe('REST side with OIDC off', () => {
  it('answers the discovery endpoint 404 with an empty body and refuses JWTs', async () => {
    const server = await startWeaviateServer({ oidc: false });
    try {
      const res = await rest(server, '/v1/.well-known/openid-configuration');
      expect(res.status).toBe(404);
      expect(res.text).toBe('');
      expect(server.issuer).toBe('');
      expect((await rest(server, '/v1/objects', 'a.b.c')).status).toBe(401);
      expect((await rest(server, '/v1/objects', server.keys.admin)).status).toBe(200);
      await expect(server.issueTokens()).rejects.toThrow(/OIDC is off/);
    } finally {
      await server.close();
    }
  });
});

describe('options', () => {
  it('uses fixed keys, users and clients when given', async () => {
    const server = await startWeaviateServer({
      apiKeys: [
        { key: 'fixed-admin', user: 'ci', role: 'admin' },
        { key: 'fixed-reader', role: 'read-only' },
      ],
      users: [{ username: 'alice', password: 'pw-alice', role: 'admin' }],
      clients: [{ clientId: 'etl', clientSecret: 'etl-secret' }],
      scopes: ['openid', 'profile'],
    });
    try {
      expect(server.keys.admin).toBe('fixed-admin');
      expect(server.keys.readOnly).toBe('fixed-reader');
      expect((await rest(server, '/v1/users/own-info', 'fixed-admin')).json).toMatchObject({
        username: 'ci',
      });
      expect(server.users.admin).toEqual({ username: 'alice', password: 'pw-alice' });
      expect(server.clients.service).toEqual({ clientId: 'etl', clientSecret: 'etl-secret' });
      expect((await rest(server, '/v1/.well-known/openid-configuration')).json).toMatchObject({
        scopes: ['openid', 'profile'],
      });
    } finally {
      await server.close();
    }
  });

  it('refuses bad options with a message that says what to do', async () => {
    await expect(startWeaviateServer({ accessTokenTtl: 0.5 })).rejects.toThrow(
      /accessTokenTtl must be a whole number/,
    );
    await expect(startWeaviateServer({ port: -1 })).rejects.toThrow(/port must be 0/);
    await expect(startWeaviateServer({ scopes: ['openid,email'] })).rejects.toThrow(/one word per entry/);
    await expect(startWeaviateServer({ apiKeys: [{ key: '' }] })).rejects.toThrow(/non-empty `key`/);
  });
});
