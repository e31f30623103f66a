import type { TokenProvider, TokenSet } from './credentials/credentials.js';
import {
  BEARER_SCHEME,
  CANNOT_CARRY,
  NOT_IN_A_HEADER,
  WHITESPACE_OR_CONTROL,
} from './credentials/validate.js';
import { InvalidTokenResponseError } from './errors/invalid-token-response-error.js';
import type { Grant } from './events.js';
import { normalizeExpiresIn } from './lifetime.js';
import type { StoredToken } from './store.js';

// A token as it is stored: checked here, for the token manager (a token known up front) and the grants
// (every answer). The manager's chunk holds this module; it hands `toStored` to the grants, which load with
// the first token request.

/**
 * A token known up front (a static key, a given bearer token). Its `expiresIn` is what is left of its life,
 * counted by the credential itself: 0 (or less) means it expired already and must never be sent (unlike a
 * token answer's `expires_in`, where 0 means "unknown"). Only a refresh token: stored as an expired entry
 * with no access token, so that the first caller waits for the refresh-token grant.
 */
export function seedToken(set: ReturnType<NonNullable<TokenProvider['initial']>>, now: number): StoredToken {
  const refreshToken = nonEmpty(set?.refreshToken);
  if (set?.accessToken === undefined && refreshToken !== undefined) {
    return { accessToken: '', refreshToken, obtainedAt: now, expiresAt: now };
  }
  const { expiresIn } = set as TokenSet;
  const expired = typeof expiresIn === 'number' && !(expiresIn > 0);
  const token = toStored(
    expired ? { ...(set as TokenSet), expiresIn: undefined } : (set as TokenSet),
    now,
    refreshToken,
  );
  return expired ? { ...token, expiresAt: now } : token;
}

/** A token answer as it is stored and sent; throws {@link InvalidTokenResponseError} for an unusable one. */
export function toStored(
  set: TokenSet,
  startedAt: number,
  refreshToken: string | undefined,
  grant?: Grant,
): StoredToken {
  const source = grant ?? 'token';
  // A token read from a file often ends in a newline: HTTP clients trim header values, so the token must be
  // stored as it is sent (a 401 is matched against the stored token).
  const accessToken = typeof set?.accessToken === 'string' ? set.accessToken.trim() : '';
  // A line break, a control character or a character above U+00FF cannot go in a header (HTTP clients throw
  // an error that shows the value, or send other bytes); the same rule as for API keys. Never show the token.
  const problem =
    accessToken === ''
      ? 'no access token'
      : BEARER_SCHEME.test(accessToken)
        ? 'an access token that starts with `Bearer ` (return the token alone: the scheme is added for you)'
        : WHITESPACE_OR_CONTROL.test(accessToken)
          ? 'an access token with whitespace or control characters inside (a line break?), which cannot be sent in an HTTP header'
          : NOT_IN_A_HEADER.test(accessToken)
            ? `an access token with ${CANNOT_CARRY}`
            : undefined;
  if (problem) {
    throw new InvalidTokenResponseError(
      `The ${source} answer has ${problem}. Check what the token source or provider returns.`,
      { grant: grant ?? 'token_source' },
    );
  }
  return {
    accessToken,
    refreshToken,
    obtainedAt: startedAt,
    // Absent: the token does not expire (used until the server refuses it). Otherwise the one rule for
    // every expires_in: zero, negative or non-numeric -> DEFAULT_EXPIRES_IN, huge -> MAX_EXPIRES_IN.
    expiresAt: set.expiresIn === undefined ? undefined : startedAt + normalizeExpiresIn(set.expiresIn) * 1000,
  };
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
