export {
  type Auth,
  type AuthOptions,
  type AuthorizeOptions,
  createAuth,
  DEFAULT_TIMEOUT,
  MAX_TIMEOUT,
  type SentHeaders,
} from './create-auth.js';
export {
  type ApiKeyOptions,
  type ApiKeyValue,
  apiKey,
  isWeaviateRead,
  type ReadWriteKeys,
} from './credentials/api-key.js';
export { type BearerTokenOptions, bearerToken } from './credentials/bearer-token.js';
export { type ClientCredentialsOptions, clientCredentials } from './credentials/client-credentials.js';
export type { OidcClientOptions } from './credentials/client-options.js';
export type {
  CredentialEnvironment,
  Credentials,
  OidcOptions,
  TokenProvider,
  TokenRequest,
  TokenSet,
} from './credentials/credentials.js';
export { type DeviceCodeOptions, type DevicePrompt, deviceCode } from './credentials/device-code.js';
export { type OidcPasswordOptions, oidcPassword } from './credentials/oidc-password.js';
export {
  type TokenSourceContext,
  type TokenSourceFunction,
  type TokenSourceOptions,
  tokenSource,
} from './credentials/token-source.js';
export { AuthClosedError } from './errors/auth-closed-error.js';
export { AuthError, type AuthErrorOptions } from './errors/auth-error.js';
export { ConfigurationError } from './errors/configuration-error.js';
export { DiscoveryError, type DiscoveryErrorOptions } from './errors/discovery-error.js';
export { InsecureTransportError } from './errors/insecure-transport-error.js';
export { InvalidTokenResponseError } from './errors/invalid-token-response-error.js';
export { isAuthError } from './errors/is-auth-error.js';
export { ReauthenticationRequiredError } from './errors/reauthentication-required-error.js';
export { SignInError, type SignInErrorOptions, type SignInFailure } from './errors/sign-in-error.js';
export { SignedOutError } from './errors/signed-out-error.js';
export { TimeoutError, type TimeoutErrorOptions } from './errors/timeout-error.js';
export { TokenRequestError, type TokenRequestErrorOptions } from './errors/token-request-error.js';
export type { AuthEvent, AuthEventListener, Grant, RefreshReason } from './events.js';
export {
  DEFAULT_EXPIRES_IN,
  MAX_EXPIRES_IN,
  MAX_OIDC_ANSWER_BYTES,
  MAX_REFRESH_AHEAD_MS,
  MAX_SAFETY_MARGIN_MS,
  MIN_REFRESH_INTERVAL_MS,
  MIN_SAFETY_MARGIN_MS,
} from './limits.js';
export type { TokenEndpointAuthMethod } from './oidc/client.js';
export { discoverWeaviateOidc } from './oidc/discover-weaviate-oidc.js';
export type { WeaviateOidcConfig } from './oidc/discovery.js';
export {
  type MemoryStore,
  memoryStore,
  type StoredToken,
  type TokenStore,
  type TokenStoreSetOptions,
} from './store.js';
