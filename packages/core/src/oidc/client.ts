import type {
  ClientMetadata,
  Configuration,
  CustomFetch,
  DiscoveryRequestOptions,
  ServerMetadata,
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
import { assertSecureTransport, displayUrl } from '../origin.js';
import { readJsonAnswer, UnusableAnswer } from './answer.js';
import { fetchWeaviateOidcConfig, providerDiscovery } from './discovery.js';
import { toDiscoveryError, toTokenRequestError } from './map-errors.js';

/** openid-client's module. */
export type OpenidClient = typeof import('openid-client');

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
  /** The provider's `token_endpoint_auth_methods_supported`, when its discovery document lists them. */
  readonly authMethods: readonly string[] | undefined;
}

/**
 * What a grant that lives in its own file (the device flow, the authorization code flow) gets from
 * {@link OidcSession.tools}: openid-client and the configuration of its client, with the session's timeout,
 * transport rules and answer handling.
 */
export interface GrantTools {
  readonly oc: OpenidClient;
  readonly config: Configuration;
  readonly metadata: Readonly<ServerMetadata>;
  readonly discovered: Discovered;
  /**
   * Runs a token request as the work of the tools' request: the answer as a {@link TokenSet}, or the error
   * mapped as every grant's. `keepIdToken`: the answer's ID token reaches openid-client (for its `nonce`).
   */
  grant(name: string, send: () => Promise<TokenEndpointResponse>, keepIdToken?: boolean): Promise<TokenSet>;
  /** Runs another request to the provider (`url`, e.g. the device authorization endpoint) the same way. */
  call<T>(name: string, url: string, send: () => Promise<T>): Promise<T>;
}

interface Internal extends Discovered {
  readonly oc: OpenidClient;
  readonly config: Configuration;
}

/**
 * One auth object's OIDC state: discovery (once, and again only after a failure) and the grants, all
 * through openid-client with the auth's timeout, abort signal and transport rules.
 */
export class OidcSession {
  readonly #env: CredentialEnvironment;
  /** Discovery: done, or running for one token request (which alone joins it; see `#discover`). */
  #discovered:
    | { readonly promise: Promise<Internal>; readonly request: TokenRequest; done: boolean }
    | undefined;
  /** The client a credential names (its id, secret, auth method): one per auth object, as is the credential. */
  #clientConfig: Configuration | undefined;
  /**
   * The token request being served (its signal, and where to report a refresh token as soon as an answer
   * brings one). The token manager runs one token request at a time per auth object, and a session belongs
   * to one auth object; openid-client's calls take no per-call signal, so its fetch reads it from here.
   */
  #request: TokenRequest | undefined;
  /** A revocation is running: its success answer has no JSON body to read. */
  #revoking = false;
  /** An authorization code is being exchanged: its ID token stays, for openid-client to check the nonce. */
  #keepIdToken = false;

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

  /** The password grant, with `scope` as given; for the public client unless `options.client` names one. */
  async password(
    username: string,
    password: string,
    scope: string,
    request: TokenRequest,
    options: GrantOptions = {},
  ): Promise<TokenSet> {
    const d = await this.#discover(request);
    const config = this.#config(d, options.client);
    const params = withExtra({ username, password, ...(scope ? { scope } : {}) }, options.extraParams);
    return this.#grant(d, 'password', request, () => d.oc.genericGrantRequest(config, 'password', params));
  }

