import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A random URL-safe secret (API key, password, client secret). Never one that starts with `-`: a test passes
 * it to a command line as `--api-key <secret>`, where a leading dash reads as an option (Weaviate's own keys
 * never start with one either).
 */
export function randomSecret(bytes = 24): string {
  for (;;) {
    const secret = randomBytes(bytes).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
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
