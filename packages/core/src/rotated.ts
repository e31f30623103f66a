/**
 * A refresh token that came in an answer that was then rejected (an ID token or a `token_type` openid-client
 * refused, an unusable access token). The provider has already rotated the refresh token it was given, so
 * the new one must be kept, or the next refresh presents a used token (`invalid_grant`; real providers revoke
 * the whole grant on reuse). Kept beside the error in a WeakMap, never on it: an error must not carry a secret.
 */
const rotated = new WeakMap<object, string>();

/** Remembers `refreshToken` as the rotated refresh token of the failed answer `error` reports. */
export function withRotatedRefreshToken<E>(error: E, refreshToken: unknown): E {
  if (typeof error === 'object' && error !== null && typeof refreshToken === 'string' && refreshToken) {
    rotated.set(error, refreshToken);
  }
  return error;
}

/** The rotated refresh token a failed answer carried, if any. */
export function rotatedRefreshToken(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? rotated.get(error) : undefined;
}
