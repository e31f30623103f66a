import type { HeadersInput } from './web-types.js';

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

/**
 * The headers to send a request with: the caller's, left untouched, plus each header from `auth` that the
 * caller did not set (or set to the very same value). **A header the caller set wins** over the credential,
 * as with {@link applyAuthHeaders}, which changes a `Headers` in place instead.
 *
 * It copies as little as it can, for the hot path: no caller headers gives the credential record itself;
 * headers from `auth` that add nothing give the caller's own object; a plain object gives a new plain
 * object; anything else (a `Headers`, pairs) a new `Headers`.
 *
 * @param caller - the request's headers as the caller gave them (a fetch `init.headers`).
 * @param credential - what `auth.authorize()` returned for the request's URL.
 * @returns the headers to send, and the names taken from `credential` (as it spells them): the ones to drop
 *   on a hop to another origin ({@link followRedirects}).
 * @example
 * ```ts
 * import { withAuthHeaders } from '@auth/core/adapter';
 *
 * const [headers, fromAuth] = withAuthHeaders(
 *   { 'x-openai-api-key': 'mine' },
 *   { Authorization: 'Bearer abc', 'X-OpenAI-Api-Key': 'module-key' },
 * );
 * // headers: { 'x-openai-api-key': 'mine', Authorization: 'Bearer abc' }; fromAuth: ['Authorization']
 * ```
 */
export function withAuthHeaders(
  caller: HeadersInput | null | undefined,
  credential: Readonly<Record<string, string>>,
): [headers: Headers | Readonly<Record<string, string>>, fromAuth: string[]] {
  const names = Object.keys(credential);
  if (caller === undefined || caller === null) return [credential, names];
  const fromAuth: string[] = [];
  const prototype: unknown = Object.getPrototypeOf(caller);
  if (prototype === Object.prototype || prototype === null) {
    const record = caller as Readonly<Record<string, string>>;
    const keys = Object.keys(record);
    let copy: Record<string, string> | undefined;
    for (const name of names) {
      const value = credential[name] as string;
      const lower = name.toLowerCase();
      const own = keys.find((key) => key.toLowerCase() === lower);
      if (own === undefined) {
        // Not `{ ...record }`: V8 adds a key to a spread copy on a slow path (~300 ns against ~45 ns).
        copy ??= Object.assign({}, record);
        copy[name] = value;
      } else if (String(record[own]) !== value) continue;
      fromAuth.push(name);
    }
    return [copy ?? record, fromAuth];
  }
  const headers = caller instanceof Headers && names.length === 0 ? caller : new Headers(caller);
  for (const name of names) {
    const value = credential[name] as string;
    const own = headers.get(name);
    if (own !== null && own !== value) continue;
    headers.set(name, value);
    fromAuth.push(name);
  }
  return [headers, fromAuth];
}
