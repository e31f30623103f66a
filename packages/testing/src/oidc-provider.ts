import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { ClientDirectory, Principal, UserDirectory } from './accounts.js';
import { DeviceFlowControl } from './device-flow.js';
import { isSyntheticKind, type MalformedKind, rewriteTokenResponse, type TokenFaultQueue } from './faults.js';
import {
  type GrantType,
  opaqueToken,
  type ProfileAnswer,
  type ProfileDefinition,
  type ProviderProfile,
  profileDefinition,
  screenTokenRequest,
} from './profiles.js';
import { loadOidcProvider } from './quiet.js';
import { devicePages, renderError, SignInPages } from './sign-in.js';
import type { StatsRecorder } from './stats.js';
import { TokenStore } from './token-store.js';

/** The resource indicator every access token is issued for; its audience is the Weaviate client id. */
const RESOURCE = 'urn:weaviate:rest';
const BODY_LIMIT = 1024 * 1024;
const OIDC_SCOPES = ['openid', 'offline_access', 'email', 'profile'];
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/**
 * Redirect URIs of the public client for the authorization code flow: loopback ones, on any port (RFC 8252
 * §7.3; the client is registered as a native app for that), so that a page served on a random port can use
 * its own address.
 */
const LOOPBACK_REDIRECT_URIS = [
  'http://127.0.0.1/',
  'http://127.0.0.1/callback',
  'http://localhost/',
  'http://localhost/callback',
];

export interface OidcHostOptions {
  host: string;
  port: number;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  clientId: string;
  scopes: string[];
  users: UserDirectory;
  clients: ClientDirectory;
  stats: StatsRecorder;
  faults: TokenFaultQueue;
  /** The real provider to answer like (see {@link ProviderProfile}). @default 'oidc-provider' */
  profile?: ProviderProfile | undefined;
  /** Seconds between device-flow polls the provider asks for. */
  deviceInterval: number;
  /** Seconds a device code lives. */
  deviceCodeTtl: number;
  /** More redirect URIs for the public client (the loopback ones are always there). */
  redirectUris: readonly string[];
}

interface PasswordParams {
  username?: string;
  password?: string;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  return origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
}

function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...extra,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...corsHeaders(req),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A fresh IncomingMessage carrying an already read body, for oidc-provider to parse itself. */
function replayRequest(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(req.socket);
  replay.method = req.method ?? 'POST';
  replay.url = req.url ?? '/';
  replay.headers = { ...req.headers, 'content-length': String(body.length) };
  replay.rawHeaders = req.rawHeaders;
  replay.httpVersion = req.httpVersion;
  replay.httpVersionMajor = req.httpVersionMajor;
  replay.httpVersionMinor = req.httpVersionMinor;
  replay.push(body);
  replay.push(null);
  replay.complete = true;
  return replay;
}

let signingKeyPromise: Promise<{ privateJwk: JWK; publicJwk: JWK }> | undefined;

/**
 * The RS256 signing key, generated once per process: RSA generation takes 0.1-1 s, and test suites start
 * many servers. Servers still refuse each other's tokens: each has its own issuer (`iss`).
 */
function signingKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  signingKeyPromise ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomBytes(8).toString('hex');
    return {
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' },
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    };
  })();
  return signingKeyPromise;
}

/**
 * oidc-provider on its own node:http server, behind a small wrapper that counts token requests, applies
 * faults and answers them with CORS headers. Stopping closes the listener only: the Provider instance, its
 * keys and its storage live on, so a restart on the same port keeps every grant.
 */
export class OidcProviderHost {
  readonly issuer: string;
  readonly port: number;
  readonly #options: OidcHostOptions;
  readonly #profile: ProfileDefinition;
  /** `http://host:port`: the issuer without its path. */
  readonly #origin: string;
  readonly #publicJwk: JWK;
  readonly #store: TokenStore;
  readonly #callback: (req: IncomingMessage, res: ServerResponse) => void;
  #server: Server | undefined;
  readonly #revoked = new Set<string>();
  /** JWT access tokens are not stored by oidc-provider; their ids and expiries are kept here for revocation. */
  readonly #issued = new Map<string, number>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  /** Refresh tokens of grants that were issued opaque access tokens (Okta, Auth0 without `audience`). */
  readonly #opaqueGrants = new Set<string>();
  readonly #pages: SignInPages;
  /** The device flow, as tests drive it. */
  readonly deviceFlow: DeviceFlowControl;

