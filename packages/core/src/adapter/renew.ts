import type { SentHeaders } from '../create-auth.js';
import type { AuthLike } from './auth-like.js';

/**
 * The one rule for a 401: asks `auth.handleUnauthorized()` whether a retry can succeed. `true`: send the
 * request once more with the headers of a new `authorize()` call (and never a second time).
 *
 * When no new credential can be had (the refresh token was revoked, the password changed), the rejection
 * is swallowed and this resolves `false`: the caller gets the 401 as their client returns it, `auth`
 * reports the failure through `onEvent`, and the next request's `authorize()` throws it. Only when the
 * caller's `signal` has aborted does the rejection (the abort reason) come through.
 *
 * @param auth - the `auth` object the adapter was given.
 * @param url - the URL that answered 401 (after redirects: the last hop's).
 * @param sent - the headers that request carried (so that only the token it sent is dropped).
 * @param init - the caller's `signal`, which also aborts the wait for a new token.
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { renewAfterUnauthorized } from '@auth/core/adapter';
 *
 * const readKey = async () => process.env.WEAVIATE_API_KEY!; // a rotated key: from a vault, a file
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey(() => readKey()) });
 * const url = 'http://127.0.0.1:8080/v1/schema';
 * let headers = await auth.authorize(url);
 * let response = await fetch(url, { headers });
 * if (response.status === 401 && (await renewAfterUnauthorized(auth, url, headers))) {
 *   headers = await auth.authorize(url); // a new credential exists: retry once
 *   response = await fetch(url, { headers });
 * }
 * ```
 */
export async function renewAfterUnauthorized(
  auth: AuthLike,
  url: string | URL,
  sent: SentHeaders,
  init: { readonly signal?: AbortSignal | undefined } = {},
): Promise<boolean> {
  const { signal } = init;
  try {
    return await auth.handleUnauthorized(url, sent, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw error;
    return false;
  }
}
