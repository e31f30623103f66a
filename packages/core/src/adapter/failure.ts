import type { AuthFailureCandidate } from '../create-auth.js';
import type { AuthLike } from './auth-like.js';

/**
 * An answer your HTTP client has already read (axios' response): its status, its headers (a `Headers`, or a
 * plain record of names to values as axios keeps them) and its body (a string, or what the client parsed).
 */
export interface ReadAnswer {
  readonly status: number;
  readonly headers: Headers | object;
  readonly body: unknown;
}

/**
 * Whether an answer means the credential was refused, so that the adapter renews it
 * ({@link renewAfterUnauthorized}) and sends the request once more. Only a 4xx can be: for it, `auth`'s own
 * `isAuthFailure()` decides (the `isAuthFailure` option of `createAuth()`: a 403, a 419, a 400 with an error
 * code in the body...); an `auth` without that method (a hand-made one) counts a 401 alone.
 *
 * Any other status is `false` at once, without a promise: the common path stays lean.
 *
 * @param auth - the `auth` object the adapter was given.
 * @param answer - a fetch `Response` (`json()` then reads a clone: the caller's body stays unread), a
 *   {@link ReadAnswer} (`json()` parses a string body, gives an object or array as it is), or what
 *   `isAuthFailure()` takes.
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { isAuthFailure } from '@auth/core/adapter';
 *
 * const auth = createAuth({
 *   baseUrl: 'http://127.0.0.1:8080',
 *   credentials: apiKey('my-key'),
 *   isAuthFailure: ({ status }) => status === 401 || status === 419,
 * });
 * await isAuthFailure(auth, new Response(null, { status: 419 })); // true: renew and send once more
 * await isAuthFailure(auth, { status: 419, headers: {}, body: '' }); // the same, for an answer already read
 * ```
 */
export function isAuthFailure(
  auth: AuthLike,
  answer: Response | ReadAnswer | AuthFailureCandidate,
): boolean | Promise<boolean> {
  const { status } = answer;
  if (status < 400 || status > 499) return false;
  if (!auth.isAuthFailure) return status === 401;
  return auth.isAuthFailure(
    'clone' in answer
      ? {
          status,
          headers: answer.headers,
          json: () =>
            answer
              .clone()
              .json()
              .catch(() => undefined),
        }
      : 'json' in answer
        ? answer
        : { status, headers: toHeaders(answer.headers), json: async () => parsed(answer.body) },
  );
}

function toHeaders(headers: Headers | object): Headers {
  if (headers instanceof Headers) return headers;
  const copy = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    for (const one of [value].flat()) if (one != null) copy.append(name, String(one));
  }
  return copy;
}

/** A body already read, as `json()` gives it: a string parsed (undefined when it is not JSON), an object or array as is. */
function parsed(body: unknown): unknown {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  const prototype: unknown =
    body === null || typeof body !== 'object' ? undefined : Object.getPrototypeOf(body);
  return prototype === Object.prototype || prototype === Array.prototype || prototype === null
    ? body
    : undefined;
}
