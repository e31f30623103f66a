import type {
  ClientMetadata,
  Configuration,
  CustomFetch,
  DiscoveryRequestOptions,
  TokenEndpointResponse,
} from 'openid-client';
import { linkSignals } from '../abort.js';
import type {
  CredentialEnvironment,
  OidcOptions,
  TokenRequest,
  TokenSet,
} from '../credentials/credentials.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { InvalidTokenResponseError } from '../errors/invalid-token-response-error.js';
import { DEFAULT_EXPIRES_IN } from '../lifetime.js';
import { assertSecureTransport, displayUrl, isLoopback } from '../origin.js';
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
  /**
   * The token request being served (its signal, and where to report a refresh token as soon as an answer
   * brings one). The token manager runs one token request at a time per auth object, and a session belongs
   * to one auth object; openid-client's calls take no per-call signal, so its fetch reads it from here.
   */
  #request: TokenRequest | undefined;

  /** The `oidc` option of createAuth, checked: the provider to use instead of asking the Weaviate server. */
  readonly #oidc: OidcOptions | undefined;

  /** `oidc`: the `oidc` option of createAuth, checked by `oidcOptions()`. */
  constructor(environment: CredentialEnvironment, oidc: OidcOptions | undefined) {
    this.#env = environment;
    this.#oidc = oidc;
  }

  /** Runs discovery for `request` if it has not succeeded yet; concurrent calls share one run. */
  discover(request: TokenRequest): Promise<Discovered> {
    return this.#discover(request);
  }

  /** The password grant, with `scope` as given. */
  async password(
    username: string,
    password: string,
    scope: string,
    request: TokenRequest,
  ): Promise<TokenSet> {
    const d = await this.#discover(request);
    return this.#grant(d, 'password', request, () =>
      d.oc.genericGrantRequest(d.config, 'password', { username, password, ...(scope ? { scope } : {}) }),
    );
  }

  /** The refresh-token grant, for the public client or the given confidential one. */
  async refresh(refreshToken: string, request: TokenRequest, client?: ConfidentialClient): Promise<TokenSet> {
    const d = await this.#discover(request);
    const config = client ? this.#confidential(d, client) : d.config;
    return this.#grant(d, 'refresh_token', request, () => d.oc.refreshTokenGrant(config, refreshToken));
  }

  /** The client-credentials grant (client_secret_post). */
  async clientCredentials(
    client: ConfidentialClient,
    scope: (d: Discovered) => string,
    request: TokenRequest,
  ): Promise<TokenSet> {
    const d = await this.#discover(request);
    const config = this.#confidential(d, client);
    const value = scope(d);
    return this.#grant(d, 'client_credentials', request, () =>
      d.oc.clientCredentialsGrant(config, value ? { scope: value } : {}),
    );
  }

  /**
   * Revokes `token` at the provider's `revocation_endpoint` (RFC 7009), as the public client or the given
   * confidential one. A provider without one: a `ConfigurationError` saying so.
   */
  async revoke(
    token: string,
    hint: 'refresh_token' | 'access_token',
    request: TokenRequest,
    client?: ConfidentialClient,
  ): Promise<void> {
    const d = await this.#discover(request);
    const endpoint = d.config.serverMetadata().revocation_endpoint;
    if (!endpoint) {
      throw new ConfigurationError(
        `The OpenID Provider ${d.issuer} has no revocation_endpoint in its discovery document, so its ${hint} cannot be revoked: it was forgotten here, and stays valid at the provider until it expires.`,
      );
    }
    assertSecureTransport(new URL(endpoint), this.#env.allowInsecureHttp, 'OIDC credentials');
    const config = client ? this.#confidential(d, client) : d.config;
    const context = {
      grant: 'revocation',
      url: displayUrl(endpoint),
      timeout: this.#env.timeout,
      signal: request.signal,
    };
    try {
      await this.#serving(request, () => d.oc.tokenRevocation(config, token, { token_type_hint: hint }));
    } catch (error) {
      throw toTokenRequestError(error, context);
    }
  }

  #discover(request: TokenRequest): Promise<Internal> {
    if (!this.#discovered) {
      const pending = this.#serving(request, () => this.#run(request.signal));
      this.#discovered = pending;
      pending.catch(() => {
        if (this.#discovered === pending) this.#discovered = undefined;
      });
    }
    return this.#discovered;
  }

  async #run(signal: AbortSignal): Promise<Internal> {
    const env = this.#env;
    const oidc = this.#oidc;
    const { href, clientId, scopes } = oidc
      ? { href: oidc.issuer, clientId: oidc.clientId, scopes: oidc.scopes ?? [] }
      : await fetchWeaviateOidcConfig(env.baseUrl, { signal, timeout: env.timeout });
    const issuer = issuerOf(href);
    assertSecureTransport(issuer, env.allowInsecureHttp, 'OIDC credentials');
    const oc = await loadOpenidClient();
    const insecure = issuer.protocol === 'http:' && (env.allowInsecureHttp || isLoopback(issuer));
    const url = displayUrl(new URL(`${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`));
    let config: Configuration;
    try {
      config = await oc.discovery(
        issuer,
        clientId,
        clientMetadata(oc),
        oc.None(),
        this.#options(oc, insecure),
      );
    } catch (error) {
      throw toDiscoveryError(error, { url, timeout: env.timeout, signal });
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
      clientMetadata(d.oc),
      d.oc.ClientSecretPost(client.secret),
    );
    config.timeout = this.#env.timeout / 1000;
    config[d.oc.customFetch] = this.#fetch;
    if (d.insecure) d.oc.allowInsecureRequests(config);
    this.#confidentialConfig = config;
    return config;
  }

  async #grant(
    d: Internal,
    grant: string,
    request: TokenRequest,
    send: () => Promise<TokenEndpointResponse>,
  ): Promise<TokenSet> {
    const context = { grant, url: d.tokenEndpoint, timeout: this.#env.timeout, signal: request.signal };
    let response: TokenEndpointResponse;
    try {
      response = await this.#serving(request, send);
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
      // RFC 6749 §5.1: without `expires_in`, the lifetime is the provider's documented default; ours is this.
      expiresIn: response.expires_in ?? DEFAULT_EXPIRES_IN,
      refreshToken: response.refresh_token,
    };
  }

  /** Runs `task` as the work of `request`: openid-client's requests meanwhile use its signal and reports. */
  async #serving<T>(request: TokenRequest, task: () => Promise<T>): Promise<T> {
    this.#request = request;
    try {
      return await task();
    } finally {
      if (this.#request === request) this.#request = undefined;
    }
  }

  /** Every request openid-client makes: the token request's signal added, token answers made tolerable. */
  readonly #fetch: CustomFetch = async (url, options) => {
    const { body, ...rest } = options;
    const request = this.#request;
    // Linked by hand, not with AbortSignal.any(), which on Node 20 keeps every composite on its sources
    // (nodejs/node#55351). A token answer is read whole below, then the link is undone. A discovery answer
    // (GET, once per auth object) is read by openid-client after we return, so its link stays until one of
    // the signals aborts or is collected.
    const linked = linkSignals(options.signal, request?.signal);
    const init: RequestInit = { ...rest, body: (body ?? null) as BodyInit | null, signal: linked.signal };
    if (options.method !== 'POST') {
      try {
        return await fetch(url, init);
      } catch (error) {
        linked.dispose();
        throw error;
      }
    }
    try {
      const response = await fetch(url, init);
      return await tolerateTokenAnswer(response, (refreshToken) => request?.onRefreshToken?.(refreshToken));
    } finally {
      linked.dispose();
    }
  };
}

