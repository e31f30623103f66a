import type {
  Configuration,
  CustomFetch,
  DiscoveryRequestOptions,
  TokenEndpointResponse,
} from 'openid-client';
import { anySignal } from '../abort.js';
import type { CredentialEnvironment, TokenSet } from '../credentials/credentials.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { assertSecureTransport, displayUrl, isLoopback } from '../origin.js';
import { normalizeExpiresIn } from '../schedule.js';
import { fetchWeaviateOidcConfig, issuerOf } from './discovery.js';
import { toDiscoveryError, toTokenRequestError } from './map-errors.js';

type OpenidClient = typeof import('openid-client');

let loading: Promise<OpenidClient> | undefined;

/** openid-client, loaded on first use: an app that only uses API keys never loads (or bundles) it. */
function loadOpenidClient(): Promise<OpenidClient> {
  loading ??= import('openid-client').catch((error: unknown) => {
    loading = undefined;
    throw new ConfigurationError(
      'Could not load openid-client, which the OIDC credentials need. Install it next to @auth/core (npm install openid-client).',
      { cause: error },
    );
  });
  return loading;
}

/** The result of discovery, shared by every grant of one auth object. */
export interface Discovered {
  readonly issuer: string;
  /** The public client (password and refresh-token grants, default for client credentials). */
  readonly clientId: string;
  /** The scopes the server advertises. */
  readonly scopes: readonly string[];
  readonly tokenEndpoint: string;
}

interface Internal extends Discovered {
  readonly oc: OpenidClient;
  readonly config: Configuration;
  readonly insecure: boolean;
}

/**
 * One auth object's OIDC state: discovery (once, and again only after a failure) and the grants, all
 * through openid-client with the auth's timeout, abort signal and transport rules.
 */
export class OidcSession {
  readonly #env: CredentialEnvironment;
  #discovered: Promise<Internal> | undefined;
  /** The client-credentials client: one per auth object, as there is one credential per auth object. */
  #confidentialConfig: Configuration | undefined;

  constructor(environment: CredentialEnvironment) {
    this.#env = environment;
  }

  /** Runs discovery if it has not succeeded yet; concurrent calls share one run. */
  discover(): Promise<Discovered> {
    return this.#discover();
  }

