/**
 * The numbers core works within, public as `@auth/core` exports: token lifetimes, the spacing of token
 * requests, the size of a provider's answer. A module of their own, apart from the code that applies them
 * (`lifetime.ts`, `oidc/read-answer.ts`): a bundler that follows every import of `@auth/core`'s index
 * (esbuild's code splitting does) would otherwise put that code into the chunk every app loads.
 */

/**
 * The refresh-ahead window is the last quarter of a token's lifetime, and never more than this (ms).
 */
export const MAX_REFRESH_AHEAD_MS = 5 * 60_000;
/**
 * A token counts as expired this long before its real expiry (latency, clock skew, `exp` rounding): 10 % of
 * its lifetime, at least {@link MIN_SAFETY_MARGIN_MS} (at most half the lifetime), and at most this (ms).
 */
export const MAX_SAFETY_MARGIN_MS = 10_000;
/**
 * The safety margin is at least this (but never more than half the lifetime), in ms: JWT `exp` is whole
 * seconds, so a token may die up to a second before `expires_in` says.
 */
export const MIN_SAFETY_MARGIN_MS = 1_000;
/** Token requests never start closer together than this (ms), whatever the token lifetimes: no refresh storm. */
export const MIN_REFRESH_INTERVAL_MS = 500;
/** `expires_in` missing, zero, negative or not a number: the token is assumed to live this long (seconds). */
export const DEFAULT_EXPIRES_IN = 60;
/** `expires_in` larger than this is clamped to it (seconds): a token is renewed at least daily. */
export const MAX_EXPIRES_IN = 24 * 60 * 60;

/**
 * The most bytes core reads from one answer of a token endpoint or a discovery document (Weaviate's and the
 * provider's): 256 KiB. Real ones are a few kB (a token answer with a large JWT and an ID token stays under
 * 40 kB; Keycloak's discovery document, one of the largest, is about 7 kB). A larger answer is refused
 * without being read whole: its `Content-Length` is checked first, then the body is read up to this limit and
 * cancelled.
 */
export const MAX_OIDC_ANSWER_BYTES = 256 * 1024;
