import type { OidcOptions } from '../credentials/credentials.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { parseHttpUrl } from '../origin.js';

/** The `oidc` option of `createAuth`, checked (a clear `ConfigurationError` for anything unusable). */
export function oidcOptions(oidc: OidcOptions | undefined): OidcOptions | undefined {
  if (oidc === undefined) return undefined;
  if (typeof oidc !== 'object' || oidc === null || typeof oidc.clientId !== 'string' || !oidc.clientId) {
    throw new ConfigurationError(
      "createAuth(): `oidc` needs `issuer` and `clientId`, e.g. { issuer: 'https://login.example.com', clientId: 'my-app' }.",
    );
  }
  const issuer = parseHttpUrl(oidc.issuer, 'oidc.issuer');
  if (
    oidc.scopes !== undefined &&
    (!Array.isArray(oidc.scopes) || oidc.scopes.some((s) => typeof s !== 'string'))
  ) {
    throw new ConfigurationError('createAuth(): `oidc.scopes` must be an array of strings.');
  }
  return Object.freeze({ issuer: issuer.href, clientId: oidc.clientId, scopes: oidc.scopes });
}
