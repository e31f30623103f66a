import { linkSignals } from '../abort.js';
import {
  type OidcClientOptions,
  type ParsedClientOptions,
  parseClientOptions,
} from '../credentials/client-options.js';
import type {
  CredentialEnvironment,
  Credentials,
  TokenProvider,
  TokenSet,
} from '../credentials/credentials.js';
import { optionalScopes } from '../credentials/validate.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { SignInError } from '../errors/sign-in-error.js';
import type { OidcSession } from '../oidc/client.js';
import type { PendingChecks } from '../oidc/code-flow.js';
import { joinScopes } from '../oidc/scopes.js';
import { oidcSession, sessionMembers } from '../oidc/session.js';
import { Redacted } from '../redact.js';
import { SecretSet, spellSecretsEverywhere } from '../secrets.js';
import { everySpelling } from '../spellings.js';

// A callback's error or the token answer may echo the code, the verifier or a token in any spelling.
spellSecretsEverywhere(everySpelling);

const GRANT = 'authorization_code';
/** How long a started sign-in waits for the browser to come back (ms). */
const PENDING_LIFETIME = 10 * 60_000;

/**
 * Where a sign-in waits while the browser is at the provider: the parts of the Web Storage API it uses
 * (`sessionStorage`, `localStorage`, or your own).
 */
export type SignInStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * Options of {@link authorizationCode}. A browser keeps no secret: the client is public (its id only), and
 * PKCE stands in for the secret.
 */
export interface AuthorizationCodeOptions extends Pick<OidcClientOptions, 'clientId' | 'extraParams'> {
  /**
   * Where the provider sends the browser back: a page of this app, registered at the provider for the
   * client. Call `complete()` there.
   */
  readonly redirectUri: string;
  /** Scopes in addition to the server's, `openid` and `offline_access`. */
  readonly scopes?: readonly string[] | undefined;
  /**
   * Where the sign-in in progress waits while the browser is at the provider (its `state`, `nonce` and PKCE
   * verifier, for at most 10 minutes, removed when it completes). It must outlive the page: the redirect
   * loads a new one. Tokens are not kept here (see `sessionStorageStore()` for that).
   * @default sessionStorage
   */
  readonly storage?: SignInStorage | undefined;
}

/** The options a browser cannot hold: a client secret would be anyone's who opens the page. */
interface RefusedOptions {
  readonly clientSecret?: unknown;
  readonly tokenEndpointAuthMethod?: unknown;
}

/**
 * The credential of a browser sign-in: give it to `createAuth`, send the browser to `start()`'s URL, and on
 * the redirect URI call `complete()`. Then it gives tokens like any credential.
 *
 * @example
 * ```ts
 * import { type AuthorizationCodeCredentials, authorizationCode } from '@auth/core/browser';
 *
 * const signIn: AuthorizationCodeCredentials = authorizationCode({ redirectUri: `${location.origin}/` });
 * ```
 */
export interface AuthorizationCodeCredentials extends Credentials {
  /**
   * Starts a sign-in: discovery (through the auth object this credential was given to), a fresh PKCE
   * verifier, `state` and `nonce` kept in `storage`, and the provider's URL to send the browser to. One
   * sign-in at a time per redirect URI: a second `start()` replaces the first.
   */
  start(options?: { readonly signal?: AbortSignal | undefined }): Promise<string>;
  /**
   * Completes the sign-in on the redirect URI: checks `url`'s `state` against the one `start()` kept, then
   * exchanges its code (with the PKCE verifier) for tokens, which the auth object then hands out. Rejects
   * with `SignInError`: `state_mismatch` (no sign-in started here waits for it: a forged link, another tab,
   * or completed already), `access_denied`, `refused`, `expired` (more than 10 minutes), `code_rejected`
   * (the provider refused the code: replayed or expired). Call it before the first `authorize()` of the page,
   * then take the code out of the address bar (`history.replaceState`).
   */
  complete(url: string | URL, options?: { readonly signal?: AbortSignal | undefined }): Promise<void>;
  /** Whether `url` is the provider sending the browser back (a `state`, with a `code` or an `error`). */
  isRedirect(url: string | URL): boolean;
}

