import { AuthError, type AuthErrorOptions } from '@auth/core';

/**
 * Why a stored login cannot be used: there is none for the cluster (`missing`), the file cannot be read or
 * decrypted on this machine (`unreadable`: made on another one, changed, or not a login file), others than
 * its owner may read it (`permissions`), or the provider refused its refresh token and nothing is left to
 * renew with (`signed_out`).
 */
export type LoginFileProblem = 'missing' | 'unreadable' | 'permissions' | 'signed_out';

/**
 * A stored login (`weaviate-auth login`) cannot be used; the message says what to do (usually: run
 * `weaviate-auth login` again). Never holds a token.
 *
 * @example
 * ```ts
 * import { LoginFileError, storedLogin } from '@auth/cli/login';
 * try {
 *   storedLogin({ url: 'https://my-cluster.weaviate.cloud' });
 * } catch (error) {
 *   if (error instanceof LoginFileError && error.problem === 'missing') console.error(error.message);
 * }
 * ```
 */
export class LoginFileError extends AuthError {
  override name = 'LoginFileError';
  readonly problem: LoginFileProblem;
  /** The login file. */
  readonly file: string;

  constructor(message: string, options: AuthErrorOptions & { problem: LoginFileProblem; file: string }) {
    super(message, 'AUTH_STORED_LOGIN', options);
    this.problem = options.problem;
    this.file = options.file;
  }
}
