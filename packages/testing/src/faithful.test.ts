import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWeaviateServer, type WeaviateServer } from './index.js';
import { rest } from './test-helpers.js';

// Each test pins one way Weaviate answers that clients depend on, read from Weaviate's source (1.34): the
// credential's exact `Bearer ` prefix, the query and form token, JWTs going to OIDC only, what needs no
// credential, own-info's shapes, Weaviate's messages.

const ANONYMOUS_REFUSED =
  '{"code":401,"message": "anonymous access not enabled. Please authenticate through one of the available methods: [API-keys, OIDC]" }';

/** A request with a raw Authorization header (or none) and a raw body. */
async function raw(
  url: string,
  init: { method?: string; authorization?: string; body?: string; contentType?: string } = {},
): Promise<{ status: number; text: string; contentType: string | null; location: string | null }> {
  const headers: Record<string, string> = {};
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  if (init.contentType !== undefined) headers['content-type'] = init.contentType;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    redirect: 'manual',
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return {
    status: res.status,
    text: await res.text(),
    contentType: res.headers.get('content-type'),
    location: res.headers.get('location'),
  };
}

describe('the credential, as go-openapi reads it', () => {
  let server: WeaviateServer;
  beforeAll(async () => {
    server = await startWeaviateServer();
  });
  afterAll(() => server.close());

  it('is read only after the exact prefix "Bearer " (case and one space matter)', async () => {
    const key = server.keys.admin;
    expect((await raw(`${server.url}/v1/users/own-info`, { authorization: `Bearer ${key}` })).status).toBe(
      200,
    );
    // No credential at all for Weaviate: the anonymous middleware answers.
    for (const header of [`bearer ${key}`, `BEARER ${key}`, `Token ${key}`]) {
      const res = await raw(`${server.url}/v1/objects`, { authorization: header });
      expect(res.status, header).toBe(401);
      expect(res.text, header).toBe(ANONYMOUS_REFUSED);
    }
    // A second space is part of the credential: a wrong key.
    const twoSpaces = await rest(server, '/v1/objects', undefined, {
      headers: { authorization: `Bearer  ${key}` },
    });
    expect(twoSpaces.status).toBe(401);
    expect(twoSpaces.json).toEqual({ code: 401, message: 'unauthorized: invalid api key' });
  });

  it('with anonymous access on, a lower-case "bearer" is no credential: an anonymous caller', async () => {
    server.anonymousAccess = true;
    try {
      const ownInfo = await raw(`${server.url}/v1/users/own-info`, {
        authorization: `bearer ${server.keys.admin}`,
      });
      expect(ownInfo.status).toBe(401);
      expect(ownInfo.text).toBe('');
      const write = await rest(server, '/v1/objects', undefined, {
        method: 'POST',
        headers: { authorization: `bearer ${server.keys.admin}` },
        body: { class: 'Article', properties: {} },
      });
      expect(write.status).toBe(403);
    } finally {
      server.anonymousAccess = false;
    }
  });

  it('without a header, comes from ?access_token= and from a form field access_token', async () => {
    const query = await rest(
      server,
      `/v1/users/own-info?access_token=${encodeURIComponent(server.keys.admin)}`,
    );
    expect(query.status).toBe(200);
    expect(query.json).toMatchObject({ username: 'admin' });
    expect((await rest(server, '/v1/objects?access_token=wrong-key')).json).toEqual({
      code: 401,
      message: 'unauthorized: invalid api key',
    });
    // A form field: a wrong key there is refused (401); a right one authenticates, and then the form body
    // meets go-openapi's media-type check (415), which comes after authentication.
    const form = (token: string) =>
      raw(`${server.url}/v1/objects`, {
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({ access_token: token }).toString(),
      });
    const wrong = await form('wrong-key');
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text)).toEqual({ code: 401, message: 'unauthorized: invalid api key' });
    const right = await form(server.keys.readOnly);
    expect(right.status).toBe(415);
    expect(JSON.parse(right.text)).toEqual({
      code: 415,
      message:
        'unsupported media type "application/x-www-form-urlencoded", only [application/yaml application/json] are allowed',
    });
  });

  it('the header wins over the query string', async () => {
    const res = await rest(
      server,
      `/v1/users/own-info?access_token=${server.keys.admin}`,
      server.keys.readOnly,
    );
    expect(res.json).toMatchObject({ username: 'reader' });
  });
});