interface Bound {
  readonly env: CredentialEnvironment;
  readonly session: () => Promise<OidcSession>;
  /** Tokens `complete()` obtained, for the next `obtain()`. */
  delivered: TokenSet | undefined;
  /** The token store key was made (a shared store): it names the sign-in of that moment for good. */
  keyed: boolean;
}

class AuthorizationCodeCredentialsImpl extends Redacted implements AuthorizationCodeCredentials {
  readonly kind = 'authorization_code';
  protected readonly label = 'AuthorizationCodeCredentials';
  readonly #redirectUri: URL;
  readonly #scopes: readonly string[] | undefined;
  readonly #storage: SignInStorage;
  readonly #client: ParsedClientOptions;
  /** The codes, verifiers and tokens of this credential's sign-ins: scrubbed from what it throws. */
  readonly #secrets = new SecretSet();
  #bound: Bound | undefined;

  constructor(options: AuthorizationCodeOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError(
        "authorizationCode(): pass an options object, e.g. authorizationCode({ redirectUri: location.origin + '/' }).",
      );
    }
    const refused = options as RefusedOptions;
    if (refused.clientSecret !== undefined || refused.tokenEndpointAuthMethod !== undefined) {
      throw new ConfigurationError(
        'authorizationCode(): a browser cannot keep a client secret (anyone who opens the page can read it). Register the app at the provider as a public client (a single-page app): PKCE protects its sign-ins instead.',
      );
    }
    const redirect = parseUrl(options.redirectUri);
    if (
      redirect === undefined ||
      (redirect.protocol !== 'https:' && redirect.protocol !== 'http:') ||
      redirect.hash
    ) {
      throw new ConfigurationError(
        "authorizationCode(): `redirectUri` must be the absolute http(s) URL of a page of this app, without a fragment, as registered at the provider, e.g. location.origin + '/'.",
      );
    }
    const storage = options.storage ?? (globalThis as { sessionStorage?: SignInStorage }).sessionStorage;
    if (
      typeof storage?.getItem !== 'function' ||
      typeof storage.setItem !== 'function' ||
      typeof storage.removeItem !== 'function'
    ) {
      throw new ConfigurationError(
        'authorizationCode(): there is no sessionStorage here to keep the sign-in during the redirect; pass `storage` (getItem, setItem, removeItem).',
      );
    }
    this.#redirectUri = redirect;
    this.#scopes = optionalScopes(options.scopes, 'authorizationCode(): `scopes`');
    this.#storage = storage;
    this.#client = parseClientOptions(options, 'authorizationCode()');
  }

  /** The storage key of the sign-in waiting for the browser to come back. */
  get #pendingKey(): string {
    return `@auth/core:sign-in:pending:${this.#redirectUri.href}`;
  }

  /** The storage key of the id of the last completed sign-in (part of the token store key). */
  get #signedInKey(): string {
    return `@auth/core:sign-in:current:${this.#redirectUri.href}`;
  }

  bind(env: CredentialEnvironment): TokenProvider {
    if (this.#bound) {
      throw new ConfigurationError(
        'authorizationCode(): this credential belongs to another auth object already; make one per auth object.',
      );
    }
    const bound: Bound = { env, session: oidcSession(env), delivered: undefined, keyed: false };
    this.#bound = bound;
    const { client, extraParams, keyParts } = this.#client;
    const grant = { client, extraParams };
    return {
      grant: GRANT,
      renewable: true,
      // A shared store (sessionStorage) finds this sign-in's token after a reload, and never an earlier one's.
      identity: `${this.#client.description.clientId ?? ''} ${this.#redirectUri.href}`,
      keyMaterial: () => {
        bound.keyed = true;
        return {
          parts: [
            this.#storage.getItem(this.#signedInKey) ?? '',
            JSON.stringify(this.#scopes ?? []),
            JSON.stringify(env.oidc ?? null),
            ...keyParts,
          ],
        };
      },
      obtain: async (request) => {
        const delivered = bound.delivered;
        bound.delivered = undefined;
        if (delivered) return delivered;
        throw new SignInError(
          request.reason === 'invalid_grant'
            ? 'The provider refused the refresh token of the browser sign-in (invalid_grant): sign in again (start(), then complete() on the redirect URI).'
            : 'Nobody is signed in here yet: send the browser to the URL of start(), then call complete() on the redirect URI before the first request.',
          { reason: 'required', grant: GRANT },
        );
      },
      ...sessionMembers(bound.session, grant),
    };
  }

  async start(options: { readonly signal?: AbortSignal | undefined } = {}): Promise<string> {
    const bound = this.#require('start');
    const [{ startSignIn }, session] = await Promise.all([import('../oidc/code-flow.js'), bound.session()]);
    const linked = linkSignals(bound.env.signal, options.signal);
    try {
      const started = await startSignIn(session, {
        redirectUri: this.#redirectUri.href,
        scope: (discovered) => joinScopes(discovered.scopes, this.#scopes, ['openid', 'offline_access']),
        request: { signal: linked.signal, reason: 'initial' },
        grant: { client: this.#client.client, extraParams: this.#client.extraParams },
        allowInsecureHttp: bound.env.allowInsecureHttp,
      });
      this.#secrets.remember(started.verifier);
      const pending: PendingChecks & { readonly startedAt: number } = {
        state: started.state,
        nonce: started.nonce,
        verifier: started.verifier,
        startedAt: Date.now(),
      };
      this.#storage.setItem(this.#pendingKey, JSON.stringify(pending));
      return started.url;
    } catch (error) {
      throw this.#secrets.scrubError(error);
    } finally {
      linked.dispose();
    }
  }

  async complete(
    url: string | URL,
    options: { readonly signal?: AbortSignal | undefined } = {},
  ): Promise<void> {
    const bound = this.#require('complete');
    const callback = new URL(String(url));
    const params = callback.searchParams;
    for (const name of ['code', 'state']) this.#secrets.remember(params.get(name));
    const pending = this.#pending();
    const state = params.get('state');
    const fail = (reason: SignInError['reason'], message: string, error?: string | null) =>
      this.#secrets.scrubError(
        new SignInError(message, {
          reason,
          grant: GRANT,
          error: error ?? undefined,
          error_description: params.get('error_description') ?? undefined,
        }),
      );
    if (
      `${callback.origin}${callback.pathname}` !== `${this.#redirectUri.origin}${this.#redirectUri.pathname}`
    ) {
      throw new ConfigurationError(
        `authorizationCode(): complete() was given a page that is not the redirect URI (${this.#redirectUri.origin}${this.#redirectUri.pathname}). Call it on the page the provider sends the browser back to.`,
      );
    }
    if (pending === undefined || state === null || state !== pending.state) {
      // A sign-in that does wait keeps waiting: a forged link must not spoil the real one.
      throw fail(
        'state_mismatch',
        pending === undefined
          ? 'No sign-in started here is waiting to complete (it completed already, it was started in another tab or browser, or this link did not come from one): the page was not signed in. Start a new sign-in.'
          : "The page's `state` is not the one of the sign-in started here (a forged or stale link): it was ignored, and the sign-in started here still waits. Start a new sign-in if this one was abandoned.",
      );
    }
    if (bound.keyed) {
      throw new ConfigurationError(
        "authorizationCode(): complete() came after this page's first authorize(): with a shared token store, that auth object keeps the earlier sign-in's token. Call complete() first on the redirect URI (the sign-in still waits: reload the page to complete it).",
      );
    }
    // One use, whatever happens next.
    this.#storage.removeItem(this.#pendingKey);
    this.#secrets.remember(pending.verifier);
    const error = params.get('error');
    if (error !== null) {
      const description = params.get('error_description');
      throw fail(
        error === 'access_denied' ? 'access_denied' : 'refused',
        error === 'access_denied'
          ? `The sign-in was declined at the provider (access_denied${description ? `: ${description}` : ''}). Nothing was signed in; start it again to retry.`
          : `The provider refused the sign-in (${error}${description ? `: ${description}` : ''}). Check the client's settings at the provider (redirect URI, scopes, allowed grants), then start it again.`,
        error,
      );
    }
    if (Date.now() - pending.startedAt > PENDING_LIFETIME) {
      throw fail(
        'expired',
        'The sign-in took more than 10 minutes to come back from the provider. Start it again.',
      );
    }
    if (!params.get('code')) {
      throw fail(
        'refused',
        'The provider sent the browser back without a code or an error. Start the sign-in again.',
      );
    }
    const [{ exchangeCode }, session] = await Promise.all([import('../oidc/code-flow.js'), bound.session()]);
    const linked = linkSignals(bound.env.signal, options.signal);
    try {
      const tokens = await exchangeCode(session, {
        callback,
        checks: pending,
        request: { signal: linked.signal, reason: 'initial' },
        grant: { client: this.#client.client, extraParams: this.#client.extraParams },
      });
      this.#secrets.remember(tokens.accessToken);
      this.#secrets.remember(tokens.refreshToken);
      // A new sign-in: a new token store key, so that no earlier sign-in's token is served for it.
      this.#storage.setItem(this.#signedInKey, randomId());
      bound.delivered = tokens;
    } catch (thrown) {
      throw this.#secrets.scrubError(thrown);
    } finally {
      linked.dispose();
    }
  }

  isRedirect(url: string | URL): boolean {
    const params = parseUrl(url)?.searchParams;
    return params?.has('state') === true && (params.has('code') || params.has('error'));
  }

  protected describe(): Record<string, unknown> {
    return {
      kind: this.kind,
      redirectUri: this.#redirectUri.href,
      scopes: this.#scopes ?? [],
      ...this.#client.description,
    };
  }

  #require(what: string): Bound {
    if (!this.#bound) {
      throw new ConfigurationError(
        `authorizationCode(): give the credential to createAuth() before calling ${what}(): discovery goes through the auth object (its baseUrl or oidc option).`,
      );
    }
    return this.#bound;
  }

  /** The sign-in waiting in storage, if it reads as one. */
  #pending(): (PendingChecks & { readonly startedAt: number }) | undefined {
    let value: unknown;
    try {
      value = JSON.parse(this.#storage.getItem(this.#pendingKey) ?? 'null');
    } catch {
      return undefined;
    }
    const record = value as Record<string, unknown> | null;
    if (
      typeof record?.state !== 'string' ||
      typeof record.nonce !== 'string' ||
      typeof record.verifier !== 'string' ||
      typeof record.startedAt !== 'number'
    ) {
      return undefined;
    }
    return record as unknown as PendingChecks & { readonly startedAt: number };
  }
}

function parseUrl(value: unknown): URL | undefined {
  try {
    return new URL(String(value ?? ''));
  } catch {
    return undefined;
  }
}

/** 128 random bits, as hex. */
function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}

