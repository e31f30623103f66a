/**
 * `@auth/core/browser`: signing in in a browser (the authorization code flow with PKCE) and keeping the
 * token in the tab's `sessionStorage`. Only a browser app loads it; the rest of core is in `@auth/core`.
 *
 * @packageDocumentation
 */
export {
  type AuthorizationCodeCredentials,
  type AuthorizationCodeOptions,
  authorizationCode,
  type SignInStorage,
} from './authorization-code.js';
export { sessionStorageStore } from './session-storage-store.js';
