import type { UserCredentials } from './accounts.js';

/**
 * Options of `WeaviateServer.signIn()`: who signs in at the provider's page, or that the user says no.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type SignInOptions } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const options: SignInOptions = { user: 'read-only' };
 * // const callback = await server.signIn(authorizationUrl, options);
 * await server.close();
 * ```
 */
export interface SignInOptions {
  /** A role's default user, or a user's credentials (a wrong password makes `signIn` reject). @default 'admin' */
  user?: 'admin' | 'read-only' | UserCredentials;
  /** Press "Cancel" on the sign-in page instead: the provider sends the browser back with `access_denied`. */
  deny?: boolean;
}

/** Redirects and form posts one sign-in may take. */
const MAX_STEPS = 20;

/**
 * What a browser does between an authorization URL and the redirect URI: follows the provider's redirects
 * (keeping its cookies), fills in the sign-in page (or presses Cancel), and stops at the first URL outside
 * the provider's origin, which it returns without loading it.
 */
export async function browserSignIn(
  authorizationUrl: string,
  providerOrigin: string,
  user: UserCredentials | undefined,
): Promise<string> {
  const jar = new Map<string, string>();
  let url = new URL(authorizationUrl);
  let form: URLSearchParams | undefined;
  let submitted = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (url.origin !== providerOrigin) return url.href;
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(jar.size > 0 ? { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: form } : {}),
    });
    keepCookies(jar, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      form = undefined;
      continue;
    }
    const text = await response.text();
    const interaction = /^\/interaction\/[^/]+/.exec(url.pathname)?.[0];
    if (response.status === 200 && interaction && text.includes('data-page="Sign in"')) {
      if (submitted) {
        throw new Error('signIn: the provider refused the user name or password (its sign-in page says so).');
      }
      submitted = true;
      url = new URL(`${interaction}/${user ? 'login' : 'abort'}`, url);
      form = user
        ? new URLSearchParams({ username: user.username, password: user.password })
        : new URLSearchParams();
      continue;
    }
    const said = text
      .replace(/<style[\s\S]*?<\/style>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    throw new Error(
      `signIn: ${form ? 'POST' : 'GET'} ${url.origin}${url.pathname} answered ${response.status}: ${said.slice(0, 300)}`,
    );
  }
  throw new Error(`signIn: more than ${MAX_STEPS} steps without reaching the redirect URI.`);
}

/** Keeps the cookies of `Set-Cookie` headers (name and value; an expired one is dropped). */
function keepCookies(jar: Map<string, string>, headers: string[]): void {
  for (const header of headers) {
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = '', raw = ''] = attribute.split('=');
      const lower = key.trim().toLowerCase();
      if (lower === 'max-age') return Number(raw) <= 0;
      if (lower === 'expires') return Date.parse(raw) <= Date.now();
      return false;
    });
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}
