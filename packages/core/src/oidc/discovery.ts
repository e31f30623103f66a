import { withTimeout } from '../abort.js';
import { AuthError } from '../errors/auth-error.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { assertSecureTransport, displayUrl, resolveUrl } from '../origin.js';
import { serverRoot } from '../server-root.js';
import { isRedirect, readJsonAnswer } from './answer.js';
import { discoveryAnswerError } from './map-errors.js';

/** What a Weaviate server says about its OIDC setup (its answer to `GET /v1/.well-known/openid-configuration`). */
export interface WeaviateOidcConfig {
  /** The provider's discovery document, `<issuer>/.well-known/openid-configuration`. */
  readonly href: string;
  /** The client id the server expects in the tokens' audience. */
  readonly clientId: string;
  /** The scopes the server asks for; empty when it names none (Weaviate Cloud's case). */
  readonly scopes: readonly string[];
}

/** Weaviate's discovery path, relative to the server's base URL. */
const WEAVIATE_DISCOVERY_PATH = 'v1/.well-known/openid-configuration';

/**
 * Where a Weaviate server at `baseUrl` says how it does OIDC: `{baseUrl}/v1/.well-known/openid-configuration`.
 * A `baseUrl` that already ends in Weaviate's own `/v1` (copied from a REST URL, or shared with an axios
 * `baseURL`) is the server's root without it, as for the CLI's `--url`: not `/v1/v1/...`, which answers 404
 * as if OIDC were off.
 */
export function weaviateDiscoveryUrl(baseUrl: URL): URL {
  return resolveUrl(WEAVIATE_DISCOVERY_PATH, serverRoot(baseUrl));
}

/** Options of a Weaviate discovery request. */
export interface WeaviateDiscoveryOptions {
  readonly signal: AbortSignal;
  readonly timeout: number;
  /** Whether a hop may go to plain http on a non-loopback host. */
  readonly allowInsecureHttp: boolean;
}

/** Redirects followed at most by Weaviate's discovery (each hop checked). */
export const MAX_DISCOVERY_REDIRECTS = 5;

/**
 * `GET {baseUrl}/v1/.well-known/openid-configuration` ({@link weaviateDiscoveryUrl}). A 404 from a Weaviate server
 * means OIDC is off on it: a {@link ConfigurationError} saying to use an API key. Network failures, timeouts and 5xx are transient.
 */
export async function fetchWeaviateOidcConfig(
  baseUrl: URL,
  options: WeaviateDiscoveryOptions,
): Promise<WeaviateOidcConfig> {
  const url = weaviateDiscoveryUrl(baseUrl);
  const config = await readWeaviateOidcConfig(url, options);
  if (config === undefined) {
    throw new ConfigurationError(
      `GET ${displayUrl(url)} answered 404: OIDC is not enabled on this Weaviate server. Use an API key instead (credentials: apiKey(...)), or enable OIDC on the server.`,
    );
  }
  return config;
}

/**
 * `GET <url>` (Weaviate's discovery URL) within `timeout`: `undefined` for a 404 from Weaviate (OIDC off: the
 * `.well-known/live` next to it does not answer an error), a {@link DiscoveryError} for any other failure (a 404
 * next to a live endpoint that answers an error too: not Weaviate). Redirects are followed by hand, at most
 * {@link MAX_DISCOVERY_REDIRECTS}, and no hop goes to plain http unless the loopback rule or
 * `allowInsecureHttp` allows it ({@link InsecureTransportError}): a network attacker on such a hop could name
 * their own provider. The answer is read up to {@link MAX_OIDC_ANSWER_BYTES}. Also behind the public
 * `discoverWeaviateOidc()`.
 */
