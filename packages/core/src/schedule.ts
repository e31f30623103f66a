/**
 * The refresh-ahead window is the last quarter of a token's lifetime, and never more than this.
 *
 * @example
 * ```ts
 * import { MAX_REFRESH_AHEAD_MS } from '@auth/core';
 * console.log(MAX_REFRESH_AHEAD_MS); // 300000
 * ```
 */
export const MAX_REFRESH_AHEAD_MS = 5 * 60_000;
/**
 * A token counts as expired this long before its real expiry (latency, clock skew, `exp` rounding): 10 % of
 * its lifetime, at least {@link MIN_SAFETY_MARGIN_MS} (at most half the lifetime), and at most this.
 *
 * @example
 * ```ts
 * import { MAX_SAFETY_MARGIN_MS } from '@auth/core';
 * console.log(MAX_SAFETY_MARGIN_MS); // 10000
 * ```
 */
export const MAX_SAFETY_MARGIN_MS = 10_000;
/**
 * The safety margin is at least this (but never more than half the lifetime): JWT `exp` is whole seconds,
 * so a token may die up to a second before `expires_in` says.
 *
 * @example
 * ```ts
 * import { MIN_SAFETY_MARGIN_MS } from '@auth/core';
 * console.log(MIN_SAFETY_MARGIN_MS); // 1000
 * ```
 */
export const MIN_SAFETY_MARGIN_MS = 1_000;
/**
 * Token requests never start closer together than this, whatever the token lifetimes (no refresh storm).
 *
 * @example
 * ```ts
 * import { MIN_REFRESH_INTERVAL_MS } from '@auth/core';
 * console.log(MIN_REFRESH_INTERVAL_MS); // 500
 * ```
 */
export const MIN_REFRESH_INTERVAL_MS = 500;
/**
 * `expires_in` missing, zero, negative or not a number: the token is assumed to live this long (seconds).
 *
 * @example
 * ```ts
 * import { DEFAULT_EXPIRES_IN } from '@auth/core';
 * console.log(DEFAULT_EXPIRES_IN); // 60
 * ```
 */
export const DEFAULT_EXPIRES_IN = 60;
/**
 * `expires_in` larger than this is clamped to it (seconds): a token is renewed at least daily.
 *
 * @example
 * ```ts
 * import { MAX_EXPIRES_IN } from '@auth/core';
 * console.log(MAX_EXPIRES_IN); // 86400
 * ```
 */
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
  const margin = Math.min(Math.max(lifetime * 0.1, MIN_SAFETY_MARGIN_MS), MAX_SAFETY_MARGIN_MS, lifetime / 2);
  const expiredAt = expiresAt - margin;
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
