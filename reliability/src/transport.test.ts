import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Auth,
  apiKey,
  clientCredentials,
  createAuth,
  InsecureTransportError,
  oidcPassword,
  TokenRequestError,
  tokenSource,
} from '@auth/core';
import type { ClientOptions, ClientRequest } from '@auth/test-utils/clients';
import { type RecordingServer, startRecordingServer } from '@auth/testing';
import type { AxiosAdapter } from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AdapterName, adapterNames, adapters } from './harness.js';

/**
 * Credentials reach the base origin (and `allowedOrigins`) only: absolute URLs, redirects, a base URL with
 * a path, IPv6 and IDN hosts, `user:pass@` URLs and other ports. Real HTTP on loopback addresses
 * (127.0.0.1, 127.0.0.2, [::1]); IDN hosts cannot resolve here, so those go through each adapter with a
 * recording transport (the adapter's real code, no network).
 */

const KEY = 'SECRET-TRANSPORT-KEY-0123456789';
const MODULE_KEY = 'SECRET-TRANSPORT-MODULE-0123456789';

let home: RecordingServer; // the API: 127.0.0.1
let otherPort: RecordingServer; // 127.0.0.1, another port
let otherHost: RecordingServer; // 127.0.0.2
let v6: RecordingServer; // [::1]
const auths: Auth[] = [];

beforeAll(async () => {
  [home, otherPort, otherHost, v6] = await Promise.all([
    startRecordingServer({ host: '127.0.0.1' }),
    startRecordingServer({ host: '127.0.0.1' }),
    startRecordingServer({ host: '127.0.0.2' }),
    startRecordingServer({ host: '::1' }),
  ]);
});
afterEach(async () => {
  await Promise.all(auths.splice(0).map((auth) => auth.close()));
  for (const recorder of [home, otherPort, otherHost, v6]) {
    recorder.reset();
  }
});
afterAll(async () => {
  await Promise.all([home, otherPort, otherHost, v6].map((recorder) => recorder?.close()));
});

function authFor(baseUrl: string, extra: { allowedOrigins?: string[] } = {}): Auth {
  const auth = createAuth({
    baseUrl,
    credentials: apiKey(KEY),
    headers: { 'X-OpenAI-Api-Key': MODULE_KEY },
    ...extra,
  });
  auths.push(auth);
  return auth;
}

const adapterNamed = (name: AdapterName) => adapters.find((adapter) => adapter.name === name)!;

/**
 * GET (a POST of a GraphQL query for graphql-request) an absolute URL through the adapter, on an instance
 * without a base URL; `init.method: 'POST'` sends a JSON body instead. The status, or the error thrown.
 */
async function send(
  name: AdapterName,
  auth: Auth,
  url: string,
  init: ClientRequest = {},
  options: ClientOptions = {},
): Promise<number | Error> {
  try {
    return await adapterNamed(name)
      .create(auth, '', options)
      .request(url, { query: '{ ok }', ...init });
  } catch (error) {
    return error as Error;
  }
}

/** POST a JSON body to an absolute URL through the adapter (a GraphQL query for graphql-request). */
const post = (name: AdapterName, auth: Auth, url: string) =>
  send(name, auth, url, { method: 'POST', body: { query: '{ ok }' } });

/** The credential headers that reached `recorder` at `path`. */
const credentialsAt = (recorder: RecordingServer, path?: string) =>
  recorder.seen
    .filter((seen) => path === undefined || seen.path === path)
    .map((seen) => ({
      path: seen.path,
      authorization: seen.headers.authorization,
      module: seen.headers['x-openai-api-key'],
    }));

/** Requests that carried our credential or our extra header (a URL's own user info is the caller's). */
const carried = (recorder: RecordingServer) =>
  credentialsAt(recorder).filter((seen) => seen.authorization?.includes(KEY) || seen.module !== undefined);