/**
 * A browser sign-in: the authorization code flow with PKCE (S256), `state` and `nonce`, through
 * openid-client, against the provider Weaviate's discovery names (or the `oidc` option). `start()` gives the
 * URL to send the browser to; on the redirect URI, `complete()` checks the `state` and exchanges the code;
 * then the auth object hands out tokens and refreshes them like any credential. Tokens stay in memory unless
 * `createAuth` gets a store (`sessionStorageStore()` keeps them for the tab, across reloads). No client
 * secret: a browser cannot keep one. When the provider refuses the refresh token, requests reject with
 * `SignInError` (`reason: 'required'`): sign in again.
 *
 * @example
 * ```ts
 * import { createAuth } from '@auth/core';
 * import { authorizationCode } from '@auth/core/browser';
 * const signIn = authorizationCode({ redirectUri: `${location.origin}/` });
 * const auth = createAuth({ baseUrl: 'https://my-cluster.weaviate.cloud', credentials: signIn });
 * if (signIn.isRedirect(location.href)) {
 *   await signIn.complete(location.href);
 *   history.replaceState(null, '', location.pathname);
 * }
 * document.querySelector('#sign-in')?.addEventListener('click', async () => location.assign(await signIn.start()));
 * ```
 */
export function authorizationCode(options: AuthorizationCodeOptions): AuthorizationCodeCredentials {
  return new AuthorizationCodeCredentialsImpl(options);
}
