/**
 * Puts the headers `auth.authorize()` returned on a request: first removes the ones recorded in `fromAuth`
 * by an earlier call (so that a fresh credential replaces a stale one), then sets each header the caller
 * did not set themselves (or set to the very same value), and records its name, lower case, in `fromAuth`.
 * **A header the caller set wins** over the credential.
 *
 * Keep one `fromAuth` set per request: it says which headers to replace on a retry, to drop on a hop to
 * another origin ({@link followRedirects}) and to hide on an error.
 *
 * @param headers - the request's headers; changed in place.
 * @param credential - what `auth.authorize()` returned for the request's URL.
 * @param fromAuth - the names set from `auth` so far; updated in place.
 * @example
 * ```ts
 * import { applyAuthHeaders } from '@auth/core/adapter';
 *
 * const headers = new Headers({ 'X-OpenAI-Api-Key': 'mine' });
 * const fromAuth = new Set<string>();
 * applyAuthHeaders(headers, { Authorization: 'Bearer abc', 'X-OpenAI-Api-Key': 'module-key' }, fromAuth);
 * headers.get('x-openai-api-key'); // 'mine'
 * [...fromAuth]; // ['authorization']
 * ```
 */
export function applyAuthHeaders(
  headers: Headers,
  credential: Readonly<Record<string, string>>,
  fromAuth: Set<string>,
): void {
  for (const name of fromAuth) headers.delete(name);
  fromAuth.clear();
  for (const [name, value] of Object.entries(credential)) {
    if (!headers.has(name) || headers.get(name) === value) {
      headers.set(name, value);
      fromAuth.add(name.toLowerCase());
    }
  }
}
