import {
  DEFAULT_EXPIRES_IN,
  MAX_EXPIRES_IN,
  MAX_REFRESH_AHEAD_MS,
  MAX_SAFETY_MARGIN_MS,
  MIN_SAFETY_MARGIN_MS,
} from './limits.js';

// The numbers these rules use: defined in limits.ts, exported here too.
export {
  DEFAULT_EXPIRES_IN,
  MAX_EXPIRES_IN,
  MAX_REFRESH_AHEAD_MS,
  MAX_SAFETY_MARGIN_MS,
  MIN_REFRESH_INTERVAL_MS,
  MIN_SAFETY_MARGIN_MS,
} from './limits.js';

/**
 * What to do with the token a caller asks for: hand it out (`serve`), hand it out and start one background
 * refresh (`serve-and-refresh`, the refresh-ahead window), or wait for a new one (`wait`: there is none, or it
 * is expired or inside its safety margin).
 */
export type Decision = 'serve' | 'serve-and-refresh' | 'wait';

/** The two moments of a token's life that the decision turns on (epoch ms). */
export interface Timing {
  /** From here on, callers still get the token while one background refresh runs. */
  readonly refreshAt: number;
  /** From here on, callers wait for a new token. */
  readonly expiredAt: number;
}

/**
 * The refresh-ahead math for a token obtained at `obtainedAt` (ms) that expires at `expiresAt` (ms). The
 * window before the safety margin is the last quarter of the lifetime, at most {@link MAX_REFRESH_AHEAD_MS};
 * `refreshAhead` (ms) replaces that rule, but never covers more than half the lifetime (a token is served at
 * least that long before it is refreshed, whatever the setting).
 */
export function timing(obtainedAt: number, expiresAt: number, refreshAhead?: number): Timing {
  const lifetime = Math.max(0, expiresAt - obtainedAt);
  const margin = Math.min(Math.max(lifetime * 0.1, MIN_SAFETY_MARGIN_MS), MAX_SAFETY_MARGIN_MS, lifetime / 2);
  const expiredAt = expiresAt - margin;
  const window =
    refreshAhead === undefined
      ? Math.min(lifetime * 0.25, MAX_REFRESH_AHEAD_MS)
      : Math.min(refreshAhead, Math.max(0, expiredAt - obtainedAt - lifetime / 2));
  return { refreshAt: expiredAt - window, expiredAt };
}

/**
 * The decision for `token` at `now`; a token without `expiresAt` is served until the server refuses it.
 * `refreshAhead`: see {@link timing}.
 */
export function decide(
  token: { readonly obtainedAt: number; readonly expiresAt?: number | undefined } | undefined,
  now: number,
  refreshAhead?: number,
): Decision {
  if (token === undefined) return 'wait';
  if (token.expiresAt === undefined) return 'serve';
  const { refreshAt, expiredAt } = timing(token.obtainedAt, token.expiresAt, refreshAhead);
  if (now >= expiredAt) return 'wait';
  return now >= refreshAt ? 'serve-and-refresh' : 'serve';
}

/**
 * A safe `expires_in` (seconds) from whatever a server or token source sent: missing, zero, negative or
 * non-numeric values become {@link DEFAULT_EXPIRES_IN}, values above {@link MAX_EXPIRES_IN} are clamped to it.
 */
export function normalizeExpiresIn(value: unknown): number {
  const seconds = typeof value === 'string' ? Number(value.trim() || Number.NaN) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return DEFAULT_EXPIRES_IN;
  return Math.min(seconds, MAX_EXPIRES_IN);
}
