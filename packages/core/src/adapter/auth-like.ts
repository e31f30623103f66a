import type { Auth } from '../create-auth.js';

/**
 * The methods of an `auth` object (from `createAuth()`) that an adapter calls: `authorize()` before a
 * request, `isAuthFailure()` on a 4xx answer, `handleUnauthorized()` after an auth failure. Typing an
 * adapter's parameter with it lets callers pass any object with `authorize` and `handleUnauthorized` (a test
 * double, a wrapper); one without `isAuthFailure` counts a 401 alone as an auth failure.
 */
export type AuthLike = Pick<Auth, 'authorize' | 'handleUnauthorized'> & Partial<Pick<Auth, 'isAuthFailure'>>;

/** What {@link checkAdapterArguments} checks. */
export interface AdapterArguments {
  /** The adapter's package name, first in every message, e.g. `'@auth/fetch'`. */
  readonly adapter: string;
  /** The call as the user writes it, e.g. `'withAuth(fetch, auth)'`. */
  readonly call: string;
  /** The `auth` argument the user passed. */
  readonly auth: unknown;
  /**
   * The check of what the adapter wraps, when it takes one: whether the argument fits, and what is needed
   * instead (e.g. `'a fetch function as its first argument'`).
   */
  readonly target?: { readonly valid: boolean; readonly needs: string } | undefined;
}

/**
 * Throws a `TypeError` that names the adapter and the call when an adapter is given something it cannot
 * use: a target that does not fit, or an `auth` without `authorize` and `handleUnauthorized`. The target
 * is checked first.
 *
 * @example
 * ```ts
 * import { checkAdapterArguments } from '@auth/core/adapter';
 *
 * checkAdapterArguments({
 *   adapter: 'my-adapter',
 *   call: 'withAuth(fetch, auth)',
 *   auth: {},
 *   target: { valid: typeof fetch === 'function', needs: 'a fetch function as its first argument' },
 * }); // TypeError: my-adapter: withAuth(fetch, auth) needs the object returned by createAuth() as auth.
 * ```
 */
export function checkAdapterArguments(args: AdapterArguments): void {
  const { adapter, call, auth, target } = args;
  if (target && !target.valid) throw new TypeError(`${adapter}: ${call} needs ${target.needs}.`);
  const candidate = auth as Partial<AuthLike> | null | undefined;
  if (typeof candidate?.authorize !== 'function' || typeof candidate.handleUnauthorized !== 'function') {
    throw new TypeError(`${adapter}: ${call} needs the object returned by createAuth() as auth.`);
  }
}
