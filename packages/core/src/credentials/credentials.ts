import type { AuthEvent, Grant, RefreshReason } from '../events.js';

/**
 * The OIDC settings of `createAuth({ oidc })`: skip Weaviate's discovery and use this provider directly.
 *
 * @example
 * ```ts
 * import { createAuth, oidcPassword } from '@auth/core';
 *
 * const auth = createAuth({
 *   baseUrl: 'https://my-cluster.weaviate.cloud',
 *   credentials: oidcPassword({ username: 'me@example.com', password: process.env.WEAVIATE_PASSWORD! }),
 *   oidc: { issuer: 'https://login.example.com', clientId: 'my-app' },
 * });
 * ```
 */
export interface OidcOptions {
  /** The provider's issuer URL; its `/.well-known/openid-configuration` is read once. */
  readonly issuer: string;
  /** The public client for the password and refresh-token grants (and the default for client credentials). */
  readonly clientId: string;
  /** Scopes to ask for in addition to the user's (in place of the scopes a Weaviate server advertises). */
  readonly scopes?: readonly string[] | undefined;
}

/**
 * What an auth object hands a credential when it binds it: everything a token request may need.
 *
 * @example
 * ```ts
 * import type { Credentials } from '@auth/core';
 *
 * // Asks a token service next to the API for a token.
 * async function fetchToken(baseUrl: URL, signal: AbortSignal): Promise<string> {
 *   return (await fetch(new URL('/token', baseUrl), { signal })).text();
 * }
 * const mine: Credentials = {
 *   kind: 'mine',
 *   bind: (env) => ({
 *     grant: 'token_source',
 *     renewable: true,
 *     obtain: async ({ signal }) => ({ accessToken: await fetchToken(env.baseUrl, signal) }),
 *   }),
 * };
 * ```
 */
export interface CredentialEnvironment {
  /** The API's base URL; Weaviate's OIDC discovery lives under it. */
  readonly baseUrl: URL;
  /** The limit for each token or discovery request, in ms. */
  readonly timeout: number;
  /** Whether plain http to non-loopback hosts is allowed. */
  readonly allowInsecureHttp: boolean;
  /** The `oidc` option of `createAuth`, if any. */
  readonly oidc: OidcOptions | undefined;
  /**
   * Aborts when the auth object closes. Prefer the `signal` of each {@link TokenRequest}, which also aborts
   * then: this one is made on first use and lives as long as the auth object, which Cloudflare Workers do
   * not allow across requests.
   */
  readonly signal: AbortSignal;
  /** Reports an event (a throwing listener is ignored). */
  emit(event: AuthEvent): void;
}

/**
 * A token as a credential returns it.
 */
export interface TokenSet {
  readonly accessToken: string;
  /** Lifetime in seconds from when the request started; absent: the token is used until the server refuses it. */
  readonly expiresIn?: number | undefined;
  readonly refreshToken?: string | undefined;
}

/**
 * One token request, as the token manager asks for it.
 *
 * @example
 * ```ts
 * import type { TokenProvider } from '@auth/core';
 *
 * const provider: TokenProvider = {
 *   grant: 'token_source',
 *   renewable: true,
 *   // `reason` says why a token is asked for: the first one, a refresh ahead of expiry, after a 401...
 *   obtain: async ({ signal, reason }) => {
 *     const response = await fetch(`https://tokens.internal/issue?reason=${reason}`, { signal });
 *     return { accessToken: await response.text(), expiresIn: 300 };
 *   },
 * };
 * ```
 */
export interface TokenRequest {
  /** Aborts when the request must stop (the auth object closes). */
  readonly signal: AbortSignal;
  readonly reason: RefreshReason;
  /** The refresh token currently held, if any (for credentials that refresh in their own way). */
  readonly refreshToken?: string | undefined;
  /**
   * Report the refresh token of the provider's answer as soon as it arrives, before the answer is checked:
   * a provider that rotates refresh tokens has used up the one it was given, so the new one is kept even when
   * the rest of the answer turns out unusable. A refresh token in the returned `TokenSet` needs no report.
   */
  readonly onRefreshToken?: ((refreshToken: string) => void) | undefined;
}

/**
 * A credential bound to one auth object: what the token manager drives. Created by
 * {@link Credentials.bind}; the manager decides when to call it, and calls it once at a time.
 *
 * @example
 * ```ts
 * import type { TokenProvider } from '@auth/core';
 *
 * const provider: TokenProvider = {
 *   grant: 'token_source',
 *   renewable: true,
 *   header: { name: 'X-Token' },
 *   obtain: async () => ({ accessToken: 't', expiresIn: 60 }),
 * };
 * ```
 */
