import { DEFAULT_TIMEOUT } from '../create-auth.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { readWeaviateOidcConfig, type WeaviateOidcConfig, weaviateDiscoveryUrl } from './discovery.js';

/**
 * Asks a Weaviate server, without a credential, for its OIDC setup (`GET {baseUrl}/v1/.well-known/openid-configuration`):
 * the same request `createAuth()` makes before a password or client-credentials grant, with the same checks. Resolves `undefined`
 * when the server answers 404 and is Weaviate (OIDC is off: it takes API keys only, or anonymous access; its
 * `/v1/.well-known/live` answers 2xx, or cannot be read, as in a browser: Weaviate sends no CORS headers
 * there). A 404 next to a live endpoint that answers an error (another service, a proxy path that leads
 * nowhere) rejects with a `DiscoveryError` (`status` 404) that says to check `baseUrl`.
 *
 * Rejects with a `DiscoveryError` when the server answers another error status (`status`; `transient`
 * for 5xx and 429) or a body without a valid `href` and `clientId` (`status` 200), or cannot be reached (no
 * `status`, `transient`, the network error as `cause`); with a `TimeoutError` after `timeout`; with
 * `signal.reason` when `signal` aborts; with a `ConfigurationError` for a `baseUrl` that is not an
 * http(s) URL or a `timeout` that is not a positive number of milliseconds.
 *
 * @param baseUrl - the server's URL, e.g. `'https://my-cluster.weaviate.cloud'` (a trailing `/v1`, Weaviate's
 * own, is left out: `'http://localhost:8080/v1'` asks `http://localhost:8080/v1/.well-known/...`).
 * Redirects are followed hop by hop (at most 5); a hop to plain http on a host other than loopback is refused
 * with an `InsecureTransportError` unless `allowInsecureHttp` is set (it is for an http `baseUrl`).
 *
 * @param options - `timeout`: the limit in ms (default `DEFAULT_TIMEOUT`, 10000); `signal`: aborts the request;
 *   `allowInsecureHttp`: let redirects go to plain http (default: true for an http `baseUrl`, else false).
 * @example
 * ```ts
 * import { discoverWeaviateOidc } from '@auth/core';
 *
 * const oidc = await discoverWeaviateOidc('http://localhost:8080', { timeout: 5_000 });
 * if (oidc === undefined) console.log('OIDC is off: use an API key');
 * else console.log(`provider: ${oidc.href}, client id: ${oidc.clientId}, scopes: ${oidc.scopes.join(' ')}`);
 * ```
 */
export async function discoverWeaviateOidc(
  baseUrl: string | URL,
  options: {
    readonly timeout?: number | undefined;
    readonly signal?: AbortSignal | undefined;
    readonly allowInsecureHttp?: boolean | undefined;
  } = {},
): Promise<WeaviateOidcConfig | undefined> {
  const { timeout = DEFAULT_TIMEOUT, signal = new AbortController().signal } = options;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
    throw new ConfigurationError(
      `discoverWeaviateOidc(): \`timeout\` must be a positive number of milliseconds, e.g. ${DEFAULT_TIMEOUT}.`,
    );
  }
  let base: URL | undefined;
  try {
    base = new URL(baseUrl);
  } catch {
    // reported below
  }
  if (base?.protocol !== 'http:' && base?.protocol !== 'https:') {
    throw new ConfigurationError(
      "discoverWeaviateOidc(): `baseUrl` must be an absolute http: or https: URL, e.g. 'https://my-cluster.weaviate.cloud' or 'http://localhost:8080'.",
    );
  }
  // An http `baseUrl` is the caller's explicit choice of plain http; an https one must stay on https.
  const allowInsecureHttp = options.allowInsecureHttp ?? base.protocol === 'http:';
  return readWeaviateOidcConfig(weaviateDiscoveryUrl(base), {
    signal,
    timeout,
    allowInsecureHttp,
  });
}
