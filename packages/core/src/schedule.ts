/** The refresh-ahead window is the last quarter of a token's lifetime, and never more than this. */
export const MAX_REFRESH_AHEAD_MS = 5 * 60_000;
/** A token counts as expired this long before its real expiry (latency, clock skew): 10 % of its lifetime, at most this. */
export const MAX_SAFETY_MARGIN_MS = 10_000;
/** Token requests never start closer together than this, whatever the token lifetimes (no refresh storm). */
export const MIN_REFRESH_INTERVAL_MS = 500;
/** `expires_in` missing, zero, negative or not a number: the token is assumed to live this long (seconds). */
export const DEFAULT_EXPIRES_IN = 60;
/** `expires_in` larger than this is clamped to it (seconds): a token is renewed at least daily. */
export const MAX_EXPIRES_IN = 24 * 60 * 60;

/** Where a token is in its life: serve it, serve it and refresh in the background, or wait for a new one. */
export type Phase = 'fresh' | 'refresh-ahead' | 'expired';

export interface Timing {
  /** From here on, callers still get the token while one background refresh runs. */
  readonly refreshAt: number;
  /** From here on, callers wait for a new token. */
  readonly expiredAt: number;
}

/** The refresh-ahead math for a token obtained at `obtainedAt` (ms) that expires at `expiresAt` (ms). */
export function timing(obtainedAt: number, expiresAt: number): Timing {
  const lifetime = Math.max(0, expiresAt - obtainedAt);
  const expiredAt = expiresAt - Math.min(lifetime * 0.1, MAX_SAFETY_MARGIN_MS);
  return { refreshAt: expiredAt - Math.min(lifetime * 0.25, MAX_REFRESH_AHEAD_MS), expiredAt };
}

/** The phase of a token at `now`; a token without `expiresAt` is always fresh. */
export function phase(token: { obtainedAt: number; expiresAt?: number | undefined }, now: number): Phase {
  if (token.expiresAt === undefined) return 'fresh';
  const { refreshAt, expiredAt } = timing(token.obtainedAt, token.expiresAt);
  if (now >= expiredAt) return 'expired';
  return now >= refreshAt ? 'refresh-ahead' : 'fresh';
}

/**
 * A safe `expires_in` (seconds) from whatever a server sent: missing, zero, negative or non-numeric values
 * become {@link DEFAULT_EXPIRES_IN}, values above {@link MAX_EXPIRES_IN} are clamped to it.
 */
export function normalizeExpiresIn(value: unknown): number {
  const seconds = typeof value === 'string' ? Number(value.trim() || Number.NaN) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return DEFAULT_EXPIRES_IN;
  return Math.min(seconds, MAX_EXPIRES_IN);
}
