import { AuthError, type AuthErrorOptions } from './auth-error.js';

/**
 * Why a sign-in with a person in the loop (the device flow, the authorization code flow) did not give a token:
 *
 * - `access_denied`: the person (or the provider, for them) said no;
 * - `expired`: the code was not approved in time (RFC 8628 `expired_token`, or its `expires_in` passed);
 * - `cancelled`: the application stopped waiting (its `signal` aborted, e.g. the terminal closed), or its
 *   `onPrompt` failed;
 * - `state_mismatch`: the redirect back carries a `state` that no sign-in started here is waiting for (a
 *   forged or stale link, another tab, a sign-in completed already);
 * - `code_rejected`: the provider refused the authorization code (`invalid_grant`): used once already, or
 *   expired;
 * - `refused`: the provider sent the browser back with another OAuth error (`invalid_scope`,
 *   `server_error`, `login_required`...), or without a code;
 * - `unsupported`: the provider offers no endpoint for this flow (no `device_authorization_endpoint`, no
 *   `authorization_endpoint`);
 * - `required`: nobody has signed in (or the provider refused the sign-in's refresh token) and this
 *   credential may not ask the person again.
 */
export type SignInFailure =
  | 'access_denied'
  | 'expired'
  | 'cancelled'
  | 'state_mismatch'
  | 'code_rejected'
  | 'refused'
  | 'unsupported'
  | 'required';

/**
 * Options of a {@link SignInError}.
 */
export interface SignInErrorOptions extends AuthErrorOptions {
  readonly reason: SignInFailure;
  /** The flow: `device_code` or `authorization_code`. */
  readonly grant: string;
  /** The provider's OAuth `error` code, when it gave one (`access_denied`, `expired_token`, `invalid_grant`). */
  readonly error?: string | undefined;
  /** The provider's `error_description`, when it gave one. */
  readonly error_description?: string | undefined;
  /**
   * For `unsupported`: the grants the provider lists that can sign in instead (`password`,
   * `client_credentials`, `authorization_code`), as its discovery document names them.
   */
  readonly alternatives?: readonly string[] | undefined;
}

/**
 * A sign-in with a person in the loop failed: `reason` says how (see {@link SignInFailure}), the message says
 * what to do. Never retried by the token manager. Holds no code, verifier or token.
 *
 * @example
 * ```ts
 * import { type Auth, SignInError } from '@auth/core';
 *
 * declare const auth: Auth; // from createAuth()
 * try {
 *   await auth.authorize('/v1/meta');
 * } catch (error) {
 *   if (error instanceof SignInError && error.reason === 'expired') console.error('Too slow: run it again.');
 * }
 * ```
 */
export class SignInError extends AuthError {
  override name = 'SignInError';
  readonly reason: SignInFailure;
  readonly grant: string;
  readonly error: string | undefined;
  readonly error_description: string | undefined;
  /** For `unsupported`: the grants that can sign in instead (see {@link SignInErrorOptions.alternatives}). */
  readonly alternatives: readonly string[];

  constructor(message: string, options: SignInErrorOptions) {
    super(message, 'AUTH_SIGN_IN_FAILED', options);
    this.reason = options.reason;
    this.grant = options.grant;
    this.error = options.error;
    this.error_description = options.error_description;
    this.alternatives = Object.freeze([...(options.alternatives ?? [])]);
  }
}
