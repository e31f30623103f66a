import type { CredentialEnvironment, TokenProvider } from '../credentials/credentials.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import type { GrantOptions, OidcSession } from './client.js';
import { oidcOptions } from './options.js';

/**
 * The OIDC session of one credential, made on first use: its code and openid-client are loaded with the
 * first token request, not when the app starts (they are most of an OIDC credential's size). The `oidc`
 * option is checked at once, so that a bad one fails `createAuth()`.
 */
export function oidcSession(env: CredentialEnvironment): () => Promise<OidcSession> {
  const oidc = oidcOptions(env.oidc);
  let loading: Promise<OidcSession> | undefined;
  return () => {
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
}

/**
 * The refresh-token grant and the revocation of a credential, through its session, as the client `options`
 * name (the one its primary grant uses).
 */
export function refreshAndRevoke(
  session: () => Promise<OidcSession>,
  options: GrantOptions,
): Required<Pick<TokenProvider, 'refresh' | 'revoke'>> {
  return {
    refresh: async (refreshToken, request) => (await session()).refresh(refreshToken, request, options),
    revoke: async (token, hint, request) => (await session()).revoke(token, hint, request, options),
  };
}
