import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random URL-safe secret (API key, password, client secret). */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Compares two secrets in constant time: both sides are hashed first, so neither the length nor the first
 * differing byte shows in the timing.
 */
export function secretEquals(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
