import { ConfigurationError } from '../errors/configuration-error.js';
import { Redacted, redacted } from '../redact.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { requireToken } from './validate.js';

/**
 * Options of {@link apiKey}.
 */
export interface ApiKeyOptions {
  /**
   * The header that carries the key. `Authorization` sends `Bearer <key>` (Weaviate); any other name sends
   * the bare key (`X-API-Key: <key>`).
   * @default 'Authorization'
   */
  readonly header?: string | undefined;
}

/**
 * A key, or a function that reads the current key (from a vault, a file, an env var that rotates).
 *
 * @example
 * ```ts
 * apiKey(async () => (await readFile('/run/secrets/api-key', 'utf8')).trim());
 * ```
 */
export type ApiKeyValue = string | (() => string | Promise<string>);

const hint =
  'Pass the API key, e.g. apiKey(process.env.WEAVIATE_API_KEY!); if it comes from an environment variable, check that it is set.';

class ApiKeyCredentials extends Redacted implements Credentials {
  readonly kind = 'api_key';
  protected readonly label = 'ApiKeyCredentials';
  readonly #key: ApiKeyValue;
  readonly #header: string;

  constructor(key: ApiKeyValue, options: ApiKeyOptions) {
    super();
    this.#key = typeof key === 'function' ? key : requireToken(key, 'apiKey(): the key', hint);
    const header = options.header ?? 'Authorization';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
      throw new ConfigurationError(`apiKey(): \`header\` must be an HTTP header name such as 'X-API-Key'.`);
    }
    this.#header = header;
  }

  bind(env: CredentialEnvironment): TokenProvider {
    if (env.oidc !== undefined) {
      throw new ConfigurationError(
        'createAuth(): both an API key and `oidc` settings were given. An API key needs no OIDC; remove `oidc`, or use oidcPassword / clientCredentials / bearerToken.',
      );
    }
    const key = this.#key;
    const header =
      this.#header.toLowerCase() === 'authorization'
        ? { name: 'Authorization', scheme: 'Bearer' }
        : { name: this.#header };
    if (typeof key === 'string') {
      return {
        grant: 'api_key',
        renewable: false,
        initial: () => ({ accessToken: key }),
        header,
        secrets: () => [key],
      };
    }
    // A key function has no stable identity: its token store key holds a random id of this credential.
    return {
      grant: 'api_key',
      renewable: true,
      header,
      timeoutTarget: 'The apiKey() function',
      obtain: async () => ({
        accessToken: requireToken(await key(), 'apiKey(): the key the function returned', hint),
      }),
    };
  }

  protected describe(): Record<string, unknown> {
    return {
      kind: this.kind,
      key: typeof this.#key === 'function' ? '[function]' : redacted,
      header: this.#header,
    };
  }
}

/**
 * An API key, sent as `Authorization: Bearer <key>` (Weaviate's admin and read-only keys). Pass a function
 * instead of a string to have a rotated key re-read after a 401.
 *
 * @example
 * ```ts
 * import { createAuth, apiKey } from '@auth/core';
 * const auth = createAuth({
 *   baseUrl: 'https://my-cluster.weaviate.cloud',
 *   credentials: apiKey(process.env.WEAVIATE_API_KEY!),
 * });
 * // other APIs: apiKey(key, { header: 'X-API-Key' }); rotating keys: apiKey(() => readKeyFromVault())
 * ```
 */
export function apiKey(key: ApiKeyValue, options: ApiKeyOptions = {}): Credentials {
  return new ApiKeyCredentials(key, options);
}