describe('a credential that parses as a JWT goes to OIDC only', () => {
  // A key shaped like a JWT (three base64url JSON segments); Weaviate picks the scheme by parsing it.
  const jwtShapedKey = [{ alg: 'HS256', typ: 'JWT' }, { sub: 'ci' }]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .concat('c2lnbmF0dXJl')
    .join('.');

  it('with OIDC on, it is never compared as an API key', async () => {
    const server = await startWeaviateServer({ apiKeys: [{ key: jwtShapedKey, user: 'ci' }] });
    try {
      const res = await rest(server, '/v1/users/own-info', jwtShapedKey);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ code: 401, message: expect.stringMatching(/^unauthorized: /) });
      // Not shaped like a JWT (a dot too few): an API key again.
      expect((await rest(server, '/v1/users/own-info', 'a.b')).json).toEqual({
        code: 401,
        message: 'unauthorized: invalid api key',
      });
    } finally {
      await server.close();
    }
  });

  it('with OIDC off, the same string is an API key', async () => {
    const server = await startWeaviateServer({ oidc: false, apiKeys: [{ key: jwtShapedKey, user: 'ci' }] });
    try {
      expect((await rest(server, '/v1/users/own-info', jwtShapedKey)).json).toMatchObject({ username: 'ci' });
    } finally {
      await server.close();
    }
  });
});

describe('what needs no credential', () => {
  let server: WeaviateServer;
  beforeAll(async () => {
    server = await startWeaviateServer();
  });
  afterAll(() => server.close());

  it('GET /v1 answers the links document without a credential, 401 with an invalid one', async () => {
    const links = await rest(server, '/v1');
    expect(links.status).toBe(200);
    expect(links.json).toMatchObject({
      links: expect.arrayContaining([
        expect.objectContaining({ href: `${server.url}/v1/meta` }),
        expect.objectContaining({ href: `${server.url}/v1/.well-known/openid-configuration` }),
      ]),
    });
    expect((await rest(server, '/v1', server.keys.readOnly)).status).toBe(200);
    const invalid = await rest(server, '/v1', 'not-a-key');
    expect(invalid.status).toBe(401);
    expect(invalid.json).toEqual({ code: 401, message: 'unauthorized: invalid api key' });
  });

  it('GET / redirects to /v1', async () => {
    const res = await raw(`${server.url}/`);
    expect(res.status).toBe(301);
    expect(res.location).toBe('/v1');
  });

  it('discovery needs none, but an invalid Bearer token there is a 401', async () => {
    expect((await rest(server, '/v1/.well-known/openid-configuration')).status).toBe(200);
    expect((await rest(server, '/v1/.well-known/openid-configuration', server.keys.admin)).status).toBe(200);
    const invalid = await rest(server, '/v1/.well-known/openid-configuration', 'not-a-key');
    expect(invalid.status).toBe(401);
    expect(invalid.json).toEqual({ code: 401, message: 'unauthorized: invalid api key' });
  });

  it('live and ready need none and ignore an invalid one', async () => {
    for (const path of ['/v1/.well-known/live', '/v1/.well-known/ready']) {
      expect((await rest(server, path, 'not-a-key')).status, path).toBe(200);
    }
  });

  it('with anonymous access on, own-info without a credential is a 401 with an empty body', async () => {
    server.anonymousAccess = true;
    try {
      const res = await raw(`${server.url}/v1/users/own-info`);
      expect(res.status).toBe(401);
      expect(res.text).toBe('');
      expect((await rest(server, '/v1/objects')).status).toBe(200);
    } finally {
      server.anonymousAccess = false;
    }
  });
});

describe('discovery', () => {
  it('omits scopes when none are configured (Weaviate Cloud)', async () => {
    const server = await startWeaviateServer({ scopes: [] });
    try {
      const res = await rest(server, '/v1/.well-known/openid-configuration');
      expect(res.json).toEqual({
        href: `${server.issuer}/.well-known/openid-configuration`,
        clientId: server.clientId,
      });
      // The password grant still works without server scopes.
      expect((await server.issueTokens()).accessToken).toEqual(expect.any(String));
    } finally {
      await server.close();
    }
  });
});

