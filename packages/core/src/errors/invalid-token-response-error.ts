// Defined in token-errors.ts, with the other errors of getting a token (see there why).
export { InvalidTokenResponseError } from './token-errors.js';
