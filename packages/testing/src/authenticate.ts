import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { ApiKeyRegistry, ClientDirectory, Principal, UserDirectory } from './accounts.js';
import type { OidcProviderHost } from './oidc-provider.js';

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; message: string };

export interface AuthenticatorOptions {
  keys: ApiKeyRegistry;
  users: UserDirectory;
  clients: ClientDirectory;
  clientId: string;
  oidc: OidcProviderHost | undefined;
  anonymousAccess: () => boolean;
}

const ANONYMOUS: Principal = { username: 'anonymous', role: 'read-only' };

/**
 * Weaviate's authentication: `Authorization: Bearer <credential>` is an API key (compared in constant time
 * against every key) or an OIDC access token (a JWT checked with jose against the provider's JWKS:
 * signature, `iss`, `aud` containing the client id, `exp` with no leeway). Messages never echo the credential.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions;
  readonly #jwks: ReturnType<typeof createLocalJWKSet> | undefined;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#jwks = options.oidc ? createLocalJWKSet(options.oidc.jwks) : undefined;
  }

  async authenticate(req: IncomingMessage): Promise<AuthOutcome> {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      if (this.#options.anonymousAccess()) return { ok: true, principal: ANONYMOUS };
      return {
        ok: false,
        message: 'anonymous access not enabled, please provide an auth scheme such as OIDC or an API key',
      };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      return { ok: false, message: 'the Authorization header must be of the form "Bearer <token>"' };
    }
    const credential = match[1];

    const keyPrincipal = this.#options.keys.lookup(credential);
    if (keyPrincipal) return { ok: true, principal: keyPrincipal };

    const looksLikeJwt = credential.split('.').length === 3;
    if (!looksLikeJwt) return { ok: false, message: 'invalid api key' };
    const oidc = this.#options.oidc;
    if (!oidc || !this.#jwks)
      return { ok: false, message: 'invalid api key (OIDC is not enabled on this server)' };

    try {
      const { payload } = await jwtVerify(credential, this.#jwks, {
        issuer: oidc.issuer,
        audience: this.#options.clientId,
        algorithms: ['RS256'],
        clockTolerance: 0,
      });
      if (oidc.isRevoked(payload.jti)) return { ok: false, message: 'oidc: token has been revoked' };
      const sub = payload.sub;
      const principal =
        sub === undefined ? undefined : (this.#options.users.find(sub) ?? this.#options.clients.find(sub));
      if (!principal) return { ok: false, message: 'oidc: token subject is not a known user' };
      return { ok: true, principal };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, message: 'oidc: token is expired' };
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        return { ok: false, message: `oidc: token claim "${error.claim}" is not valid (${error.reason})` };
      }
      if (error instanceof joseErrors.JOSEError) {
        return { ok: false, message: `oidc: token verification failed (${error.code})` };
      }
      return { ok: false, message: 'oidc: token verification failed' };
    }
  }
}