describe.each(adapterNames)('%s', (name) => {
  it('absolute URLs: only the base origin gets the credential (not another port, host, [::1] or a user:pass@ trick)', async () => {
    const auth = authFor(home.url);
    expect(await send(name, auth, `${home.url}/v1/own`)).toBe(200);
    expect(credentialsAt(home)).toEqual([
      { path: '/v1/own', authorization: `Bearer ${KEY}`, module: MODULE_KEY },
    ]);
    for (const url of [
      `${otherPort.url}/v1/elsewhere`,
      `${otherHost.url}/v1/elsewhere`,
      `${v6.url}/v1/elsewhere`,
      // The base host and port as user info: the request goes to 127.0.0.2.
      `http://127.0.0.1:${home.port}@127.0.0.2:${otherHost.port}/v1/userinfo`,
    ]) {
      const outcome = await send(name, auth, url);
      // Either sent without credential, or refused by the client itself (fetch refuses user info).
      if (outcome instanceof Error) expect(outcome.name, url).toBe('TypeError');
      else expect(outcome, url).toBe(200);
    }
    expect(otherPort.seen.length + otherHost.seen.length + v6.seen.length).toBeGreaterThanOrEqual(3);
    expect([...carried(otherPort), ...carried(otherHost), ...carried(v6)]).toEqual([]);
  });

  it('redirects (301, 302, 303, 307, 308) to another port, host or [::1] arrive without the credential', async () => {
    const auth = authFor(home.url);
    const targets = [otherPort, otherHost, v6];
    let sent = 0;
    for (const status of [301, 302, 303, 307, 308] as const) {
      for (const [index, target] of targets.entries()) {
        const path = `/redirect/${status}/${index}`;
        home.redirect(path, `${target.url}/landed/${status}`, status);
        const outcome = await send(name, auth, `${home.url}${path}`);
        expect(outcome, `${status} to ${target.url}`).toBe(200);
        sent++;
      }
    }
    // The first hop carried the credential (own origin); no landing did.
    expect(credentialsAt(home).filter((seen) => seen.authorization === `Bearer ${KEY}`)).toHaveLength(sent);
    expect(targets.reduce((count, target) => count + target.seen.length, 0)).toBe(sent);
    expect(targets.flatMap(carried)).toEqual([]);
  });

  it('a redirect chain that leaves and comes back never carries the credential to the other origin', async () => {
    const auth = authFor(home.url);
    home.redirect('/out', `${otherHost.url}/via`, 302);
    otherHost.redirect('/via', `${home.url}/back`, 307);
    expect(await send(name, auth, `${home.url}/out`)).toBe(200);
    expect(credentialsAt(otherHost)).toEqual([{ path: '/via', authorization: undefined, module: undefined }]);
    expect(home.seen.map((seen) => seen.path)).toEqual(['/out', '/back']);
  });

  it('a POST redirected 302 (becomes GET) to another origin, then 307 back, is followed without error or credential leak', async () => {
    const auth = authFor(home.url);
    home.redirect('/v1/graphql', `${otherHost.url}/via`, 302);
    otherHost.redirect('/via', `${home.url}/back`, 307);
    const outcome = await post(name, auth, `${home.url}/v1/graphql`);
    expect(outcome).toBe(200);
    expect(credentialsAt(otherHost)).toEqual([{ path: '/via', authorization: undefined, module: undefined }]);
    expect(otherHost.seen.map((seen) => seen.method)).toEqual(['GET']);
    expect(home.seen.map((seen) => `${seen.method} ${seen.path}`)).toEqual(['POST /v1/graphql', 'GET /back']);
  });

  it('a 401 from the other origin a redirect led to renews nothing and is not retried', async () => {
    let tokens = 0;
    const auth = createAuth({
      baseUrl: home.url,
      credentials: tokenSource(async () => ({
        accessToken: `SECRET-TRANSPORT-TOKEN-${++tokens}`,
        expiresIn: 60,
      })),
    });
    auths.push(auth);
    home.redirect('/away', `${otherHost.url}/denied`, 302);
    otherHost.respond('/denied', 401);
    expect(await send(name, auth, `${home.url}/away`)).toBe(401);
    expect(otherHost.seen.map((seen) => seen.headers.authorization)).not.toContainEqual(
      expect.stringContaining('SECRET-TRANSPORT-TOKEN'),
    );
    // One token for the first hop; the foreign 401 is not ours to renew, nor to retry.
    expect(tokens).toBe(1);
    expect(home.seen.map((seen) => seen.path)).toEqual(['/away']);
  });

  it('allowedOrigins opts one more origin in, and only that one', async () => {
    const auth = authFor(home.url, { allowedOrigins: [otherHost.url] });
    expect(await send(name, auth, `${otherHost.url}/v1/allowed`)).toBe(200);
    expect(await send(name, auth, `${otherPort.url}/v1/not-allowed`)).toBe(200);
    expect(credentialsAt(otherHost)).toEqual([
      { path: '/v1/allowed', authorization: `Bearer ${KEY}`, module: MODULE_KEY },
    ]);
    expect(carried(otherPort)).toEqual([]);
  });

  it('an IPv6 loopback base URL ([::1]) gets the credential over http; 127.0.0.1 is another origin', async () => {
    const auth = authFor(v6.url);
    expect(await send(name, auth, `${v6.url}/v1/six`)).toBe(200);
    expect(await send(name, auth, `${home.url}/v1/four`)).toBe(200);
    expect(credentialsAt(v6)).toEqual([
      { path: '/v1/six', authorization: `Bearer ${KEY}`, module: MODULE_KEY },
    ]);
    expect(carried(home)).toEqual([]);
  });
});

