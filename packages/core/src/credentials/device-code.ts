import { ConfigurationError } from '../errors/configuration-error.js';
import { ReauthenticationRequiredError } from '../errors/reauthentication-required-error.js';
import { SignInError } from '../errors/sign-in-error.js';
import type { RefreshReason } from '../events.js';
import { joinScopes } from '../oidc/scopes.js';
import { oidcSession, sessionMembers } from '../oidc/session.js';
import { Redacted, redacted } from '../redact.js';
import { SecretSet } from '../secrets.js';
import { type OidcClientOptions, type ParsedClientOptions, parseClientOptions } from './client-options.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { optionalScopes, requireToken } from './validate.js';

/**
 * What the person signing in must be shown (RFC 8628 §3.3): where to go and the code to type there. Show it
 * where they look (a terminal, a TV screen); it is valid for `expiresIn` seconds.
 *
 * @example
 * ```ts
 * import type { DevicePrompt } from '@auth/core';
 *
 * const onPrompt = (prompt: DevicePrompt) =>
 *   console.error(`Open ${prompt.verificationUri} and enter ${prompt.userCode} (valid ${prompt.expiresIn} s).`);
 * ```
 */
export interface DevicePrompt {
  /** The page to open in a browser (on any device). */
  readonly verificationUri: string;
  /** The same page with the code filled in, when the provider gives one (for a link or a QR code). */
  readonly verificationUriComplete: string | undefined;
  /** The code to type at `verificationUri`. It is a one-time secret: show it to the person only. */
  readonly userCode: string;
  /** Seconds until the code expires. */
  readonly expiresIn: number;
  /**
   * Why a sign-in is needed: `initial` (none yet), `invalid_grant` (the provider refused the refresh token of
   * an earlier sign-in), `expired` or `unauthorized` (there was no refresh token to renew with).
   */
  readonly reason: RefreshReason;
}

/**
 * Options of {@link deviceCode}. The client options work as for the other OIDC credentials (a provider such
 * as Google wants a `clientSecret` even for the device flow).
 */
export interface DeviceCodeOptions extends OidcClientOptions {
  /**
   * Shows the person where to sign in and the code to type; the flow waits for it (an async function) before
   * it starts polling. Its presence is the permission to ask: with it, the device flow runs whenever there
   * is no usable refresh token (the first sign-in, and when the provider refuses the refresh token);
   * without it, the credential needs a `refreshToken` and never asks (a refused one is final:
   * `ReauthenticationRequiredError`).
   */
  readonly onPrompt?: ((prompt: DevicePrompt) => void | Promise<void>) | undefined;
  /**
   * The refresh token of an earlier sign-in (a stored login): the first token comes from it, with no prompt.
   */
  readonly refreshToken?: string | undefined;
  /** Scopes in addition to the server's and `offline_access`. */
  readonly scopes?: readonly string[] | undefined;
  /**
   * Stops waiting for the person (the terminal closed, the user pressed Ctrl-C): the sign-in in progress
   * rejects with `SignInError` (`reason: 'cancelled'`), and so does any later one.
   */
  readonly signal?: AbortSignal | undefined;
}

class DeviceCodeCredentials extends Redacted implements Credentials {
  readonly kind = 'device_code';
  protected readonly label = 'DeviceCodeCredentials';
  readonly #onPrompt: DeviceCodeOptions['onPrompt'];
  readonly #refreshToken: string | undefined;
  readonly #scopes: readonly string[] | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #client: ParsedClientOptions;

