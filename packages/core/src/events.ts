import type { AuthError } from './errors/auth-error.js';

/**
 * The grant a token request ran. `api_key` is a key re-read from a function; `token_source` is a
 * `tokenSource()` function. A custom credential may name its own.
 */
export type Grant =
  | 'password'
  | 'refresh_token'
  | 'client_credentials'
  | 'token_source'
  | 'api_key'
  | (string & {});

/**
 * Why a token request started: no token yet (`initial`), the token is in its refresh-ahead window and is
 * still being served (`refresh-ahead`), it expired (`expired`), the server refused it (`unauthorized`), the
 * refresh token was refused and the primary grant runs instead (`invalid_grant`), a transient failure is
 * being retried (`retry`), or the token is revoked (`sign-out`, for a credential's `revoke`).
 */
export type RefreshReason =
  | 'initial'
  | 'refresh-ahead'
  | 'expired'
  | 'unauthorized'
  | 'invalid_grant'
  | 'retry'
  | 'sign-out';

/**
 * What the auth object reports through `onEvent`. No event carries a secret: URLs lose their query string,
 * errors are `AuthError`s.
 *
 * @example
 * ```ts
 * import { type AuthEvent, apiKey, createAuth } from '@auth/core';
 *
 * const auth = createAuth({
 *   baseUrl: 'http://localhost:8080',
 *   credentials: apiKey(process.env.WEAVIATE_API_KEY!),
 *   onEvent: (event: AuthEvent) => console.log(event.type, event),
 * });
 * ```
 */
export type AuthEvent =
  | {
      /** OIDC settings were read (once per auth object, and again only after a failure). */
      readonly type: 'discovery';
      readonly issuer: string;
      readonly clientId: string;
      /** The scopes the server advertises (empty with the `oidc` option). */
      readonly scopes: readonly string[];
      readonly tokenEndpoint: string;
    }
  | { readonly type: 'refresh-started'; readonly grant: Grant; readonly reason: RefreshReason }
  | {
      readonly type: 'refresh-succeeded';
      readonly grant: Grant;
      /** Seconds the new token lives, after clamping; absent when it does not expire (an API key). */
      readonly expiresIn?: number;
      readonly hasRefreshToken: boolean;
    }
  | {
      readonly type: 'refresh-failed';
      readonly grant: Grant;
      readonly error: AuthError;
      /** True when another attempt follows (backoff retry, or the primary grant after `invalid_grant`). */
      readonly willRetry: boolean;
    }
  | {
      /** `handleUnauthorized` was called for a request to an allowed origin. */
      readonly type: 'unauthorized';
      /** The request URL without query string. */
      readonly url: string;
    }
  | {
      /**
       * A shared token store (e.g. Redis) stopped answering: this auth object carries on alone, with the
       * token it last saw, until the store answers again. Reported by the store (`TokenStore.bind`).
       */
      readonly type: 'store-unavailable';
      readonly error: AuthError;
    }
  | {
      /** The token store answers again; sharing resumes. */
      readonly type: 'store-available';
    }
  | {
      /**
       * The token store hit a problem it recovered from, e.g. a stored value it cannot decrypt (a fresh token
       * replaces it).
       */
      readonly type: 'store-error';
      readonly error: AuthError;
    };

/**
 * Receives {@link AuthEvent}s. A listener that throws, or an async one that rejects, is ignored; it cannot
 * break authentication (nor end the process with an unhandled rejection).
 */
export type AuthEventListener = (event: AuthEvent) => void;

/**
 * Wraps a listener so that its exceptions and rejections never reach the token manager. `prepare` makes
 * each event what the listener may see (e.g. scrubbed of secrets); it runs only when there is a listener.
 */
export function safeEmitter(
  listener: AuthEventListener | undefined,
  prepare: (event: AuthEvent) => AuthEvent = (event) => event,
): AuthEventListener {
  if (!listener) return () => {};
  return (event) => {
    try {
      const result: unknown = listener(Object.freeze(prepare(event)));
      // A rejection nobody handles would end the process (Node's default): it is ignored like a throw.
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, () => {});
      }
    } catch {
      // A broken listener must not break authentication.
    }
  };
}