  /** The password grant, with `scope` as given. */
  async password(username: string, password: string, scope: string): Promise<TokenSet> {
    const d = await this.#discover();
    return this.#grant(d, 'password', () =>
      d.oc.genericGrantRequest(d.config, 'password', { username, password, ...(scope ? { scope } : {}) }),
    );
  }

  /** The refresh-token grant, for the public client or the given confidential one. */
  async refresh(refreshToken: string, client?: ConfidentialClient): Promise<TokenSet> {
    const d = await this.#discover();
    const config = client ? this.#confidential(d, client) : d.config;
    return this.#grant(d, 'refresh_token', () => d.oc.refreshTokenGrant(config, refreshToken));
  }

  /** The client-credentials grant (client_secret_post). */
  async clientCredentials(client: ConfidentialClient, scope: (d: Discovered) => string): Promise<TokenSet> {
    const d = await this.#discover();
    const config = this.#confidential(d, client);
    const value = scope(d);
    return this.#grant(d, 'client_credentials', () =>
      d.oc.clientCredentialsGrant(config, value ? { scope: value } : {}),
    );
  }

  #discover(): Promise<Internal> {
    if (!this.#discovered) {
      const pending = this.#run();
      this.#discovered = pending;
      pending.catch(() => {
        if (this.#discovered === pending) this.#discovered = undefined;
      });
    }
    return this.#discovered;
  }

  async #run(): Promise<Internal> {
    const env = this.#env;
    const { href, clientId, scopes } = env.oidc
      ? { href: env.oidc.issuer, clientId: env.oidc.clientId, scopes: env.oidc.scopes ?? [] }
      : await fetchWeaviateOidcConfig(env.baseUrl, { signal: env.signal, timeout: env.timeout });
    const issuer = issuerOf(href);
    assertSecureTransport(issuer, env.allowInsecureHttp, 'OIDC credentials');
    const oc = await loadOpenidClient();
    const insecure = issuer.protocol === 'http:' && (env.allowInsecureHttp || isLoopback(issuer));
    const url = displayUrl(new URL(`${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`));
    let config: Configuration;
    try {
      config = await oc.discovery(issuer, clientId, undefined, oc.None(), this.#options(oc, insecure));
    } catch (error) {
      throw toDiscoveryError(error, { url, timeout: env.timeout, signal: env.signal });
    }
    const metadata = config.serverMetadata();
    if (!metadata.token_endpoint) {
      throw new DiscoveryError(
        `GET ${url} lists no token_endpoint. The provider cannot issue tokens to this client.`,
        {
          url,
        },
      );
    }
    const tokenEndpoint = new URL(metadata.token_endpoint);
    assertSecureTransport(tokenEndpoint, env.allowInsecureHttp, 'OIDC credentials');
    const discovered = {
      issuer: metadata.issuer,
      clientId,
      scopes: Object.freeze([...scopes]),
      tokenEndpoint: displayUrl(tokenEndpoint),
    };
    env.emit({ type: 'discovery', ...discovered });
    return { ...discovered, oc, config, insecure };
  }

  #options(oc: OpenidClient, insecure: boolean): DiscoveryRequestOptions {
    return {
      timeout: this.#env.timeout / 1000,
      [oc.customFetch]: this.#fetch,
      ...(insecure ? { execute: [oc.allowInsecureRequests] } : {}),
    };
  }

  #confidential(d: Internal, client: ConfidentialClient): Configuration {
    if (this.#confidentialConfig) return this.#confidentialConfig;
    const config = new d.oc.Configuration(
      d.config.serverMetadata(),
      client.clientId ?? d.clientId,
      undefined,
      d.oc.ClientSecretPost(client.secret),
    );
    config.timeout = this.#env.timeout / 1000;
    config[d.oc.customFetch] = this.#fetch;
    if (d.insecure) d.oc.allowInsecureRequests(config);
    this.#confidentialConfig = config;
    return config;
  }

  async #grant(d: Internal, grant: string, request: () => Promise<TokenEndpointResponse>): Promise<TokenSet> {
    const context = { grant, url: d.tokenEndpoint, timeout: this.#env.timeout, signal: this.#env.signal };
    let response: TokenEndpointResponse;
    try {
      response = await request();
    } catch (error) {
      throw toTokenRequestError(error, context);
    }
    if (response.token_type !== 'bearer') {
      throw new InvalidTokenResponseError(
        `POST ${d.tokenEndpoint} (${grant} grant) answered with token_type "${response.token_type}"; only Bearer tokens are supported. Configure the provider to issue Bearer tokens.`,
        { grant, url: d.tokenEndpoint },
      );
    }
    return {
      accessToken: response.access_token,
      expiresIn: normalizeExpiresIn(response.expires_in),
      refreshToken: response.refresh_token,
    };
  }

  /** Every request openid-client makes: the auth's abort signal added, token answers made tolerable. */
  readonly #fetch: CustomFetch = async (url, options) => {
    const { body, ...rest } = options;
    const init: RequestInit = {
      ...rest,
      body: (body ?? null) as BodyInit | null,
      signal: anySignal(options.signal, this.#env.signal),
    };
    const response = await fetch(url, init);
    return options.method === 'POST' ? tolerateExpiresIn(response) : response;
  };
}

/** A confidential client, passed along for one call (never stored by the session). */
export interface ConfidentialClient {
  /** Defaults to the client id discovery gave. */
  readonly clientId: string | undefined;
  readonly secret: string;
}

/**
 * openid-client rejects a token answer whose `expires_in` is negative or not a number. Such an answer still
 * holds a usable token: drop the bad `expires_in` so that the documented default lifetime applies.
 */
async function tolerateExpiresIn(response: Response): Promise<Response> {
  if (!response.ok || !response.headers.get('content-type')?.includes('json')) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object' && 'expires_in' in body) {
    const record = body as Record<string, unknown>;
    const seconds =
      typeof record.expires_in === 'number'
        ? record.expires_in
        : Number.parseFloat(String(record.expires_in));
    if (!Number.isFinite(seconds) || seconds < 0) delete record.expires_in;
  }
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  return new Response(body === undefined ? text : JSON.stringify(body), init);
}