export interface TokenProvider {
  /** The grant `obtain` runs, as reported in events. */
  readonly grant: Grant;
  /** False when asking again cannot give a different token (a static API key): a 401 is then final. */
  readonly renewable: boolean;
  /**
   * A token known without any request (a static key, a given bearer token); read once, when first needed.
   * Its `expiresIn` is what is left of its life: 0 means it has expired already (unlike a token request's
   * answer, where 0 counts as unknown). Only a refresh token (no `accessToken`): the first `authorize()`
   * runs the refresh-token grant.
   */
  initial?(): TokenSet | { readonly accessToken?: undefined; readonly refreshToken: string };
  /**
   * A non-secret name for the identity (a user name, a client id). Part of what the token store key is a
   * fingerprint of (see {@link TokenProvider.keyMaterial}); alone, it makes credentials with the same identity
   * share a token.
   */
  readonly identity?: string | undefined;
  /**
   * What tells this credential apart from any other of its kind, secrets included: the API key; the password
   * with its user name and scopes; the client secret with its client id; the refresh token a bearer token
   * came with. The token store key holds only a one-way fingerprint of `parts` (SHA-256, or PBKDF2 when
   * `lowEntropy` says a part is a human-chosen password), never the parts: auth objects and processes with
   * the same credential share one token, different credentials never do. Called once per auth object.
   *
   * Without it and without `identity`, the credential has no stable identity (a key function, a token
   * source): its key holds a random id of the credential object, and its token is never shared with another
   * credential object or process.
   */
  keyMaterial?(): { readonly parts: readonly string[]; readonly lowEntropy?: boolean | undefined };
  /**
   * What `obtain` and `refresh` call, as a timeout names it (e.g. `'The vault'`): when set, the token manager
   * bounds each call by the auth object's `timeout` (its `signal` aborts then) and rejects with a
   * `TimeoutError` naming it. Leave it out when the calls bound their own requests.
   */
  readonly timeoutTarget?: string | undefined;
  /**
   * The secret values the credential holds: the API key, the password, the client secret, a token it was
   * given. The auth object replaces each exact value with `[redacted]` in every error and event it surfaces,
   * should a provider or a function echo one back (tokens it obtains are added by the auth object itself).
   * Called once per auth object. Values shorter than 4 characters are not looked for.
   */
  secrets?(): readonly string[];
  /**
   * For a credential that sends different tokens for different requests (least privilege: reads with a
   * read-only key, writes with an admin key): the provider for a request, by its method (upper case; empty
   * when the adapter did not say) and URL. The auth object keeps a token session per provider it returns;
   * a 401 is renewed by the session whose token the request carried.
   */
  select?(method: string, url: URL): TokenProvider;
  /**
   * Which of the providers a {@link TokenProvider.select} returns this one is (e.g. `'read'`, `'write'`):
   * part of the token store key, so that their tokens never mix in a shared store.
   */
  readonly role?: string | undefined;
  /** Where the token goes: `Authorization: Bearer <token>` unless said otherwise. */
  readonly header?: { readonly name: string; readonly scheme?: string | undefined } | undefined;
  /**
   * Starts loading the code that `obtain`, `refresh` and `revoke` need (code only, no request). Called when
   * the token manager is about to call one of them for the first time, as it loads its own code for token
   * requests, so that both load side by side; never while a token at hand serves. Not awaited; a failure
   * (a throw, a rejected promise) is ignored: the call that needs the code reports it. Leave it out when
   * the calls load nothing on demand.
   */
  preload?(): void;
  /** Runs the primary grant. Absent when there is none (a bearer token can only be refreshed). */
  obtain?(request: TokenRequest): Promise<TokenSet>;
  /** Runs the refresh-token grant; tried first whenever a refresh token is held. */
  refresh?(refreshToken: string, request: TokenRequest): Promise<TokenSet>;
  /**
   * Revokes `token` at the provider (RFC 7009), for `auth.signOut()`: the refresh token the credential holds
   * (`hint` says which kind it is). Absent: signing out only forgets the token.
   */
  revoke?(token: string, hint: 'refresh_token' | 'access_token', request: TokenRequest): Promise<void>;
}

/**
 * A kind of credential. The built-in kinds (`apiKey`, `oidcPassword`, `clientCredentials`, `bearerToken`,
 * `tokenSource`, `deviceCode`, and `authorizationCode` of `@auth/core/browser`) implement it; so can your own. A credential value holds secrets: keep them in `#private`
 * fields or closures, never in enumerable properties.
 *
 * @example
 * ```ts
 * import { createAuth, type Credentials } from '@auth/core';
 * const vaultToken: Credentials = {
 *   kind: 'vault',
 *   bind: () => ({
 *     grant: 'token_source',
 *     renewable: true,
 *     obtain: async ({ signal }) => {
 *       const response = await fetch('https://vault.internal/token', { signal });
 *       const { token, ttl } = (await response.json()) as { token: string; ttl: number };
 *       return { accessToken: token, expiresIn: ttl };
 *     },
 *   }),
 * };
 * const auth = createAuth({ baseUrl: 'https://api.example.com', credentials: vaultToken });
 * ```
 */
export interface Credentials {
  /** A short, non-secret name for messages: `api_key`, `oidc_password`, ... */
  readonly kind: string;
  /** Binds the credential to one auth object (called once by `createAuth`). */
  bind(environment: CredentialEnvironment): TokenProvider;
}
