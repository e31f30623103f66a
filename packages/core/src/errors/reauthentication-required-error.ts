// Defined in token-errors.ts, with the other errors of getting a token (see there why).
export { ReauthenticationRequiredError } from './token-errors.js';
