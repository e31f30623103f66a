import type { Credentials, OidcOptions, TokenProvider, TokenSet } from './credentials/credentials.js';
import {
  CANNOT_CARRY,
  HEADER_NAME,
  MAX_TIMER_DELAY,
  optionError,
  requireToken,
} from './credentials/validate.js';
import { AuthClosedError } from './errors/auth-closed-error.js';
import { ConfigurationError } from './errors/configuration-error.js';
import { SignedOutError } from './errors/signed-out-error.js';
import { type AuthEventListener, safeEmitter } from './events.js';
import { assertSecureTransport, clusterUrlHeader, displayUrl, parseHttpUrl, resolveUrl } from './origin.js';
import { Redacted, redacted } from './redact.js';
import type { SecretSet } from './secrets.js';
import type { TokenStore } from './store.js';
import type { TokenSession } from './token-manager.js';

/**
 * Options of {@link createAuth}.
 *
 * @example
 * ```ts
 * import { type AuthOptions, apiKey, createAuth } from '@auth/core';
 *
 * const options: AuthOptions = { baseUrl: 'http://localhost:8080', credentials: apiKey('key'), timeout: 5_000 };
 * const auth = createAuth(options);
 * ```
 */
export interface AuthOptions {
  /**
   * The API's URL. Credentials go to its origin only (plus `allowedOrigins`); relative URLs resolve against it.
   * An OIDC credential asks Weaviate at `{baseUrl}/v1/.well-known/openid-configuration`; a `baseUrl` that ends
   * in `/v1` already counts as the server's root without it.
   */
  readonly baseUrl: string | URL;
  /** `apiKey(...)`, `oidcPassword(...)`, `clientCredentials(...)`, `bearerToken(...)`, `tokenSource(...)` or your own. */
  readonly credentials: Credentials;
  /** Extra headers sent with the credential, to the same origins only (module keys such as `X-OpenAI-Api-Key`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** More origins that receive the credential, e.g. `['https://backup.example.com']`. @default [] */
  readonly allowedOrigins?: readonly (string | URL)[] | undefined;
  /** Allow credentials over plain http to hosts that are not loopback. @default false */
  readonly allowInsecureHttp?: boolean | undefined;
  /**
   * Receives refresh, discovery and unauthorized events; never a secret. A throwing listener, or an async
   * one that rejects, is ignored.
   */
  readonly onEvent?: AuthEventListener | undefined;
  /**
   * Limit for each token and discovery request, in ms: more than 0, at most {@link MAX_TIMEOUT} (a timer
   * cannot wait longer). @default 10000
   */
  readonly timeout?: number | undefined;
  /** Use this OpenID Provider directly instead of asking the Weaviate server (for other APIs). */
  readonly oidc?: OidcOptions | undefined;
  /**
   * Where the token is kept. Auth objects (and processes) that share one store and have the same credential
   * for the same `baseUrl` (with or without Weaviate's `/v1`) share one token and one refresh; different
   * credentials never share (the key is a fingerprint of the credential). A static API key, or a bearer token without refresh token, is never
   * written to it. @default memoryStore() (one per auth object)
   */
  readonly store?: TokenStore | undefined;
  /**
   * How long before a token expires it is renewed in the background (ms), while callers keep getting it:
   * google-auth-library's `eagerRefreshThresholdMillis`. Never more than half the token's lifetime.
   * @default the last quarter of the lifetime, at most 5 minutes
   */
  readonly refreshAhead?: number | undefined;
  /**
   * Which answers mean "the credential was refused": the adapters renew it and send the request once more
   * for these. Called for 4xx answers only (with the answer's status and headers; `json()` reads a copy of
   * its body), so that an API that answers an expired token with 403, 419 or a 400 with an error code is
   * handled like a 401. @default status 401
   *
   * @example
   * ```ts
   * import { apiKey, createAuth } from '@auth/core';
   *
   * const auth = createAuth({
   *   baseUrl: 'http://localhost:8080',
   *   credentials: apiKey('key'),
   *   isAuthFailure: async (answer) =>
   *     answer.status === 401 ||
   *     (answer.status === 400 && ((await answer.json()) as { error?: string } | null)?.error === 'token_expired'),
   * });
   * ```
   */
  readonly isAuthFailure?: ((answer: AuthFailureCandidate) => boolean | Promise<boolean>) | undefined;
  /** `close()` signs out first: see {@link Auth.signOut}. @default false */
  readonly revokeOnClose?: boolean | undefined;
}