  private constructor(
    options: OidcHostOptions,
    provider: Provider,
    publicJwk: JWK,
    store: TokenStore,
    server: Server,
    port: number,
    pages: SignInPages,
    deviceFlow: DeviceFlowControl,
  ) {
    this.#options = options;
    this.#pages = pages;
    this.deviceFlow = deviceFlow;
    this.#profile = profileDefinition(options.profile);
    this.#origin = new URL(provider.issuer).origin;
    this.#publicJwk = publicJwk;
    this.#store = store;
    this.#server = server;
    this.port = port;
    this.issuer = provider.issuer;
    this.#callback = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
  }

  static async start(options: OidcHostOptions): Promise<OidcProviderHost> {
    const profile = profileDefinition(options.profile);
    const { default: ProviderClass, errors } = await loadOidcProvider();
    let host: OidcProviderHost | undefined;
    const server = createServer((req, res) => {
      if (host) {
        const current = host;
        current.#handle(req, res).catch((error: unknown) => current.#fail(req, res, error));
      } else {
        sendJson(req, res, 503, { error: 'temporarily_unavailable', error_description: 'provider starting' });
      }
    });
    const port = await listen(server, options.host, options.port);
    // A profile's issuer may have a path (Keycloak's realm) and a trailing slash (Authentik, Auth0).
    const issuer = `http://${urlHost(options.host)}:${port}${profile.issuerPath}${profile.trailingSlash ? '/' : ''}`;

    const { privateJwk, publicJwk } = await signingKey();

    const store = new TokenStore();
    const { users, clients, clientId, accessTokenTtl, refreshTokenTtl } = options;
    const scopes = [...new Set([...OIDC_SCOPES, ...options.scopes])];

    const findPrincipal = (sub: string): Principal | undefined => users.find(sub) ?? clients.find(sub);

    const configuration: Configuration = {
      adapter: (name: string) => store.adapter(name),
      clients: [
        {
          client_id: clientId,
          token_endpoint_auth_method: 'none',
          // The interactive grants too: a device (RFC 8628) and a browser (authorization code + PKCE).
          grant_types: ['password', 'refresh_token', DEVICE_CODE_GRANT, 'authorization_code'],
          response_types: ['code'],
          application_type: 'native',
          redirect_uris: [...new Set([...LOOPBACK_REDIRECT_URIS, ...options.redirectUris])],
        },
        // Confidential clients: client credentials, and the password grant of a confidential client.
        ...clients.all.map((c) => ({
          client_id: c.clientId,
          client_secret: c.clientSecret,
          token_endpoint_auth_method: profile.clientAuthMethod,
          grant_types: ['client_credentials', 'password', 'refresh_token'],
          response_types: [],
          redirect_uris: [],
        })),
      ],
      jwks: { keys: [privateJwk] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      scopes,
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username'] },
      findAccount: (_ctx, sub) => {
        const principal = findPrincipal(sub);
        if (!principal) return undefined;
        return {
          accountId: sub,
          claims: () => ({ sub, email: `${sub}@example.com`, email_verified: true, preferred_username: sub }),
        };
      },
      features: {
        devInteractions: { enabled: false },
        deviceFlow: { enabled: true, ...devicePages },
        clientCredentials: { enabled: true },
        // oidc-provider's own rule, said here so that it does not print a notice: a client revokes its own tokens.
        revocation: {
          enabled: true,
          allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
        },
        introspection: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            if (resource !== RESOURCE) throw new errors.InvalidTarget();
            return {
              scope: scopes.join(' '),
              audience: clientId,
              accessTokenTTL: accessTokenTtl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      clientBasedCORS: () => true,
      renderError,
      rotateRefreshToken: profile.rotatesRefreshTokens,
      // The interactive grants get a refresh token whenever the client may use one, as SPA and CLI clients of
      // Auth0, Okta or Keycloak do (oidc-provider otherwise wants `offline_access` with `prompt=consent`), and
      // it does not end with the provider's browser session.
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      expiresWithSession: async () => false,
      formats: {
        customizers: {
          // oidc-provider sets exp = floor(now) + ttl, so a 1 s token issued at x.999 s would be dead 1 ms
          // later. Round up instead: every access token lives at least `expires_in` seconds (at most one
          // second more), which keeps short-lifetime tests deterministic. The REST side checks exp strictly.
          jwt: (_ctx, _token, jwt) => {
            const atLeast = Math.ceil(Date.now() / 1000 + accessTokenTtl);
            const exp = jwt.payload.exp;
            if (typeof exp === 'number' && exp < atLeast) jwt.payload.exp = atLeast;
          },
        },
      },
      ttl: {
        AccessToken: accessTokenTtl,
        ClientCredentials: accessTokenTtl,
        RefreshToken: refreshTokenTtl,
        IdToken: accessTokenTtl,
        Grant: Math.max(refreshTokenTtl, 14 * 24 * 60 * 60),
        Interaction: 600,
        Session: 3600,
        DeviceCode: options.deviceCodeTtl,
        AuthorizationCode: 60,
      },
    };

    const provider = new ProviderClass(issuer, configuration);
    provider.on('server_error', (_ctx: KoaContextWithOIDC, error: Error) => {
      console.error(`[@auth/testing] oidc-provider server_error: ${error.message}`);
    });

    provider.registerGrantType<PasswordParams>(
      'password',
      async (ctx) => {
        const { client, params } = ctx.oidc;
        const { username, password } = params;
        if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
          throw new errors.InvalidRequest('missing required parameter(s) username, password');
        }
        const principal = users.verify(username, password);
        if (!principal) throw new errors.InvalidGrant('invalid username or password');

        const requested = (params.scope ?? 'openid').split(' ').filter(Boolean);
        const unknown = requested.filter((s) => !scopes.includes(s));
        if (unknown.length > 0) {
          throw new errors.InvalidScope('requested scope is not allowed', unknown.join(' '));
        }
        const scope = requested.join(' ');

        const grant = new provider.Grant({ accountId: principal.username, clientId: client.clientId });
        grant.addOIDCScope(requested.filter((s) => OIDC_SCOPES.includes(s)).join(' '));
        grant.addResourceScope(RESOURCE, scope);
        const grantId = await grant.save();

        const at = new provider.AccessToken({
          accountId: principal.username,
          client,
          grantId,
          gty: 'password',
          scope,
        });
        at.resourceServer = new provider.ResourceServer(RESOURCE, {
          scope: scopes.join(' '),
          audience: clientId,
          accessTokenTTL: accessTokenTtl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        });
        const accessToken = await at.save();

        let refreshToken: string | undefined;
        if (requested.includes('offline_access') && client.grantTypeAllowed('refresh_token')) {
          const rt = new provider.RefreshToken({
            accountId: principal.username,
            client,
            grantId,
            gty: 'password',
            scope,
            resource: RESOURCE,
            rotations: 0,
          });
          refreshToken = await rt.save();
        }

        ctx.body = {
          access_token: accessToken,
          expires_in: at.expiration,
          token_type: 'Bearer',
          ...(refreshToken ? { refresh_token: refreshToken } : {}),
          scope,
        };
      },
      ['username', 'password', 'scope', 'resource'],
    );

    const pages = new SignInPages(provider, users, { oidc: OIDC_SCOPES, all: scopes, resource: RESOURCE });
    const deviceFlow = new DeviceFlowControl(provider, users, pages, options.deviceInterval);
    provider.on('device_authorization.success', (ctx: KoaContextWithOIDC, body: Record<string, unknown>) => {
      deviceFlow.authorized(body, ctx.oidc.client?.clientId ?? '', String(ctx.oidc.params?.scope ?? ''));
    });
    host = new OidcProviderHost(options, provider, publicJwk, store, server, port, pages, deviceFlow);
    const created = host;
    const remember = (token: { jti: string; exp?: number | undefined }) => created.#remember(token);
    provider.on('access_token.issued', remember);
    provider.on('client_credentials.issued', remember);
    return host;
  }

  /** The provider's public signing keys (what its `/jwks` endpoint serves). */
  get jwks(): { keys: JWK[] } {
    return { keys: [this.#publicJwk] };
  }

  /**
   * The embedded provider's own token endpoint, without the profile's quirks (`issueTokens` uses it). With a
   * profile, clients find the profile's token endpoint in discovery.
   */
  get tokenEndpoint(): string {
    return `${this.#origin}/token`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  /** True when a token id (`jti`) was revoked by `revokeAllTokens`. */
  isRevoked(jti: string | undefined): boolean {
    return jti !== undefined && this.#revoked.has(jti);
  }

  #remember(token: { jti: string; exp?: number | undefined }): void {
    const now = Date.now() / 1000;
    if (this.#issued.size > 0 && this.#issued.size % 1000 === 0) {
      for (const [jti, exp] of this.#issued) if (exp <= now) this.#issued.delete(jti);
      for (const jti of this.#revoked) if (!this.#issued.has(jti)) this.#revoked.delete(jti);
    }
    // +1: the JWT's own exp may be rounded up by one second (see formats.customizers above).
    this.#issued.set(token.jti, token.exp === undefined ? Number.POSITIVE_INFINITY : token.exp + 1);
  }

  /** Refuses every access and refresh token issued so far. */
  revokeAllTokens(): void {
    for (const jti of this.#issued.keys()) this.#revoked.add(jti);
    for (const model of ['AccessToken', 'ClientCredentials']) {
      for (const jti of this.#store.ids(model)) this.#revoked.add(jti);
      this.#store.clear(model);
    }
    this.#store.clear('RefreshToken');
    this.#store.clear('Grant');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#cancelTimers();
    await closeServer(server);
  }

  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => this.#fail(req, res, error));
    });
    await listen(server, this.#options.host, this.port);
    this.#server = server;
  }

  #fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    console.error(
      `[@auth/testing] token endpoint wrapper failed: ${(error as Error)?.message ?? String(error)}`,
    );
    if (!res.headersSent && !res.destroyed) {
      sendJson(req, res, 500, {
        error: 'server_error',
        error_description: 'internal error in @auth/testing',
      });
    } else {
      res.destroy();
    }
  }

  /** Waits `ms`, or less when the client goes away or the provider stops. */
  #sleep(ms: number, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(entry.timer);
        this.#timers.delete(entry);
        res.off('close', done);
        resolve();
      };
      const entry = { timer: setTimeout(done, ms), resolve: done };
      this.#timers.add(entry);
      res.on('close', done);
    });
  }