describe('a baseUrl with a path', () => {
  it.each(adapterNames)(
    '%s: relative paths resolve under it; another origin with the same path gets nothing',
    async (name) => {
      const auth = authFor(`${home.url}/api/v1`);
      const base = `${home.url}/api/v1`;
      // Relative to the instance's base: a REST path, or graphql-request's endpoint.
      const status = await adapterNamed(name)
        .create(auth, base)
        .request(name === 'graphql-request' ? 'graphql' : 'objects', { query: '{ ok }' });
      expect(status).toBe(200);
      expect(await send(name, auth, `${otherPort.url}/api/v1/objects`)).toBe(200);
      const path = name === 'graphql-request' ? '/api/v1/graphql' : '/api/v1/objects';
      expect(credentialsAt(home)).toEqual([{ path, authorization: `Bearer ${KEY}`, module: MODULE_KEY }]);
      expect(carried(otherPort)).toEqual([]);
    },
  );
});

describe('IDN hosts (through each adapter with a recording transport: these names do not resolve here)', () => {
  /** Records the URL and headers of every request an adapter hands to its transport. */
  function transports() {
    const seen: { url: string; authorization: string | null }[] = [];
    const recordingFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      seen.push({ url: request.url, authorization: request.headers.get('authorization') });
      return new Response('{"data":{"ok":true}}', {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const axiosAdapter: AxiosAdapter = async (config) => {
      seen.push({
        url: config.url ?? '',
        authorization: (config.headers.get('authorization') as string) ?? null,
      });
      return { data: {}, status: 200, statusText: 'OK', headers: {}, config, request: {} };
    };
    return { seen, recordingFetch, axiosAdapter };
  }

  const idn = async (name: AdapterName, auth: Auth, url: string, t: ReturnType<typeof transports>) => {
    const options = { fetch: t.recordingFetch, axios: { adapter: t.axiosAdapter }, ky: { retry: 0 } };
    const outcome = await send(name, auth, url, {}, options);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  };

  it.each(adapterNames)(
    '%s: the Unicode and punycode spellings are one origin; look-alikes and other ports get nothing',
    async (name) => {
      const auth = createAuth({ baseUrl: 'https://bücher.example', credentials: apiKey(KEY) });
      auths.push(auth);
      const t = transports();
      const cases: [string, boolean][] = [
        ['https://bücher.example/v1/meta', true],
        ['https://xn--bcher-kva.example/v1/meta', true],
        ['https://BÜCHER.example/v1/meta', true],
        ['https://bucher.example/v1/meta', false],
        ['https://bücher.example.evil.test/v1/meta', false],
        ['https://xn--bcher-kva.example:8443/v1/meta', false],
        ['http://bücher.example/v1/meta', false],
        ['https://bücher.example@evil.test/v1/meta', false],
      ];
      const outcomes: [string, boolean][] = [];
      for (const [url] of cases) {
        const before = t.seen.length;
        try {
          expect(await idn(name, auth, url, t), url).toBe(200);
        } catch (error) {
          // fetch (and so ky and graphql-request) refuses a URL with user info before sending: fine.
          expect((error as Error).message, url).toMatch(/includes credentials/);
        }
        const sent = t.seen.slice(before);
        outcomes.push([url, sent.some((seen) => seen.authorization === `Bearer ${KEY}`)]);
      }
      expect(outcomes).toEqual(cases);
    },
  );
});

describe('plain http to a non-loopback host', () => {
  it.each([
    'http://example.com',
    'http://192.168.1.10:8080',
    'http://10.0.0.1',
    'http://0.0.0.0:8080',
    'http://127.0.0.1.nip.io',
    'http://localhost.evil.test',
    'http://[::ffff:7f00:1]',
    'http://[fe80::1]',
    'http://xn--bcher-kva.example',
  ])('refuses %s (as baseUrl or allowed origin) with InsecureTransportError unless opted in', (url) => {
    expect(() => createAuth({ baseUrl: url, credentials: apiKey(KEY) })).toThrow(InsecureTransportError);
    expect(() =>
      createAuth({ baseUrl: 'https://api.example.com', allowedOrigins: [url], credentials: apiKey(KEY) }),
    ).toThrow(InsecureTransportError);
    const error = (() => {
      try {
        createAuth({ baseUrl: url, credentials: apiKey(KEY) });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toMatch(/allowInsecureHttp/);
    expect(error?.message).not.toContain(KEY);
    const optedIn = createAuth({ baseUrl: url, credentials: apiKey(KEY), allowInsecureHttp: true });
    auths.push(optedIn);
  });

  it.each([
    'http://127.0.0.1:8080',
    'http://127.1',
    'http://localhost',
    'http://LOCALHOST:1',
    'http://api.localhost',
    'http://[::1]:8080',
  ])('allows the loopback host %s', (url) => {
    auths.push(createAuth({ baseUrl: url, credentials: apiKey(KEY) }));
  });

  it('refuses an OIDC issuer over plain http that a (loopback) Weaviate server points to, before contacting it', async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          href: 'http://id.example.com/.well-known/openid-configuration',
          clientId: 'weaviate',
        }),
      );
      req.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const auth = createAuth({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials: oidcPassword({ username: 'u', password: 'SECRET-TRANSPORT-PASSWORD' }),
      });
      auths.push(auth);
      const error = await auth.authorize('/v1/meta').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InsecureTransportError);
      expect((error as InsecureTransportError).url).toBe('http://id.example.com');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the token endpoint', () => {
  it('a token endpoint that redirects (307, 308, 302) to another origin: the password and client secret are not posted there', async () => {
    const password = 'SECRET-TRANSPORT-PASSWORD-0123456789';
    const clientSecret = 'SECRET-TRANSPORT-CLIENT-0123456789';
    let issuer = '';
    let status = 307;
    const idp = createServer((req, res) => {
      req.resume();
      if (req.url?.startsWith('/.well-known/openid-configuration')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token` }));
        return;
      }
      res.writeHead(status, { location: `${otherHost.url}/stolen` });
      res.end();
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    try {
      for (status of [307, 308, 302]) {
        for (const credentials of [
          oidcPassword({ username: 'u', password }),
          clientCredentials({ clientId: 'c', clientSecret }),
        ]) {
          const auth = createAuth({ baseUrl: home.url, credentials, oidc: { issuer, clientId: 'weaviate' } });
          auths.push(auth);
          const error = await auth.authorize('/v1/meta').catch((caught: unknown) => caught);
          expect(error, String(status)).toBeInstanceOf(TokenRequestError);
          expect((error as Error).message, String(status)).toMatch(
            new RegExp(
              `answered ${status}, a redirect to ${otherHost.url}/stolen\\. Token and discovery requests do not follow redirects`,
            ),
          );
        }
      }
      expect(otherHost.seen).toEqual([]);
    } finally {
      idp.closeAllConnections();
      await new Promise((resolve) => idp.close(resolve));
    }
  });
});
