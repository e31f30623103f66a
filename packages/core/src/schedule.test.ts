import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXPIRES_IN,
  MAX_EXPIRES_IN,
  MAX_REFRESH_AHEAD_MS,
  MAX_SAFETY_MARGIN_MS,
  normalizeExpiresIn,
  phase,
  timing,
} from './schedule.js';

describe('timing', () => {
  it('puts the refresh-ahead window in the last quarter of a short lifetime, after a 10 % safety margin', () => {
    expect(timing(0, 1_000)).toEqual({ refreshAt: 650, expiredAt: 900 });
    expect(timing(0, 60_000)).toEqual({ refreshAt: 39_000, expiredAt: 54_000 });
  });

  it('caps the window at 5 minutes and the margin at 10 s for long lifetimes', () => {
    const hour = 3_600_000;
    expect(timing(0, hour)).toEqual({
      refreshAt: hour - MAX_SAFETY_MARGIN_MS - MAX_REFRESH_AHEAD_MS,
      expiredAt: hour - MAX_SAFETY_MARGIN_MS,
    });
  });

  it('gives a zero lifetime no window at all', () => {
    expect(timing(5, 5)).toEqual({ refreshAt: 5, expiredAt: 5 });
  });
});

describe('phase', () => {
  const token = { obtainedAt: 1_000, expiresAt: 2_000 };
  it.each([
    [1_000, 'fresh'],
    [1_649, 'fresh'],
    [1_650, 'refresh-ahead'],
    [1_899, 'refresh-ahead'],
    [1_900, 'expired'],
    [5_000, 'expired'],
  ])('at %i ms is %s', (now, expected) => {
    expect(phase(token, now)).toBe(expected);
  });

  it('keeps a token without expiry fresh', () => {
    expect(phase({ obtainedAt: 0 }, Number.MAX_SAFE_INTEGER)).toBe('fresh');
  });
});

describe('normalizeExpiresIn', () => {
  it.each([
    [undefined, DEFAULT_EXPIRES_IN],
    [0, DEFAULT_EXPIRES_IN],
    [-30, DEFAULT_EXPIRES_IN],
    ['soon', DEFAULT_EXPIRES_IN],
    ['', DEFAULT_EXPIRES_IN],
    [Number.NaN, DEFAULT_EXPIRES_IN],
    [Number.POSITIVE_INFINITY, DEFAULT_EXPIRES_IN],
    ['3600', 3600],
    [1, 1],
    [3600, 3600],
    [10 ** 12, MAX_EXPIRES_IN],
  ])('turns %j into %j', (input, expected) => {
    expect(normalizeExpiresIn(input)).toBe(expected);
  });
});