export async function readWeaviateOidcConfig(
  url: URL,
  options: WeaviateDiscoveryOptions,
): Promise<WeaviateOidcConfig | undefined> {
  const target = `GET ${displayUrl(url)}`;
  let answer: { at: string; read: Awaited<ReturnType<typeof readJsonAnswer>> } | undefined;
  try {
    answer = await withTimeout((signal) => follow(url, signal, options.allowInsecureHttp), {
      ...options,
      target,
    });
  } catch (error) {
    if (options.signal.aborted || error instanceof AuthError) throw error;
    throw new DiscoveryError(
      `${target} failed: the server could not be reached. Check \`baseUrl\` and that the server is running.`,
      { url: displayUrl(url), transient: true, cause: error },
    );
  }
  const { at, read } = answer;
  if ('facts' in read) {
    if (read.facts.status !== 404) throw discoveryAnswerError(read.facts, at, 'weaviate');
    // Weaviate answers 404 here when OIDC is off, and so does anything that is not Weaviate (another service,
    // a wrong proxy path). Weaviate's liveness endpoint, which it answers before any auth check, tells them apart.
    const live = new URL('live', url);
    if (!(await answersNotOk(live, options))) return undefined;
    throw new DiscoveryError(
      `${target} answered 404, and GET ${displayUrl(live)} did not answer 200: there is no Weaviate API at ${displayUrl(new URL('../..', url))}. Check \`baseUrl\`: the server's root (e.g. 'https://my-cluster.weaviate.cloud'), with a path only where a proxy serves Weaviate under one.`,
      { url: at, status: 404 },
    );
  }
  const config = read.json as { href?: unknown; clientId?: unknown; scopes?: unknown };
  if (
    typeof config.href === 'string' &&
    URL.canParse(config.href) &&
    /^https?:$/.test(new URL(config.href).protocol) &&
    config.clientId === undefined
  ) {
    // Weaviate leaves out an empty `clientId` (`omitempty`): so it answers when its OIDC setup has
    // `skip_client_id_check` and no `client_id` (usecases/auth/authentication/oidc/middleware.go).
    const issuer = displayUrl(providerDiscovery(config.href).issuer).replace(/\/$/, '');
    throw new DiscoveryError(
      `${target} named the provider (${issuer}) but no client id: Weaviate leaves it out when its OIDC setup skips the client id check (skip_client_id_check). Pass your client id at that provider to createAuth: \`oidc: { issuer: '${issuer}', clientId: '<client id>' }\`.`,
      { url: at, status: 200 },
    );
  }
  if (
    typeof config.href !== 'string' ||
    !URL.canParse(config.href) ||
    typeof config.clientId !== 'string' ||
    !config.clientId
  ) {
    throw new DiscoveryError(
      `${target} answered without a valid \`href\` and \`clientId\`. Check the server's OIDC settings, or pass \`oidc: { issuer, clientId }\` to createAuth.`,
      { url: at, status: 200 },
    );
  }
  const scopes = Array.isArray(config.scopes)
    ? config.scopes.filter((s): s is string => typeof s === 'string')
    : [];
  return { href: config.href, clientId: config.clientId, scopes };
}

/**
 * Whether `GET url` (no credential, no redirect followed) gets an answer, within the discovery's timeout, that
 * is not 2xx. No answer that can be read (a browser refusing it for want of CORS headers, which Weaviate does
 * not send on live; a dropped connection; a timeout) says nothing: `false`.
 */
async function answersNotOk(url: URL, options: WeaviateDiscoveryOptions): Promise<boolean> {
  try {
    return await withTimeout(
      async (signal) => {
        const response = await fetch(url, { signal, redirect: 'manual' });
        await response.body?.cancel().catch(() => {});
        // `status` 0: an opaque answer (a browser's redirect kept from the page): nothing to read.
        return response.status !== 0 && !response.ok;
      },
      { ...options, target: `GET ${displayUrl(url)}` },
    );
  } catch (error) {
    if (options.signal.aborted) throw error;
    return false;
  }
}

/** GETs `start`, following redirects hop by hop; each hop must pass the transport rule. */
async function follow(
  start: URL,
  signal: AbortSignal,
  allowInsecureHttp: boolean,
): Promise<{ at: string; read: Awaited<ReturnType<typeof readJsonAnswer>> }> {
  let url = start;
  let from: URL | undefined;
  for (let hops = 0; ; hops++) {
    const what = from ? `a discovery request (redirected from ${displayUrl(from)})` : 'a discovery request';
    assertSecureTransport(url, allowInsecureHttp, what);
    const response = await fetch(url, {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    const location = response.headers.get('location');
    if (isRedirect(response) && location && hops < MAX_DISCOVERY_REDIRECTS && response.status !== 304) {
      await response.body?.cancel().catch(() => {});
      from = url;
      url = new URL(location, url);
      continue;
    }
    return { at: displayUrl(url), read: await readJsonAnswer(response, url.href) };
  }
}

/**
 * Where a provider's discovery document is, and the issuer it must name, from Weaviate's `href` (the
 * document's URL) or an issuer URL: `issuer` is without a trailing slash; the document may name it with one.
 */
export function providerDiscovery(href: string): { document: URL; issuer: string } {
  const url = new URL(href);
  if (/\/\.well-known\/openid-configuration\/?$/.test(url.pathname)) {
    const issuer = new URL(url.href);
    issuer.pathname = url.pathname.replace(/\/\.well-known\/openid-configuration\/?$/, '');
    issuer.search = '';
    issuer.hash = '';
    return { document: url, issuer: issuer.href.replace(/\/$/, '') };
  }
  const issuer = url.href.replace(/\/$/, '');
  return { document: new URL(`${issuer}/.well-known/openid-configuration`), issuer };
}
