import { withTimeout } from '../abort.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { displayUrl, resolveUrl } from '../origin.js';

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
export const WEAVIATE_DISCOVERY_PATH = 'v1/.well-known/openid-configuration';

/**
 * `GET {baseUrl}/v1/.well-known/openid-configuration`. A 404 means OIDC is off on the server: a
 * {@link ConfigurationError} saying to use an API key. Network failures, timeouts and 5xx are transient.
 */
export async function fetchWeaviateOidcConfig(
  baseUrl: URL,
  options: { signal: AbortSignal; timeout: number },
): Promise<WeaviateOidcConfig> {
  const url = resolveUrl(WEAVIATE_DISCOVERY_PATH, baseUrl);
  const config = await readWeaviateOidcConfig(url, options);
  if (config === undefined) {
    throw new ConfigurationError(
      `GET ${displayUrl(url)} answered 404: OIDC is not enabled on this Weaviate server. Use an API key instead (credentials: apiKey(...)), or enable OIDC on the server.`,
    );
  }
  return config;
}

/**
 * `GET <url>` (Weaviate's discovery URL) within `timeout`: `undefined` for a 404 (OIDC off), a
 * {@link DiscoveryError} for any other failure. Also behind the public `discoverWeaviateOidc()`.
 */
export async function readWeaviateOidcConfig(
  url: URL,
  options: { signal: AbortSignal; timeout: number },
): Promise<WeaviateOidcConfig | undefined> {
  const target = `GET ${displayUrl(url)}`;
  let answer: { status: number; body: unknown };
  try {
    answer = await withTimeout(
      async (signal) => {
        const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
        if (!response.ok) {
          await response.body?.cancel();
          return { status: response.status, body: undefined };
        }
        return { status: response.status, body: await response.json().catch(() => undefined) };
      },
      { ...options, target },
    );
  } catch (error) {
    if (options.signal.aborted || error instanceof TimeoutError) throw error;
    throw new DiscoveryError(
      `${target} failed: the server could not be reached. Check \`baseUrl\` and that the server is running.`,
      { url: displayUrl(url), transient: true, cause: error },
    );
  }
  const { status, body } = answer;
  if (status === 404) return undefined;
  if (status < 200 || status > 299) {
    const transient = status >= 500 || status === 429;
    throw new DiscoveryError(
      `${target} answered ${status}. ${transient ? 'The server has a problem; the request is retried.' : 'Check `baseUrl`.'}`,
      { url: displayUrl(url), status, transient },
    );
  }
  const config = body as { href?: unknown; clientId?: unknown; scopes?: unknown } | undefined;
  if (
    typeof config?.href !== 'string' ||
    !URL.canParse(config.href) ||
    typeof config.clientId !== 'string' ||
    !config.clientId
  ) {
    throw new DiscoveryError(
      `${target} answered without a valid \`href\` and \`clientId\`. Check the server's OIDC settings, or pass \`oidc: { issuer, clientId }\` to createAuth.`,
      { url: displayUrl(url), status },
    );
  }
  const scopes = Array.isArray(config.scopes)
    ? config.scopes.filter((s): s is string => typeof s === 'string')
    : [];
  return { href: config.href, clientId: config.clientId, scopes };
}

/** The issuer a discovery document URL belongs to: the URL without `/.well-known/openid-configuration`. */
export function issuerOf(href: string): URL {
  const url = new URL(href);
  url.pathname = url.pathname.replace(/\/?\.well-known\/openid-configuration\/?$/, '') || '/';
  return url;
}
