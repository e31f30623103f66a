import type { CredentialEnvironment, TokenProvider } from '../credentials/credentials.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import type { GrantOptions, OidcSession } from './client.js';
import { oidcOptions } from './options.js';

/** The OIDC session of one credential, loaded on first use (see {@link oidcSession}). */
export interface OidcSessionLoader {
  (): Promise<OidcSession>;
  /**
   * Loads the session and discovers the provider in the background, for a credential that holds a token
   * now and needs the provider only later, to refresh it: that refresh then finds discovery done instead of
   * running it behind the requests that found the token stale. A failure is dropped here: the grant that
   * needs discovery runs it again and reports what fails. Aborted when the auth object closes.
   */
  warm(): void;
}

/**
 * The OIDC session of one credential, made on first use: its code and openid-client are loaded with the
 * first token request (or {@link OidcSessionLoader.warm}), not when the app starts (they are most of an OIDC
 * credential's size). The `oidc` option is checked at once, so that a bad one fails `createAuth()`.
 */
export function oidcSession(env: CredentialEnvironment): OidcSessionLoader {
  const oidc = oidcOptions(env.oidc);
  let loading: Promise<OidcSession> | undefined;
  const load = () => {
    loading ??= import('./client.js').then(
      ({ OidcSession }) => new OidcSession(env, oidc),
      (error: unknown) => {
        loading = undefined;
        throw new ConfigurationError(
          'Could not load the OIDC support of @auth/core (openid-client). Install it next to @auth/core (npm install openid-client).',
          { cause: error },
        );
      },
    );
    return loading;
  };
  const warm = () => {
    load()
      .then((session) => session.discover({ signal: env.signal, reason: 'initial' }))
      .catch(() => undefined);
  };
  return Object.assign(load, { warm });
}

/**
 * What goes through a credential's session besides its primary grant: loading the session's code ahead
 * (see `TokenProvider.preload`), the refresh-token grant and the revocation, as the client `options` name
 * (the one its primary grant uses).
 */
export function sessionMembers(
  session: () => Promise<OidcSession>,
  options: GrantOptions,
): Required<Pick<TokenProvider, 'preload' | 'refresh' | 'revoke'>> {
  return {
    preload: session,
    refresh: async (refreshToken, request) => (await session()).refresh(refreshToken, request, options),
    revoke: async (token, hint, request) => (await session()).revoke(token, hint, request, options),
  };
}