  constructor(options: DeviceCodeOptions) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError(
        'deviceCode(): pass an options object, e.g. deviceCode({ onPrompt: (p) => console.error(p.verificationUri, p.userCode) }).',
      );
    }
    if (options.onPrompt !== undefined && typeof options.onPrompt !== 'function') {
      throw new ConfigurationError('deviceCode(): `onPrompt` must be a function that shows the prompt.');
    }
    this.#refreshToken =
      options.refreshToken === undefined
        ? undefined
        : requireToken(
            options.refreshToken,
            'deviceCode(): `refreshToken`',
            'Pass the refresh token of an earlier sign-in, or leave it out.',
          );
    if (options.onPrompt === undefined && this.#refreshToken === undefined) {
      throw new ConfigurationError(
        'deviceCode(): pass `onPrompt` (to show the person where to sign in and the code to type), or the `refreshToken` of an earlier sign-in.',
      );
    }
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new ConfigurationError('deviceCode(): `signal` must be an AbortSignal.');
    }
    this.#onPrompt = options.onPrompt;
    this.#scopes = optionalScopes(options.scopes, 'deviceCode(): `scopes`');
    this.#signal = options.signal;
    this.#client = parseClientOptions(options, 'deviceCode()');
  }

  bind(env: CredentialEnvironment): TokenProvider {
    const session = oidcSession(env);
    const refreshToken = this.#refreshToken;
    const onPrompt = this.#onPrompt;
    const userScopes = this.#scopes;
    const cancel = this.#signal;
    const { client, extraParams, keyParts } = this.#client;
    const grant = { client, extraParams };
    // The device and user codes of each sign-in join these, to be scrubbed from what the flow throws.
    const secrets = new SecretSet();
    secrets.fix(refreshToken);
    secrets.fix(client?.secret);
    let scope: string | undefined;
    return {
      grant: 'device_code',
      renewable: true,
      // Processes given the same refresh token share one token; without one, each sign-in is its own.
      ...(refreshToken === undefined
        ? {}
        : {
            keyMaterial: () => ({
              parts: [
                refreshToken,
                JSON.stringify(userScopes ?? []),
                JSON.stringify(env.oidc ?? null),
                ...keyParts,
              ],
            }),
            initial: () => ({ refreshToken }),
          }),
      secrets: () => [refreshToken ?? '', client?.secret ?? ''],
      obtain: async (request) => {
        if (onPrompt === undefined) {
          throw new ReauthenticationRequiredError(
            'The provider refused the refresh token of the device sign-in, and this deviceCode() has no `onPrompt` to ask the person again. Sign in again (for a login stored by `weaviate-auth login`, run it again), or pass `onPrompt`.',
          );
        }
        const [{ runDeviceFlow }, oidc] = await Promise.all([import('../oidc/device-flow.js'), session()]);
        return runDeviceFlow({
          session: oidc,
          // Computed once: the same scope on every sign-in and refresh.
          scope: (discovered) => {
            scope ??= joinScopes(discovered.scopes, userScopes, ['offline_access']);
            return scope;
          },
          request,
          grant,
          onPrompt,
          cancel,
          secrets,
          fail: (message, options) => new SignInError(message, options),
        });
      },
      ...sessionMembers(session, grant),
    };
  }

  protected describe(): Record<string, unknown> {
    return {
      kind: this.kind,
      prompts: this.#onPrompt !== undefined,
      refreshToken: this.#refreshToken === undefined ? undefined : redacted,
      scopes: this.#scopes ?? [],
      ...this.#client.description,
    };
  }
}

/**
 * Signing in without handing over a password (RFC 8628, the device authorization grant, as `gh auth login`
 * and `az login --use-device-code` do): the person opens a page on any device, types the code `onPrompt`
 * shows them, and signs in there, with MFA or SSO if their provider wants it. Discovery goes through the
 * Weaviate server. Then it is a credential like the others: refresh tokens (rotated ones kept), one request
 * at a time. When the provider refuses the refresh token, the device flow runs again (another prompt) if
 * `onPrompt` was given; without it, `ReauthenticationRequiredError`. A provider without the device
 * endpoint: `SignInError` (`reason: 'unsupported'`) naming the grants it offers instead.
 *
 * @example
 * ```ts
 * import { createAuth, deviceCode } from '@auth/core';
 * const auth = createAuth({
 *   baseUrl: 'https://my-cluster.weaviate.cloud',
 *   credentials: deviceCode({
 *     onPrompt: ({ verificationUri, userCode }) => console.error(`Open ${verificationUri} and enter ${userCode}`),
 *   }),
 * });
 * await auth.authorize('/v1/meta'); // waits until the person has signed in
 * ```
 */
export function deviceCode(options: DeviceCodeOptions): Credentials {
  return new DeviceCodeCredentials(options);
}
