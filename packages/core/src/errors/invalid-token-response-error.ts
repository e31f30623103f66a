import type { TokenRequestErrorOptions } from './token-request-error.js';
import { TokenRequestError } from './token-request-error.js';

/**
 * The token endpoint (or a token source) answered, but not with a usable token: no `access_token`, a
 * `token_type` other than `Bearer`, or a body that is not JSON. No header is built from such an answer
 * (never `Bearer undefined`).
 */
export class InvalidTokenResponseError extends TokenRequestError {
  override name = 'InvalidTokenResponseError';

  constructor(message: string, options: TokenRequestErrorOptions) {
    super(message, options, 'AUTH_INVALID_TOKEN_RESPONSE');
  }
}