/** An answer that may mean the credential was refused; see {@link AuthOptions.isAuthFailure}. */
export interface AuthFailureCandidate {
  readonly status: number;
  readonly headers: Headers;
  /** The body parsed as JSON (undefined when it is not JSON); reads a copy, the caller's body stays unread. */
  json(): Promise<unknown>;
}

/**
 * Per-request options of {@link Auth.authorize}.
 */
export interface AuthorizeOptions {
  /** The request's method (for messages). */
  readonly method?: string | undefined;
  /** Stops waiting for a token (the shared token request goes on for other callers). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The headers a request carried, as any HTTP client holds them.
 */
export type SentHeaders =
  | Headers
  | Readonly<Record<string, string | readonly string[] | number | boolean | null | undefined>>
  | undefined;

declare global {
  /**
   * `Symbol.asyncDispose`, which {@link Auth} implements, declared as TypeScript's `esnext.disposable` library
   * and `@types/node` declare it (the same declaration merges with theirs): a browser project whose `lib`
   * stops at ES2022 and the DOM, checked without `skipLibCheck`, compiles core's types too.
   */
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/**
 * Gives requests their credentials and keeps them fresh. Adapters call `authorize()` before each request,
 * and `handleUnauthorized()` after a 401 (retrying once when it returns true).
 *
 * @example
 * ```ts
 * import { type Auth, apiKey, createAuth } from '@auth/core';
 *
 * const auth: Auth = createAuth({ baseUrl: 'http://localhost:8080', credentials: apiKey('key') });
 * const headers = await auth.authorize('/v1/meta');
 * ```
 */
export interface Auth {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  /**
   * The headers to set on a request to `url`: the credential and the `headers` option for allowed origins,
   * `{}` for any other origin. Waits only when no usable token exists. Rejects with the caller's
   * `signal.reason` when it aborts, and with an `AuthError` when no token can be had.
   */
  authorize(url: string | URL, init?: AuthorizeOptions): Promise<Record<string, string>>;
  /**
   * After a 401: drops the token the failed request carried (only if it is still the current one) and gets
   * a new one. True when a retry can succeed; false for a static API key, for a request that carried no
   * credential of ours, or for another origin. Rejects when no new token can be had (e.g.
   * `ReauthenticationRequiredError`).
   */
  handleUnauthorized(
    url: string | URL,
    sentHeaders: SentHeaders,
    init?: { readonly signal?: AbortSignal | undefined },
  ): Promise<boolean>;
  /**
   * Whether a 4xx answer means the credential was refused (then the adapter calls `handleUnauthorized`): the
   * `isAuthFailure` option, or status 401.
   */
  isAuthFailure(answer: AuthFailureCandidate): boolean | Promise<boolean>;
  /**
   * Signs out: forgets the token (in a shared store, for everyone sharing it), revokes its refresh token at
   * the provider's `revocation_endpoint` (RFC 7009; `{ revoke: false }` skips that), and closes the auth
   * object: later calls reject with `SignedOutError`. Rejects when the revocation fails (the token is
   * forgotten and the object closed all the same). Without a refresh token (an API key, client credentials
   * without one) there is nothing to revoke: the access token is only forgotten, and expires.
   */
  signOut(options?: { readonly revoke?: boolean | undefined }): Promise<void>;
  /** Stops timers and in-flight requests; later calls reject with `AuthClosedError`. */
  close(): Promise<void>;
  /** `await using auth = createAuth(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The limit for each token and discovery request unless `timeout` says otherwise (ms).
 */
export const DEFAULT_TIMEOUT = 10_000;

/**
 * The longest `timeout` (ms): 2^31 - 1, about 24.8 days, the longest delay a timer can wait (a longer one
 * fires after 1 ms).
 */
export const MAX_TIMEOUT: number = MAX_TIMER_DELAY;

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);

class AuthClient extends Redacted implements Auth {
  readonly baseUrl: string;
  protected readonly label = 'Auth';
  readonly #base: URL;
  readonly #origins: ReadonlySet<string>;
  readonly #credentials: Credentials;
  readonly #provider: TokenProvider;
  /** The options, as checked (the token sessions read `store`, `timeout` and `refreshAhead`). */
  readonly #options: AuthOptions & { readonly timeout: number };
  /**
   * The token session of each provider, made on first use: the credential's own, or one per provider its
   * `select` returns (see `TokenProvider.select`).
   */
  readonly #sessions = new Map<TokenProvider, TokenSession | Promise<TokenSession>>();
  readonly #extraHeaders: Readonly<Record<string, string>>;
  readonly #emit: AuthEventListener;
  /**
   * Every secret this auth object holds, scrubbed from the errors and events it surfaces. Its code comes with
   * the token manager's (see {@link AuthClient.#load}): until then, `#secretValues` keeps what it will hold.
   */
  #secrets: SecretSet | undefined;
  readonly #secretValues: unknown[] = [];
  #loading: Promise<typeof import('./token-manager.js')> | undefined;
  /** Why the auth object was closed (an `AuthClosedError`), once it is. */
  #closed: AuthClosedError | undefined;
  /** The credential environment's `signal`, made on first use (nothing long-lived is made up front). */
  #envController: AbortController | undefined;
  /**
   * The last URL string `authorize()` checked, and whether its origin may receive the credential. A string
   * always resolves to the same origin (the base and allowed origins never change), so an equal string
   * reuses the answer; any other string, and every `URL` object (it can be changed in place), is checked.
   */
  #checkedUrl: string | undefined;
  #checkedAllowed = false;

  constructor(options: AuthOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError(
        'createAuth(): pass an options object, e.g. createAuth({ baseUrl, credentials }).',
      );
    }
    const { credentials, refreshAhead, store, allowedOrigins = [] } = options;
    const timeout = options.timeout ?? DEFAULT_TIMEOUT;
    const allowInsecureHttp = options.allowInsecureHttp === true;
    const secureUrl = (value: unknown, option: string) => {
      const url = parseHttpUrl(value, option);
      assertSecureTransport(url, allowInsecureHttp, 'credentials');
      return url;
    };
    const base = secureUrl(options.baseUrl, 'baseUrl');
    need(Array.isArray(allowedOrigins), 'allowedOrigins', 'must be an array of URLs');
    this.#origins = new Set(
      [base, ...allowedOrigins.map((origin) => secureUrl(origin, 'allowedOrigins[]'))].map(
        (url) => url.origin,
      ),
    );
    need(
      typeof credentials?.bind === 'function' && typeof credentials.kind === 'string',
      'credentials',
      'is missing. Pass one, e.g. apiKey(key)',
    );
    need(
      typeof timeout === 'number' && timeout > 0 && timeout <= MAX_TIMEOUT,
      'timeout',
      `must be a number of milliseconds above 0 and at most ${MAX_TIMEOUT} (about 24.8 days), e.g. 10000`,
    );
    need(
      refreshAhead === undefined || (typeof refreshAhead === 'number' && refreshAhead >= 0),
      'refreshAhead',
      'must be a number of milliseconds (0 or more), e.g. 300000',
    );
    const isFunction = (name: string, value: unknown, required?: boolean) =>
      need(typeof value === 'function' || (!required && value === undefined), name, 'must be a function');
    isFunction('onEvent', options.onEvent);
    isFunction('isAuthFailure', options.isAuthFailure);
    // A store's get, set and delete are required; lock, invalidate and bind optional.
    if (store !== undefined) {
      (['get', 'set', 'delete', 'lock', 'invalidate', 'bind'] as const).forEach((method, index) => {
        isFunction(`store.${method}`, store?.[method], index < 3);
      });
    }
    const extraHeaders = validateHeaders(options.headers);

    this.#base = base;
    this.baseUrl = base.href.replace(/\/$/, '');
    this.#credentials = credentials;
    this.#options = { ...options, timeout };
    this.#extraHeaders = Object.freeze({ ...clusterUrlHeader(base), ...extraHeaders });
    // Every event is scrubbed: one reported before the secret set's code has loaded waits for it (unless
    // nobody listens).
    const emit = safeEmitter(options.onEvent, (event) => this.#secrets!.scrubEvent(event));
    this.#emit = (event) => {
      if (this.#secrets || !options.onEvent) emit(event);
      else void this.#scrubber().then(() => emit(event), noop);
    };
    const lifetime = (): AbortSignal => {
      this.#envController ??= new AbortController();
      if (this.#closed) this.#envController.abort(this.#closed);
      return this.#envController.signal;
    };
    this.#provider = credentials.bind({
      baseUrl: base,
      timeout,
      allowInsecureHttp,
      oidc: options.oidc,
      get signal() {
        return lifetime();
      },
      emit: this.#emit,
    });
    this.#secretValues.push(...Object.values(extraHeaders), ...(this.#provider.secrets?.() ?? []));
  }