  /** The refresh-token grant, for the public client or the one `options.client` names. */
  async refresh(refreshToken: string, request: TokenRequest, options: GrantOptions = {}): Promise<TokenSet> {
    const d = await this.#discover(request);
    const config = this.#config(d, options.client);
    const params = withExtra({}, options.extraParams);
    return this.#grant(d, 'refresh_token', request, () =>
      d.oc.refreshTokenGrant(config, refreshToken, params),
    );
  }

  /** The client-credentials grant (client_secret_post or client_secret_basic, see {@link authMethodFor}). */
  async clientCredentials(
    client: ConfidentialClient,
    scope: (d: Discovered) => string,
    request: TokenRequest,
    extraParams?: ExtraParams,
  ): Promise<TokenSet> {
    const d = await this.#discover(request);
    const config = this.#config(d, client);
    const value = scope(d);
    const params = withExtra(value ? { scope: value } : {}, extraParams);
    return this.#grant(d, 'client_credentials', request, () => d.oc.clientCredentialsGrant(config, params));
  }

  /**
   * Revokes `token` at the provider's `revocation_endpoint` (RFC 7009), as the client the credential's
   * grants go out as. A provider without one: a `ConfigurationError` saying so.
   */
  async revoke(
    token: string,
    hint: 'refresh_token' | 'access_token',
    request: TokenRequest,
    options: GrantOptions = {},
  ): Promise<void> {
    const d = await this.#discover(request);
    const endpoint = d.config.serverMetadata().revocation_endpoint;
    if (!endpoint) {
      throw new ConfigurationError(
        `The OpenID Provider ${d.issuer} has no revocation_endpoint in its discovery document, so its ${hint} cannot be revoked: it was forgotten here, and stays valid at the provider until it expires.`,
      );
    }
    assertSecureTransport(new URL(endpoint), this.#env.allowInsecureHttp, 'OIDC credentials');
    const config = this.#config(d, options.client);
    const context = {
      grant: 'revocation',
      url: displayUrl(endpoint),
      timeout: this.#env.timeout,
      signal: request.signal,
    };
    this.#revoking = true;
    try {
      await this.#serving(request, () => d.oc.tokenRevocation(config, token, { token_type_hint: hint }));
    } catch (error) {
      throw toTokenRequestError(error, context);
    } finally {
      this.#revoking = false;
    }
  }

  /** Discovery for `request`, then the {@link GrantTools} of the client `options` names. */
  async tools(request: TokenRequest, options: GrantOptions = {}): Promise<GrantTools> {
    const d = await this.#discover(request);
    const config = this.#config(d, options.client);
    const { issuer, clientId, scopes, tokenEndpoint, authMethods } = d;
    return {
      oc: d.oc,
      config,
      metadata: d.config.serverMetadata(),
      discovered: { issuer, clientId, scopes, tokenEndpoint, authMethods },
      grant: async (name, send, keepIdToken = false) => {
        this.#keepIdToken = keepIdToken;
        try {
          return await this.#grant(d, name, request, send);
        } finally {
          this.#keepIdToken = false;
        }
      },
      call: async (name, url, send) => {
        assertSecureTransport(new URL(url), this.#env.allowInsecureHttp, 'OIDC credentials');
        const context = {
          grant: name,
          url: displayUrl(url),
          timeout: this.#env.timeout,
          signal: request.signal,
        };
        try {
          return await this.#serving(request, send);
        } catch (error) {
          throw toTokenRequestError(error, context);
        }
      },
    };
  }

  #discover(request: TokenRequest): Promise<Internal> {
    const known = this.#discovered;
    // A discovery still running for another token request is not joined: in a Worker, that request may have
    // ended, and what it started then never settles. (The token manager runs one request at a time.)
    if (known && (known.done || known.request === request)) return known.promise;
    const discovered = {
      promise: this.#serving(request, () => this.#run(request.signal)),
      request,
      done: false,
    };
    this.#discovered = discovered;
    discovered.promise.then(
      () => {
        discovered.done = true;
      },
      () => {
        if (this.#discovered === discovered) this.#discovered = undefined;
      },
    );
    return discovered.promise;
  }

  async #run(signal: AbortSignal): Promise<Internal> {
    const env = this.#env;
    const oidc = this.#oidc;
    const { href, clientId, scopes } = oidc
      ? { href: oidc.issuer, clientId: oidc.clientId, scopes: oidc.scopes ?? [] }
      : await fetchWeaviateOidcConfig(env.baseUrl, {
          signal,
          timeout: env.timeout,
          allowInsecureHttp: env.allowInsecureHttp,
        });
    const { document, issuer } = providerDiscovery(href);
    assertSecureTransport(document, env.allowInsecureHttp, 'OIDC credentials');
    const oc = await loadOpenidClient();
    const url = displayUrl(document);
    let config: Configuration;
    try {
      config = await oc.discovery(
        document,
        clientId,
        clientMetadata(oc),
        oc.None(),
        this.#options(oc, document.protocol === 'http:'),
      );
    } catch (error) {
      throw toDiscoveryError(error, { url, timeout: env.timeout, signal });
    }
    const metadata = config.serverMetadata();
    // Exactly the issuer the document's URL was made from, with or without one trailing slash (Authentik's
    // issuers end in one; Weaviate's `href` joins the issuer and the well-known path with a single slash).
    if (metadata.issuer !== issuer && metadata.issuer !== `${issuer}/`) {
      throw new DiscoveryError(
        `GET ${url} describes the issuer ${JSON.stringify(metadata.issuer)}, not ${JSON.stringify(issuer)} that the document's URL was made from. Check the issuer URL (it must match the provider's \`issuer\`, at most a trailing slash apart).`,
        { url, status: 200 },
      );
    }
    if (!metadata.token_endpoint) {
      throw new DiscoveryError(
        `GET ${url} lists no token_endpoint. The provider cannot issue tokens to this client.`,
        { url, status: 200 },
      );
    }
    const tokenEndpoint = new URL(metadata.token_endpoint);
    assertSecureTransport(tokenEndpoint, env.allowInsecureHttp, 'OIDC credentials');
    if (tokenEndpoint.protocol === 'http:') oc.allowInsecureRequests(config);
    const methods = metadata.token_endpoint_auth_methods_supported;
    const discovered = {
      issuer: metadata.issuer,
      clientId,
      scopes: Object.freeze([...scopes]),
      tokenEndpoint: displayUrl(tokenEndpoint),
      authMethods: Array.isArray(methods) ? Object.freeze([...methods]) : undefined,
    };
    env.emit({
      type: 'discovery',
      issuer: discovered.issuer,
      clientId,
      scopes: discovered.scopes,
      tokenEndpoint: discovered.tokenEndpoint,
    });
    return { ...discovered, oc, config };
  }

  #options(oc: OpenidClient, insecure: boolean): DiscoveryRequestOptions {
    return {
      timeout: this.#env.timeout / 1000,
      [oc.customFetch]: this.#fetch,
      ...(insecure ? { execute: [oc.allowInsecureRequests] } : {}),
    };
  }

  /** The configuration for `client`: the public client of discovery when none is named. */
  #config(d: Internal, client: ConfidentialClient | undefined): Configuration {
    if (!client) return d.config;
    if (this.#clientConfig) return this.#clientConfig;
    const auth =
      client.secret === undefined
        ? d.oc.None()
        : authMethodFor(client, d) === 'client_secret_basic'
          ? d.oc.ClientSecretBasic(client.secret)
          : d.oc.ClientSecretPost(client.secret);
    const config = new d.oc.Configuration(
      d.config.serverMetadata(),
      client.clientId ?? d.clientId,
      clientMetadata(d.oc),
      auth,
    );
    config.timeout = this.#env.timeout / 1000;
    config[d.oc.customFetch] = this.#fetch;
    if (new URL(d.tokenEndpoint).protocol === 'http:') d.oc.allowInsecureRequests(config);
    this.#clientConfig = config;
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

  /**
   * Every request openid-client makes: the token request's signal added, redirects never followed (the
   * request's own `redirect: 'manual'`), answers read up to a size limit, an unusable answer turned into an
   * {@link UnusableAnswer} from its status, headers and body, token answers made tolerable.
   */
  readonly #fetch: CustomFetch = async (url, options) => {
    const { body, ...rest } = options;
    const request = this.#request;
    // Linked by hand, not with AbortSignal.any(), which on Node 20 keeps every composite on its sources
    // (nodejs/node#55351). Every answer is read whole below, then the link is undone.
    const linked = linkSignals(options.signal, request?.signal);
    const init: RequestInit = {
      ...rest,
      redirect: 'manual',
      body: (body ?? null) as BodyInit | null,
      signal: linked.signal,
    };
    try {
      const response = await fetch(url, init);
      if (this.#revoking && response.ok) {
        // RFC 7009 §2.2: the body of a revocation's success is ignored (often empty).
        await response.body?.cancel();
        return new Response(null, { status: 200 });
      }
      const answer = await readJsonAnswer(response, url);
      if ('facts' in answer) throw new UnusableAnswer(answer.facts);
      const json =
        options.method === 'POST'
          ? tolerateTokenAnswer(
              answer.json,
              (refreshToken) => request?.onRefreshToken?.(refreshToken),
              this.#keepIdToken,
            )
          : answer.json;
      return new Response(JSON.stringify(json), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
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

/** How a confidential client authenticates at the token endpoint. */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** Extra form parameters of every token request of a credential (`audience`, `resource`...). */
export type ExtraParams = Readonly<Record<string, string | readonly string[]>>;

/** A client a credential names, passed along for one call (never stored by the session beyond its config). */
export interface ConfidentialClient {
  /** Defaults to the client id discovery gave. */
  readonly clientId: string | undefined;
  /** Absent: a public client (no authentication, `client_id` in the body). */
  readonly secret: string | undefined;
  /** Absent: chosen from the provider's discovery document (see {@link authMethodFor}). */
  readonly authMethod?: TokenEndpointAuthMethod | undefined;
}

/** What a grant sends besides its own parameters. */
export interface GrantOptions {
  /** The client to authenticate as; absent: the public client discovery names. */
  readonly client?: ConfidentialClient | undefined;
  readonly extraParams?: ExtraParams | undefined;
}

/**
 * The token endpoint auth method for a client secret: the credential's own choice; else, from the provider's
 * `token_endpoint_auth_methods_supported`, `client_secret_post` when listed (what Weaviate's own clients
 * send), `client_secret_basic` when only it is listed or nothing is (RFC 8414's default).
 */
export function authMethodFor(
  client: ConfidentialClient,
  d: Pick<Discovered, 'authMethods' | 'tokenEndpoint'>,
): TokenEndpointAuthMethod {
  if (client.authMethod) return client.authMethod;
  const supported = d.authMethods;
  if (!supported || supported.length === 0) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  if (supported.includes('client_secret_basic')) return 'client_secret_basic';
  throw new ConfigurationError(
    `The provider of ${d.tokenEndpoint} lists token_endpoint_auth_methods_supported ${JSON.stringify(supported)}: none is a client secret method (client_secret_basic, client_secret_post). Pass \`tokenEndpointAuthMethod\` to the credential to use one anyway, or get tokens another way (tokenSource()).`,
  );
}

/** `params` with the credential's extra parameters added (repeated for an array value). */
export function withExtra(params: Record<string, string>, extra: ExtraParams | undefined): URLSearchParams {
  const search = new URLSearchParams(params);
  for (const [name, value] of Object.entries(extra ?? {})) {
    for (const item of typeof value === 'string' ? [value] : value) search.append(name, item);
  }
  return search;
}

/**
 * A token answer as core uses it, before openid-client checks it:
 *
 * - openid-client rejects an `expires_in` that is negative or not a number. Such an answer still holds a
 *   usable token: the bad `expires_in` is dropped so that the documented default lifetime applies.
 * - the `id_token` is dropped: core uses only the access and refresh tokens, and openid-client would reject
 *   the whole answer for an ID token that looks expired to a skewed clock (or has another claim it dislikes)
 *   after the provider already rotated the refresh token. An authorization code's answer keeps it
 *   (`keepIdToken`): its `nonce` is what ties the answer to the sign-in that started it.
 * - the `refresh_token` is reported to `onRefreshToken`, so that it is kept even if the answer is rejected.
 */
function tolerateTokenAnswer(
  record: Record<string, unknown>,
  onRefreshToken: (refreshToken: string) => void,
  keepIdToken: boolean,
): Record<string, unknown> {
  if (typeof record.refresh_token === 'string' && record.refresh_token) onRefreshToken(record.refresh_token);
  if ('id_token' in record && !keepIdToken) delete record.id_token;
  if ('expires_in' in record) {
    const seconds =
      typeof record.expires_in === 'number'
        ? record.expires_in
        : Number.parseFloat(String(record.expires_in));
    if (!Number.isFinite(seconds) || seconds < 0) delete record.expires_in;
  }
  return record;
}
