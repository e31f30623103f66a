import { describe, expect, test } from 'vitest';
import { randomSecret } from './secrets.js';

describe('randomSecret', () => {
  test('URL-safe, distinct, and never starting with a dash (a command line would read it as an option)', () => {
    // One base64url secret in 64 starts with '-': 2,000 of them without the rule contain one all but surely.
    const secrets = Array.from({ length: 2_000 }, () => randomSecret());
    expect(secrets.filter((secret) => secret.startsWith('-'))).toEqual([]);
    expect(secrets.every((secret) => /^[A-Za-z0-9_-]{32}$/.test(secret))).toBe(true);
    expect(new Set(secrets).size).toBe(secrets.length);
  });
});
