import { apiKey, createAuth, tokenSource } from '@auth/core';

/** A token the bench pretends the provider issued; the echo server checks nothing. */
export const benchToken = 'bench-access-token-0123456789abcdef';

/**
 * An `auth` object holding a fresh cached token (one hour left), obtained once from a token source.
 * This is the state every request meets in steady operation.
 */
export function cachedTokenAuth(baseUrl: string) {
  return createAuth({
    baseUrl,
    credentials: tokenSource(async () => ({ accessToken: benchToken, expiresIn: 3600 })),
  });
}

/** An `auth` object with a static API key. */
export function apiKeyAuth(baseUrl: string) {
  return createAuth({ baseUrl, credentials: apiKey(benchToken) });
}
