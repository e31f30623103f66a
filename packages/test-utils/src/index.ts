export { adapterContract } from './contract.js';
export {
  type CredentialKind,
  credentialKinds,
  heldTokenSource,
  numberedTokens,
  passwordGrant,
  renewableKinds,
  revokedCredentials,
  revokedTokens,
  serviceClient,
  statusWith,
} from './credentials.js';
export { HOME_KEY, MODULE_SECRET, sleep, test } from './fixture.js';
