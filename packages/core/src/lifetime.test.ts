import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXPIRES_IN,
  decide,
  MAX_EXPIRES_IN,
  MAX_REFRESH_AHEAD_MS,
  MAX_SAFETY_MARGIN_MS,
  normalizeExpiresIn,
  timing,
} from './lifetime.js';

describe('timing', () => {
  it('puts the refresh-ahead window in the last quarter of the lifetime, before a 10 % safety margin', () => {
    expect(timing(0, 60_000)).toEqual({ refreshAt: 39_000, expiredAt: 54_000 });
  });

  it('keeps a safety margin of at least 1 s, but never more than half of a short lifetime', () => {
    expect(timing(0, 5_000)).toEqual({ refreshAt: 2_750, expiredAt: 4_000 });
    expect(timing(0, 2_000)).toEqual({ refreshAt: 500, expiredAt: 1_000 });
    expect(timing(0, 1_000)).toEqual({ refreshAt: 250, expiredAt: 500 });
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

describe('timing with refreshAhead', () => {
  it('puts the window where refreshAhead says, instead of the last quarter', () => {
    expect(timing(0, 3_600_000, 600_000)).toEqual({ refreshAt: 2_990_000, expiredAt: 3_590_000 });
    expect(timing(0, 60_000, 0)).toEqual({ refreshAt: 54_000, expiredAt: 54_000 });
  });

  it('never lets the window cover more than half the lifetime (no refresh right after a token arrives)', () => {
    expect(timing(0, 60_000, 3_600_000)).toEqual({ refreshAt: 30_000, expiredAt: 54_000 });
    expect(decide({ obtainedAt: 0, expiresAt: 60_000 }, 29_999, 3_600_000)).toBe('serve');
    expect(decide({ obtainedAt: 0, expiresAt: 60_000 }, 30_000, 3_600_000)).toBe('serve-and-refresh');
  });
});

describe('decide', () => {
  const token = { obtainedAt: 1_000, expiresAt: 5_000 };
  it.each([
    [1_000, 'serve'],
    [2_999, 'serve'],
    [3_000, 'serve-and-refresh'],
    [3_999, 'serve-and-refresh'],
    [4_000, 'wait'],
    [9_000, 'wait'],
  ])('at %i ms is %s', (now, expected) => {
    expect(decide(token, now)).toBe(expected);
  });

  it('serves a token without expiry forever, and waits when there is none', () => {
    expect(decide({ obtainedAt: 0 }, Number.MAX_SAFE_INTEGER)).toBe('serve');
    expect(decide(undefined, 0)).toBe('wait');
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
