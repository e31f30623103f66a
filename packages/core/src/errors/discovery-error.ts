// Defined in token-errors.ts, with the other errors of getting a token (see there why).
export { DiscoveryError, type DiscoveryErrorOptions } from './token-errors.js';