  async authorize(url: string | URL, init: AuthorizeOptions = {}): Promise<Record<string, string>> {
    this.#assertOpen();
    if (!this.#allowed(url)) return {};
    let provider = this.#provider;
    let token: string;
    try {
      if (provider.select)
        provider = provider.select(init.method?.toUpperCase() ?? '', resolveUrl(url, this.#base));
      // A fresh token in a synchronous store comes back as a string: no await on the hot path.
      const session = this.#session(provider);
      const now = ('then' in session ? await session : session).token(init.signal);
      token = typeof now === 'string' ? now : await now;
    } catch (error) {
      throw (await this.#scrubber()).scrubError(error);
    }
    const { name, scheme } = provider.header ?? this.#provider.header ?? BEARER;
    return { ...this.#extraHeaders, [name]: scheme ? `${scheme} ${token}` : token };
  }

  async handleUnauthorized(
    url: string | URL,
    sentHeaders: SentHeaders,
    init: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<boolean> {
    this.#assertOpen();
    if (!this.#allowed(url)) return false;
    // The report is scrubbed like every event, and delivered before this settles: for an API key, the secret
    // set's code loads now if someone listens (should it fail to load, the report is dropped, not the 401).
    // Nobody listening, no report: a 401 storm pays for none.
    if (this.#options.onEvent) {
      if (!this.#secrets) await this.#scrubber().catch(noop);
      this.#emit({ type: 'unauthorized', url: displayUrl(resolveUrl(url, this.#base)) });
    }
    try {
      // A credential that selects per request: the session whose token the request carried renews it.
      const sessions = this.#provider.select ? this.#sessions.values() : [this.#session(this.#provider)];
      const renewed = await Promise.all(
        [...sessions].map(async (session) => (await session).unauthorized(sentHeaders, init.signal)),
      );
      return renewed.includes(true);
    } catch (error) {
      throw (await this.#scrubber()).scrubError(error);
    }
  }

  isAuthFailure(answer: AuthFailureCandidate): boolean | Promise<boolean> {
    return this.#options.isAuthFailure ? this.#options.isAuthFailure(answer) : answer.status === 401;
  }

  async signOut(options: { readonly revoke?: boolean | undefined } = {}): Promise<void> {
    this.#assertOpen();
    try {
      await this.#end(new SignedOutError(), { revoke: options.revoke !== false });
    } catch (error) {
      throw (await this.#scrubber()).scrubError(error);
    }
  }

  async close(): Promise<void> {
    if (this.#options.revokeOnClose === true && !this.#closed) return this.signOut();
    await this.#end(new AuthClosedError());
  }

  /**
   * Closes with `reason` (once). With `signOut`, the token is forgotten in the store first, and its refresh
   * token revoked when `signOut.revoke` is set.
   */
  async #end(reason: AuthClosedError, signOut?: { readonly revoke: boolean }): Promise<void> {
    if (this.#closed) return;
    this.#closed = reason;
    try {
      this.#envController?.abort(reason);
    } catch {
      // workerd: made while serving another request, it cannot be touched here; that request's end stops it.
    }
    // Signing out forgets the token in the store, also one that this auth object has not used yet.
    if (signOut && !this.#provider.select) this.#session(this.#provider);
    await Promise.all(
      [...this.#sessions.values()].map(async (pending) => {
        const session = await pending;
        await (signOut ? session.signOut(reason, signOut.revoke) : session.close(reason));
      }),
    );
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  protected describe(): Record<string, unknown> {
    return {
      baseUrl: this.baseUrl,
      credentials: this.#credentials.kind,
      allowedOrigins: [...this.#origins],
      headers: Object.fromEntries(Object.keys(this.#extraHeaders).map((name) => [name, redacted])),
      closed: this.#closed !== undefined,
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw this.#closed;
  }

  /**
   * The token session of `provider`, made on first use: a key that never changes needs nothing more;
   * anything else gets a token manager, whose code is loaded only then (an app with an API key never loads
   * it).
   */
  #session(provider: TokenProvider): TokenSession | Promise<TokenSession> {
    let session = this.#sessions.get(provider);
    if (session) return session;
    const fixed = fixedToken(provider);
    if (fixed !== undefined) {
      this.#secretValues.push(fixed);
      this.#secrets?.fix(fixed);
    }
    session =
      fixed === undefined
        ? this.#load().then((module) =>
            module.startSession({
              ...this.#options,
              provider,
              credentials: this.#credentials,
              baseUrl: this.baseUrl,
              emit: this.#emit,
              secrets: this.#secrets!,
            }),
          )
        : fixedSession(fixed);
    this.#sessions.set(provider, session);
    // Once loaded, the session itself: the hot path needs no await. A session that failed to start (its
    // code did not load: offline for a moment, a deploy replaced the chunks) is forgotten: the next caller
    // tries again.
    if ('then' in session)
      session.then(
        (loaded) => this.#sessions.set(provider, loaded),
        () => this.#sessions.delete(provider),
      );
    return session;
  }

  /**
   * The token manager's code, loaded once, and the secret set made with it: a credential with tokens loads
   * both for its first token request; an API-key app only to scrub an error or a 401 report. A failed load
   * is not remembered: the next caller tries again.
   */
  #load(): Promise<typeof import('./token-manager.js')> {
    this.#loading ??= import('./token-manager.js').then(
      (module) => {
        this.#secrets = new module.SecretSet();
        for (const value of this.#secretValues) this.#secrets.fix(value);
        return module;
      },
      (error: unknown) => {
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }

  async #scrubber(): Promise<SecretSet> {
    await this.#load();
    return this.#secrets!;
  }

  /** Whether the request URL's origin may receive the credential (see `#checkedUrl`). */
  #allowed(url: string | URL): boolean {
    if (typeof url !== 'string') return this.#target(url) !== undefined;
    if (url === this.#checkedUrl) return this.#checkedAllowed;
    const allowed = this.#target(url) !== undefined;
    this.#checkedUrl = url;
    this.#checkedAllowed = allowed;
    return allowed;
  }

  /** The request URL when its origin may receive the credential, else undefined. */
  #target(url: string | URL): URL | undefined {
    let target: URL;
    try {
      target = resolveUrl(url, this.#base);
    } catch {
      return undefined;
    }
    return this.#origins.has(target.origin) ? target : undefined;
  }
}

const noop = () => {};

/** Where a token goes unless its provider says otherwise. */
const BEARER = { name: 'Authorization', scheme: 'Bearer' };

/**
 * The token of a credential that can never change and never expires (a static API key), or undefined.
 * Checked once, on first use.
 */
function fixedToken(provider: TokenProvider): string | undefined {
  if (provider.renewable || provider.obtain || provider.refresh || !provider.initial) return undefined;
  const { accessToken, expiresIn } = provider.initial() as Partial<TokenSet>;
  if (expiresIn !== undefined) return undefined;
  const token = typeof accessToken === 'string' ? accessToken.trim() : accessToken;
  return requireToken(token, "The credential's token", 'Return a token from `initial()`.');
}

function fixedSession(token: string): TokenSession {
  const nothing = async () => {};
  return { token: () => token, unauthorized: async () => false, close: nothing, signOut: nothing };
}

function validateHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (headers === undefined) return {};
  need(
    typeof headers === 'object' && headers && !Array.isArray(headers),
    'headers',
    "must be an object such as { 'X-OpenAI-Api-Key': key }",
  );
  for (const [name, value] of Object.entries(headers)) {
    need(HEADER_NAME.test(name), 'headers', `has an invalid header name "${name}"`);
    need(
      typeof value === 'string' && !/[^\t\u0020-\u007e\u00a0-\u00ff]/.test(value),
      `headers['${name}']`,
      `must be a string without line breaks or ${CANNOT_CARRY}`,
    );
  }
  return headers;
}

/** Throws the {@link ConfigurationError} of `option` unless `ok`. */
function need(ok: unknown, option: string, problem: string): asserts ok {
  if (!ok) throw optionError(option, problem);
}

/**
 * Creates the auth object that gives requests their credentials and keeps them fresh. Bad options throw a
 * `ConfigurationError` (or `InsecureTransportError`) right here.
 *
 * @example
 * ```ts
 * import { createAuth, apiKey } from '@auth/core';
 * const auth = createAuth({ baseUrl: 'http://localhost:8080', credentials: apiKey('my-key') });
 * const headers = await auth.authorize('/v1/meta'); // { Authorization: 'Bearer my-key' }
 * const response = await fetch(new URL('/v1/meta', auth.baseUrl), { headers });
 * await auth.close();
 * ```
 */
export function createAuth(options: AuthOptions): Auth {
  return new AuthClient(options);
}
