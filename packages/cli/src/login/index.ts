/**
 * `@auth/cli/login`: the logins `weaviate-auth login` stores, for an app to use, as client libraries use
 * gcloud's credentials: `createAuth({ ...storedLogin({ url }) })`.
 *
 * @packageDocumentation
 */
import { type Credentials, type DeviceCodeOptions, deviceCode, type TokenStore } from '@auth/core';
import { clusterUrl, configDir, type Env, loginFile, readLogin } from './login-file.js';
import { LoginFileError } from './login-file-error.js';
import { loginStore } from './login-store.js';

export { LoginFileError, type LoginFileProblem } from './login-file-error.js';

/**
 * Options of {@link storedLogin}.
 *
 * @example
 * ```ts
 * import type { StoredLoginOptions } from '@auth/cli/login';
 * const options: StoredLoginOptions = { url: 'https://my-cluster.weaviate.cloud' };
 * ```
 */
export interface StoredLoginOptions {
  /** The cluster `weaviate-auth login --url` signed in to. */
  readonly url: string;
  /** Where the logins are. @default what `weaviate-auth` uses (see {@link loginFilePath}) */
  readonly configDir?: string | undefined;
  /**
   * Lets the app sign the person in again (the device flow) when the provider refuses the stored refresh
   * token; the new tokens are stored. Without it, that is a `ReauthenticationRequiredError` saying to run
   * `weaviate-auth login` again.
   */
  readonly onPrompt?: DeviceCodeOptions['onPrompt'];
}

/** What {@link storedLogin} returns: the `baseUrl`, `credentials` and `store` options of `createAuth`. */
export interface StoredLogin {
  /** The cluster. */
  readonly baseUrl: string;
  /** A `deviceCode()` credential starting from the stored refresh token. */
  readonly credentials: Credentials;
  /** The login file: refreshed and rotated tokens are written back, under a file lock. */
  readonly store: TokenStore;
}

/**
 * The login `weaviate-auth login` stored for a cluster, ready for `createAuth`: no secret in the app's
 * configuration, and the CLI and every app on the machine share one token and one refresh. Throws
 * {@link LoginFileError} when there is no login for `url` (`missing`), or it cannot be used here.
 *
 * @example
 * ```ts
 * import { createAuth } from '@auth/core';
 * import { storedLogin } from '@auth/cli/login';
 * // after `weaviate-auth login --url https://my-cluster.weaviate.cloud`
 * const auth = createAuth({ ...storedLogin({ url: 'https://my-cluster.weaviate.cloud' }) });
 * const headers = await auth.authorize('/v1/meta');
 * ```
 */
export function storedLogin(options: StoredLoginOptions): StoredLogin {
  const baseUrl = clusterUrl(options.url);
  const file = loginFilePath(baseUrl, options.configDir);
  const login = readLogin(file);
  if (login === undefined) {
    throw new LoginFileError(
      `There is no stored login for ${baseUrl} (no ${file}). Sign in first: weaviate-auth login --url ${baseUrl}`,
      { problem: 'missing', file },
    );
  }
  const { refreshToken } = login.token;
  if (refreshToken === undefined && options.onPrompt === undefined) {
    throw new LoginFileError(
      `The stored login for ${baseUrl} has no refresh token left (the provider refused it). Sign in again: weaviate-auth login --url ${baseUrl}`,
      { problem: 'signed_out', file },
    );
  }
  const credentials = deviceCode({
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(options.onPrompt === undefined ? {} : { onPrompt: options.onPrompt }),
    ...(login.scopes.length > 0 ? { scopes: login.scopes } : {}),
    ...(login.clientId === undefined ? {} : { clientId: login.clientId }),
  });
  return { baseUrl, credentials, store: loginStore(file, login) };
}

/**
 * The file `weaviate-auth login` stores the login for cluster `url` in:
 * `<config>/logins/<host>-<hash>.json`, where `<config>` is `configDir`, else `WEAVIATE_AUTH_CONFIG_DIR`,
 * `$XDG_CONFIG_HOME/weaviate-auth`, `%APPDATA%\weaviate-auth` (Windows) or `~/.config/weaviate-auth`.
 *
 * @example
 * ```ts
 * import { loginFilePath } from '@auth/cli/login';
 * console.log(loginFilePath('https://my-cluster.weaviate.cloud'));
 * ```
 */
export function loginFilePath(url: string, dir?: string, env: Env = process.env): string {
  return loginFile(clusterUrl(url), dir ?? configDir(env));
}