describe('own-info, as Weaviate shapes it', () => {
  it('admin list: roles null, groups null, for API keys and OIDC users alike', async () => {
    const server = await startWeaviateServer();
    try {
      expect((await rest(server, '/v1/users/own-info', server.keys.readOnly)).json).toEqual({
        username: 'reader',
        roles: null,
        groups: null,
      });
      const { accessToken } = await server.issueTokens();
      expect((await rest(server, '/v1/users/own-info', accessToken)).json).toEqual({
        username: 'admin',
        roles: null,
        groups: null,
      });
    } finally {
      await server.close();
    }
  });

  it('RBAC: each role with its permissions; static admins are root, read-only accounts viewers', async () => {
    const server = await startWeaviateServer({ authorization: 'rbac' });
    try {
      const admin = (await rest(server, '/v1/users/own-info', server.keys.admin)).json as {
        roles: { name: string; permissions: { action: string }[] }[];
      };
      expect(admin).toMatchObject({ username: 'admin', groups: null, roles: [{ name: 'root' }] });
      const actions = admin.roles[0]?.permissions.map((p) => p.action) ?? [];
      expect(actions).toEqual(expect.arrayContaining(['create_data', 'read_data', 'create_users']));
      expect(admin.roles[0]?.permissions[0]).toMatchObject({
        data: { collection: '*', tenant: '*', object: '*' },
      });

      const viewer = (await rest(server, '/v1/users/own-info', server.keys.readOnly)).json as {
        roles: { name: string; permissions: { action: string }[] }[];
      };
      expect(viewer).toMatchObject({ username: 'reader', roles: [{ name: 'viewer' }] });
      expect(viewer.roles[0]?.permissions.every((p) => p.action.startsWith('read_'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe("Weaviate's messages", () => {
  let server: WeaviateServer;
  beforeAll(async () => {
    server = await startWeaviateServer({ accessTokenTtl: 1 });
  });
  afterAll(() => server.close());

  it('no credential: the anonymous middleware’s own body, methods listed', async () => {
    const res = await raw(`${server.url}/v1/schema`);
    expect(res.status).toBe(401);
    expect(res.text).toBe(ANONYMOUS_REFUSED);
    const apiKeysOnly = await startWeaviateServer({ oidc: false });
    try {
      expect((await raw(`${apiKeysOnly.url}/v1/schema`)).text).toBe(
        '{"code":401,"message": "anonymous access not enabled. Please authenticate through one of the available methods: [API-keys]" }',
      );
    } finally {
      await apiKeysOnly.close();
    }
  });

  it('a 403 under the admin list names the verb and the resource', async () => {
    const res = await rest(server, '/v1/objects', server.keys.readOnly, {
      method: 'POST',
      body: { class: 'article', properties: { title: 'no' } },
    });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      error: [
        {
          message:
            "adminlist: authorization, forbidden action: user 'reader' has insufficient permissions to C [data/collections/Article/shards/*/objects/*]",
        },
      ],
    });
  });

  it('a 403 under RBAC names the permission', async () => {
    const rbac = await startWeaviateServer({ authorization: 'rbac', oidc: false });
    try {
      const res = await rest(rbac, '/v1/objects', rbac.keys.readOnly, {
        method: 'POST',
        body: { class: 'Article', properties: {} },
      });
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: [
          {
            message:
              "rbac: authorization, forbidden action: user 'reader' has insufficient permissions to create_data [Domain: data, Collection: Article, Tenant: *, Object: *]",
          },
        ],
      });
    } finally {
      await rbac.close();
    }
  });

  it('an expired OIDC token: go-oidc’s message behind "unauthorized: "', async () => {
    const { accessToken } = await server.issueTokens();
    const [, payload] = accessToken.split('.');
    const exp = (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { exp: number }).exp;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 50));
    const res = await rest(server, '/v1/objects', accessToken);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      code: 401,
      message: expect.stringMatching(
        /^unauthorized: oidc: token is expired \(Token Expiry: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\)$/,
      ),
    });
    expect(res.text).not.toContain(accessToken);
  });
});
