import { type RecordingServer, startRecordingServer } from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeakCheck } from '../__test__/leaks.js';
import { type Answer, ScriptedProvider } from '../__test__/scripted-provider.js';
import { type Auth, createAuth } from '../create-auth.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { InsecureTransportError } from '../errors/insecure-transport-error.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { TokenRequestError } from '../errors/token-request-error.js';
import { discoverWeaviateOidc } from '../oidc/discover-weaviate-oidc.js';
import { MAX_OIDC_ANSWER_BYTES } from '../oidc/read-answer.js';

// Issue 13.5 and 13.11: no hop of discovery or of a token request goes to plain http unless the loopback
// rule or allowInsecureHttp allows it, and no answer is read past MAX_OIDC_ANSWER_BYTES.

const PASSWORD = 'limits-password-1';
const HUGE = 120 * 1024 * 1024;
const leaks = new LeakCheck();
leaks.secret(PASSWORD);
let provider: ScriptedProvider;
let elsewhere: RecordingServer;

beforeAll(async () => {
  [provider, elsewhere] = await Promise.all([ScriptedProvider.start(), startRecordingServer()]);
});
afterAll(async () => {
  leaks.assertClean();
  await Promise.all([provider.close(), elsewhere.close()]);
});

function auth(options: { issuer?: string; baseUrl?: string }): Auth {
  return leaks.watch(
    createAuth({
      baseUrl: options.baseUrl ?? provider.origin,
      credentials: oidcPassword({ username: 'alice', password: PASSWORD }),
      ...(options.issuer ? { oidc: { issuer: options.issuer, clientId: 'weaviate' } } : {}),
      onEvent: leaks.onEvent,
    }),
  );
}

async function failure(client: Auth): Promise<unknown> {
  const error = await leaks.catching(client.authorize('/v1/meta')).catch((caught: unknown) => caught);
  await client.close();
  return error;
}

const huge = (declared: boolean): Answer => ({
  status: 200,
  headers: {
    'content-type': 'application/json',
    ...(declared ? { 'content-length': String(HUGE) } : {}),
  },
  body: { bytes: HUGE },
});

describe.concurrent('answers larger than the cap (120 MB) are refused without being read whole', () => {
  it.each([
    ['streamed without a Content-Length', false],
    ['with a Content-Length', true],
  ])('a token answer %s', async (name, declared) => {
    const { issuer, seen } = provider.issuer(`huge-token-${declared}`, { token: [huge(declared)] });
    const error = await failure(auth({ issuer }));
    expect(error).toBeInstanceOf(InvalidTokenResponseError);
    expect(error).toMatchObject({ status: 200, contentType: 'application/json', transient: false });
    expect((error as Error).message).toBe(
      `POST ${issuer}/token (password grant) answered 200 with a body larger than 256 KiB, the limit for token and discovery answers (it was not read). Check that the URL is the provider's token endpoint.`,
    );
    expect(seen.token).toHaveLength(1);
    expect(seen.streams[0]?.finished).toBe(false);
    expect(seen.streams[0]?.written).toBeLessThan(HUGE / 4);
    expect(name).toBeTruthy();
  });

  it("the provider's discovery document", async () => {
    const { issuer, seen } = provider.issuer('huge-discovery', { discovery: huge(false) });
    const error = await failure(auth({ issuer }));
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ status: 200, transient: false });
    expect((error as Error).message).toMatch(/answered 200 with a body larger than 256 KiB/);
    expect(seen.streams[0]?.finished).toBe(false);
    expect(seen.streams[0]?.written).toBeLessThan(HUGE / 4);
  });

  it("Weaviate's discovery answer, through createAuth and discoverWeaviateOidc()", async () => {
    const { weaviate, seen } = provider.issuer('huge-weaviate', { weaviate: huge(false) });
    const error = await failure(auth({ baseUrl: weaviate }));
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toBe(
      `GET ${weaviate}/v1/.well-known/openid-configuration answered 200 with a body larger than 256 KiB, the limit for token and discovery answers (it was not read). Check \`baseUrl\`.`,
    );
    await expect(discoverWeaviateOidc(weaviate)).rejects.toThrow(/larger than 256 KiB/);
    for (const stream of seen.streams) {
      expect(stream.finished).toBe(false);
      expect(stream.written).toBeLessThan(HUGE / 4);
    }
    expect(seen.streams).toHaveLength(2);
  });

  it('a body just under the cap is still read', async () => {
    const padding = 'p'.repeat(MAX_OIDC_ANSWER_BYTES - 200);
    const { issuer } = provider.issuer('just-under', {
      token: [
        {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ access_token: 'under-cap', token_type: 'Bearer', expires_in: 60, padding }),
        },
      ],
    });
    const client = auth({ issuer });
    expect(leaks.headers(await client.authorize('/v1/meta'))).toEqual({ Authorization: 'Bearer under-cap' });
    await client.close();
  });
});

describe('redirects of discovery and token requests', () => {
  it('refuses a Weaviate discovery redirect to plain http on another host, before any request goes there', async () => {
    const home = await startRecordingServer();
    try {
      home.redirect('/v1/.well-known/openid-configuration', 'http://weaviate-discovery.invalid/oidc');
      const error = await failure(auth({ baseUrl: home.url }));
      expect(error).toBeInstanceOf(InsecureTransportError);
      expect((error as Error).message).toBe(
        `Refusing to send a discovery request (redirected from ${home.url}/v1/.well-known/openid-configuration) over plain http to http://weaviate-discovery.invalid: only loopback hosts may use http. Use https, or pass \`allowInsecureHttp: true\` to createAuth if this network is trusted.`,
      );
      // The public helper applies the same rule to an https start; an http start is the caller's own choice.
      await expect(discoverWeaviateOidc(home.url, { allowInsecureHttp: false })).rejects.toBeInstanceOf(
        InsecureTransportError,
      );
    } finally {
      await home.close();
    }
  });

  it('follows a Weaviate discovery redirect that stays on loopback', async () => {
    const { weaviate, issuer } = provider.issuer('moved');
    const home = await startRecordingServer();
    try {
      home.redirect(
        '/v1/.well-known/openid-configuration',
        `${weaviate}/v1/.well-known/openid-configuration`,
        308,
      );
      const client = auth({ baseUrl: home.url });
      expect(leaks.headers(await client.authorize('/v1/meta'))).toEqual({
        Authorization: 'Bearer token-moved-1',
      });
      await client.close();
      expect(issuer).toMatch(/\/p\/moved$/);
    } finally {
      await home.close();
    }
  });

  it('never follows a redirect of a token request (the password would go with it)', async () => {
    const { issuer, seen } = provider.issuer('token-redirect', {
      token: [{ status: 307, headers: { location: `${elsewhere.url}/token` } }],
    });
    const error = await failure(auth({ issuer }));
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 307, transient: false });
    expect((error as Error).message).toContain(`a redirect to ${elsewhere.url}/token`);
    expect(seen.token).toHaveLength(1);
    expect(elsewhere.seen).toEqual([]);
  });

  it("never follows a redirect of the provider's discovery", async () => {
    const { issuer } = provider.issuer('discovery-redirect', {
      discovery: { status: 302, headers: { location: `${elsewhere.url}/.well-known/openid-configuration` } },
    });
    const error = await failure(auth({ issuer }));
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ status: 302 });
    expect(elsewhere.seen).toEqual([]);
  });
});