/**
 * Core never uses an ID token's claims (expiry comes from `expires_in` against the local clock), so their
 * time checks must not reject an answer: with the client's clock ahead of the provider's by more than the ID
 * token's lifetime, openid-client would throw away every answer after the provider rotated the refresh
 * token. The ID token is also dropped from token answers (see {@link tolerateTokenAnswer}); this tolerance
 * covers anything openid-client still checks against the clock.
 */
function clientMetadata(oc: OpenidClient): Partial<ClientMetadata> {
  return { [oc.clockTolerance]: ID_TOKEN_CLOCK_TOLERANCE };
}

/** Seconds: any clock difference (openid-client needs a finite number). */
const ID_TOKEN_CLOCK_TOLERANCE = 10 * 365 * 24 * 60 * 60;

/** A confidential client, passed along for one call (never stored by the session). */
export interface ConfidentialClient {
  /** Defaults to the client id discovery gave. */
  readonly clientId: string | undefined;
  readonly secret: string;
}

/** Statuses whose `Response` must not have a body (fetch never hands out a 1xx). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * A token answer as core uses it, before openid-client checks it:
 *
 * - openid-client rejects an `expires_in` that is negative or not a number. Such an answer still holds a
 *   usable token: the bad `expires_in` is dropped so that the documented default lifetime applies.
 * - the `id_token` is dropped: core uses only the access and refresh tokens, and openid-client would reject
 *   the whole answer for an ID token that looks expired to a skewed clock (or has another claim it dislikes)
 *   after the provider already rotated the refresh token.
 * - the `refresh_token` is reported to `onRefreshToken`, so that it is kept even if the answer is rejected.
 */
async function tolerateTokenAnswer(
  response: Response,
  onRefreshToken: (refreshToken: string) => void,
): Promise<Response> {
  // Read whole here (token answers are small), so that the request's signal is no longer needed afterwards.
  const text = await response.text();
  // The body is already decoded by fetch: its length and encoding no longer apply.
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  const init = { status: response.status, statusText: response.statusText, headers };
  if (!response.ok || !response.headers.get('content-type')?.includes('json')) {
    return new Response(NULL_BODY_STATUSES.has(response.status) ? null : text, init);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    if (typeof record.refresh_token === 'string' && record.refresh_token)
      onRefreshToken(record.refresh_token);
    if ('id_token' in record) delete record.id_token;
    if ('expires_in' in record) {
      const seconds =
        typeof record.expires_in === 'number'
          ? record.expires_in
          : Number.parseFloat(String(record.expires_in));
      if (!Number.isFinite(seconds) || seconds < 0) delete record.expires_in;
    }
  }
  return new Response(body === undefined ? text : JSON.stringify(body), init);
}