  #cancelTimers(): void {
    for (const entry of [...this.#timers]) entry.resolve();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const profile = this.#profile;
    // Weaviate joins an issuer that ends in a slash and the well-known path with another one.
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/{2,}/g, '/') ?? '/';
    if (this.#pages.handles(path)) {
      await this.#pages.handle(req, res, path);
      return;
    }
    if (req.method === 'POST' && path === '/device/auth') {
      if (!profile.deviceFlow) {
        sendJson(req, res, 404, { error: 'not_found', error_description: 'no device authorization here' });
        return;
      }
      // oidc-provider names no interval (clients then wait 5 s); this one names the server's.
      rewriteJson(res, (status, json) => ({
        status,
        body: status === 200 ? { ...json, interval: this.deviceFlow.interval } : json,
      }));
      this.#callback(req, res);
      return;
    }
    if (req.method === 'GET' && profile.name !== 'oidc-provider') {
      if (path === `${profile.issuerPath}/.well-known/openid-configuration`) {
        req.url = '/.well-known/openid-configuration';
        rewriteJson(res, (status, json) => {
          const body: Record<string, unknown> = {
            ...json,
            token_endpoint: `${this.#origin}${profile.tokenPath}`,
            token_endpoint_auth_methods_supported: profile.authMethods,
          };
          if (!profile.deviceFlow) delete body.device_authorization_endpoint;
          if (Array.isArray(body.grant_types_supported)) {
            const refused = new Set([
              ...(profile.deviceFlow ? [] : [DEVICE_CODE_GRANT]),
              ...(profile.password ? [] : ['password']),
              ...(profile.clientCredentials ? [] : ['client_credentials']),
            ]);
            body.grant_types_supported = body.grant_types_supported.filter((g) => !refused.has(g));
          }
          return { status, body };
        });
      }
      this.#callback(req, res);
      return;
    }
    const shaped = profile.name !== 'oidc-provider' && path === profile.tokenPath;
    if (req.method !== 'POST' || (path !== '/token' && !shaped)) {
      this.#callback(req, res);
      return;
    }

    const body = await readBody(req);
    const form = new URLSearchParams(body.toString('utf8'));
    this.#options.stats.recordTokenRequest(form.get('grant_type') ?? undefined);
    if (form.get('grant_type') === DEVICE_CODE_GRANT) {
      const slowDown = this.deviceFlow.screenPoll(form.get('device_code'));
      if (slowDown) {
        sendAnswer(req, res, slowDown);
        return;
      }
    }

    const plan = this.#options.faults.next();
    if (plan.hangMs > 0) {
      await this.#sleep(plan.hangMs, res);
      if (res.destroyed || res.writableEnded || !this.#server) return;
    }

    const replace = plan.replace;
    if (replace?.type === 'fail') {
      const error =
        replace.status === 503 || replace.status === 429 ? 'temporarily_unavailable' : 'server_error';
      const extra = replace.status === 429 ? { 'retry-after': '1' } : {};
      sendJson(
        req,
        res,
        replace.status,
        { error, error_description: 'fault injected by @auth/testing' },
        extra,
      );
      return;
    }
    if (replace?.type === 'invalid-grant') {
      sendJson(req, res, 400, { error: 'invalid_grant', error_description: 'grant request is invalid' });
      return;
    }
    if (replace?.type === 'malformed' && isSyntheticKind(replace.kind)) {
      this.#sendMalformed(req, res, replace.kind);
      return;
    }
    if (replace?.type === 'malformed') {
      patchTokenResponse(res, replace.kind);
    }
    if (!shaped) {
      this.#callback(replayRequest(req, body), res);
      return;
    }
    const screened = screenTokenRequest(profile, form, req.headers.authorization);
    if (screened.refuse) {
      sendAnswer(req, res, screened.refuse);
      return;
    }
    // A refresh token from a grant that gave an opaque access token keeps giving opaque ones.
    const refreshed = form.get('refresh_token');
    const opaque = screened.opaque || (refreshed !== null && this.#opaqueGrants.has(refreshed));
    this.#shape(res, form.get('grant_type') as GrantType, opaque);
    const replay = replayRequest(req, Buffer.from(form.toString()));
    replay.url = '/token';
    this.#callback(replay, res);
  }

  /** Makes the embedded provider's token answer look like the profile's provider's. */
  #shape(res: ServerResponse, grant: GrantType, opaque: boolean): void {
    const profile = this.#profile;
    rewriteJson(res, (status, json) => {
      if (status !== 200 || typeof json.access_token !== 'string') {
        const refused = typeof json.error === 'string' ? profile.refuse?.(json.error, grant) : undefined;
        return refused ?? { status, body: json };
      }
      let body = { ...json };
      if (opaque) {
        body.access_token = opaqueToken();
        if (typeof body.refresh_token === 'string') this.#opaqueGrants.add(body.refresh_token);
      }
      if (grant === 'refresh_token' && !profile.rotatesRefreshTokens) delete body.refresh_token;
      if (profile.shape) body = profile.shape(body, grant, this.#options.refreshTokenTtl);
      return { status, body };
    });
  }

  #sendMalformed(req: IncomingMessage, res: ServerResponse, kind: MalformedKind): void {
    if (kind === 'no-access-token') {
      sendJson(req, res, 200, { token_type: 'Bearer', expires_in: this.#options.accessTokenTtl });
      return;
    }
    const [type, text] =
      kind === 'html'
        ? ['text/html; charset=utf-8', '<!doctype html><html><body><h1>Bad gateway</h1></body></html>']
        : ['application/json; charset=utf-8', '{"access_token": "unterminated'];
    res.writeHead(200, {
      'content-type': type,
      'content-length': Buffer.byteLength(text),
      ...corsHeaders(req),
    });
    res.end(text);
  }

  async close(): Promise<void> {
    await this.stop();
  }
}

/** Sends a profile's own answer: JSON, or (a string body) what its headers say. */
function sendAnswer(req: IncomingMessage, res: ServerResponse, answer: ProfileAnswer): void {
  if (typeof answer.body !== 'string') {
    sendJson(req, res, answer.status, answer.body, answer.headers);
    return;
  }
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-length': Buffer.byteLength(answer.body),
    ...corsHeaders(req),
  });
  res.end(answer.body);
}

/**
 * Rewrites the JSON answer the embedded provider is about to write (status and body), once; anything that is
 * not a JSON object passes untouched.
 */
function rewriteJson(
  res: ServerResponse,
  rewrite: (status: number, json: Record<string, unknown>) => ProfileAnswer,
): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    res.end = end as typeof res.end;
    const [chunk] = args;
    if (res.headersSent || !(typeof chunk === 'string' || Buffer.isBuffer(chunk))) return end(...args);
    let json: unknown;
    try {
      json = JSON.parse(chunk.toString());
    } catch {
      return end(...args);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return end(...args);
    const answer = rewrite(res.statusCode, json as Record<string, unknown>);
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    res.setHeader('content-length', Buffer.byteLength(text));
    return end(text);
  }) as typeof res.end;
}

/** Rewrites the JSON body of a successful token response once, as it is written. */
function patchTokenResponse(res: ServerResponse, kind: MalformedKind): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (res.statusCode === 200 && !res.headersSent && (typeof chunk === 'string' || Buffer.isBuffer(chunk))) {
      try {
        const json = JSON.parse(chunk.toString()) as Record<string, unknown>;
        if (typeof json.access_token === 'string') {
          const text = JSON.stringify(rewriteTokenResponse(kind, json));
          res.setHeader('content-length', Buffer.byteLength(text));
          return end(text);
        }
      } catch {
        // not JSON: pass through untouched
      }
    }
    return end(...args);
  }) as typeof res.end;
}

export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
