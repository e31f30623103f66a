import { ConfigurationError } from '../errors/configuration-error.js';
import { Redacted, redacted } from '../redact.js';
import type { CredentialEnvironment, Credentials, TokenProvider } from './credentials.js';
import { HEADER_NAME, requireToken } from './validate.js';

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
 * import { readFile } from 'node:fs/promises';
 * import { apiKey } from '@auth/core';
 *
 * const credentials = apiKey(async () => (await readFile('/run/secrets/api-key', 'utf8')).trim());
 * ```
 */
export type ApiKeyValue = string | (() => string | Promise<string>);

/**
 * Two keys for least privilege: reads go out with the read-only key, everything else with the admin key, so
 * that a write never goes out with the read-only key. Weaviate's reads: `GET` and `HEAD`, and the `POST`s
 * that read ({@link isWeaviateRead}: GraphQL, object validation, tokenization, permission checks, search and
 * aggregation); a request whose method the adapter did not give counts as a write. Other APIs: `isRead`.
 *
 * @example
 * ```ts
 * import { apiKey } from '@auth/core';
 *
 * const credentials = apiKey({ read: process.env.WEAVIATE_READ_ONLY_KEY!, write: process.env.WEAVIATE_ADMIN_KEY! });
 * ```
 */
export interface ReadWriteKeys {
  /** The read-only key (or a function that reads it). */
  readonly read: ApiKeyValue;
  /** The key with write access (or a function that reads it). */
  readonly write: ApiKeyValue;
  /** Which requests are reads. @default Weaviate's rule, {@link isWeaviateRead} */
  readonly isRead?: ((method: string, url: URL) => boolean) | undefined;
}

/**
 * The `POST`s that Weaviate authorizes as reads (the READ verb), so a read-only key may send them:
 * `/v1/graphql` and `/v1/graphql/batch` (`adapters/handlers/rest/handlers_graphql.go`), `/v1/objects/validate`
 * (`usecases/objects/validate.go`), `/v1/tokenize` and `/v1/schema/{class}/properties/{property}/tokenize`
 * (`adapters/handlers/rest/handlers_tokenize.go`), `/v1/authz/roles/{id}/has-permission`
 * (`adapters/handlers/rest/authz/handlers_authz.go`), `/v1/search/{collection}/{type}` and
 * `/v1/aggregate/{collection}` (`adapters/handlers/rest/search/`, which Weaviate's operational-mode middleware
 * also counts as reads).
 */
const WEAVIATE_READ_POST =
  /\/v1\/(?:graphql(?:\/batch)?|objects\/validate|(?:schema\/[^/]+\/properties\/[^/]+\/)?tokenize|authz\/roles\/[^/]+\/has-permission|search\/[^/]+\/[^/]+|aggregate\/[^/]+)\/?$/;

/**
 * Weaviate's reads: `GET` and `HEAD`, and the `POST`s Weaviate authorizes as reads (under any base path):
 * `/v1/graphql`, `/v1/graphql/batch`, `/v1/objects/validate`, `/v1/tokenize`,
 * `/v1/schema/{class}/properties/{property}/tokenize`, `/v1/authz/roles/{id}/has-permission`,
 * `/v1/search/{collection}/{type}` and `/v1/aggregate/{collection}`. Everything else writes.
 *
 * @example
 * ```ts
 * import { isWeaviateRead } from '@auth/core';
 *
 * isWeaviateRead('POST', new URL('https://my-cluster.weaviate.cloud/v1/search/Article/bm25')); // true
 * isWeaviateRead('POST', new URL('https://my-cluster.weaviate.cloud/v1/objects')); // false
 * ```
 */
export function isWeaviateRead(method: string, url: URL): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  return method === 'POST' && WEAVIATE_READ_POST.test(url.pathname);
}

const hint = 'Pass the API key, e.g. apiKey(process.env.WEAVIATE_API_KEY!): is the environment variable set?';

const checked = (key: unknown, where: string): ApiKeyValue =>
  typeof key === 'function' ? (key as ApiKeyValue) : requireToken(key, where, hint);

class ApiKeyCredentials extends Redacted implements Credentials {
  readonly kind = 'api_key';
  protected readonly label = 'ApiKeyCredentials';
  readonly #key: ApiKeyValue | ReadWriteKeys;
  readonly #header: string;

  constructor(key: ApiKeyValue | ReadWriteKeys, options: ApiKeyOptions) {
    super();
    if (typeof key === 'object' && key !== null) {
      const { isRead } = key;
      if (isRead !== undefined && typeof isRead !== 'function') {
        throw new ConfigurationError('apiKey(): `isRead` must be a function (method, url) => boolean.');
      }
      this.#key = {
        read: checked(key.read, 'apiKey(): the `read` key'),
        write: checked(key.write, 'apiKey(): the `write` key'),
        isRead,
      };
    } else {
      this.#key = checked(key, 'apiKey(): the key');
    }
    const header = options.header ?? 'Authorization';
    if (!HEADER_NAME.test(header)) {
      throw new ConfigurationError(`apiKey(): \`header\` must be an HTTP header name such as 'X-API-Key'.`);
    }
    this.#header = header;
  }

  bind(env: CredentialEnvironment): TokenProvider {
    if (env.oidc !== undefined) {
      throw new ConfigurationError(
        'createAuth(): an API key needs no `oidc` settings: remove them, or use an OIDC credential such as oidcPassword().',
      );
    }
    // `Authorization` is where a token goes unless said otherwise (as `Bearer <key>`).
    const header = this.#header.toLowerCase() === 'authorization' ? undefined : { name: this.#header };
    const key = this.#key;
    if (typeof key !== 'object') return keyProvider(key, header);
    const read = { ...keyProvider(key.read, header), role: 'read' };
    const write = { ...keyProvider(key.write, header), role: 'write' };
    const isRead = key.isRead ?? isWeaviateRead;
    return {
      grant: 'api_key',
      renewable: read.renewable || write.renewable,
      header,
      secrets: () => [...(read.secrets?.() ?? []), ...(write.secrets?.() ?? [])],
      select: (method, url) => (isRead(method, url) ? read : write),
    };
  }

  protected describe(): Record<string, unknown> {
    const shown = (key: ApiKeyValue) => (typeof key === 'function' ? '[function]' : redacted);
    const key = this.#key;
    return {
      kind: this.kind,
      key: typeof key === 'object' ? { read: shown(key.read), write: shown(key.write) } : shown(key),
      header: this.#header,
    };
  }
}

/** The provider of one key: fixed, or re-read from its function after a 401. */
function keyProvider(key: ApiKeyValue, header: TokenProvider['header']): TokenProvider {
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
 * // least privilege: apiKey({ read: readOnlyKey, write: adminKey })
 * ```
 */
export function apiKey(key: ApiKeyValue | ReadWriteKeys, options: ApiKeyOptions = {}): Credentials {
  return new ApiKeyCredentials(key, options);
}
