// One client facade per adapter: "a GET or POST through adapter X, with auth or bare", the same for the
// adapter contract suite, the demo, the reliability suite and the benchmarks. No Node built-in is imported at
// the top: the demo bundles this file for the browser.
import type { Auth } from '@auth/core';
import type { FetchFunction } from '@auth/core/adapter';
import axios, {
  type AxiosInstance,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
  isAxiosError,
} from 'axios';
import { ClientError, GraphQLClient } from 'graphql-request';
import ky, { HTTPError, type KyInstance } from 'ky';
import ky2, { HTTPError as HTTPError2 } from 'ky2';

type AuthLike = Pick<Auth, 'authorize' | 'handleUnauthorized'>;
type GraphQLClientOptions = NonNullable<ConstructorParameters<typeof GraphQLClient>[1]>;

/**
 * The adapters' `withAuth` functions. This package cannot depend on the adapters (their tests depend on it),
 * so whoever builds a facade hands in the adapter it exercises.
 */
export interface WithAuth {
  fetch: (fetch: FetchFunction, auth: AuthLike) => FetchFunction;
  axios: (instance: AxiosInstance, auth: AuthLike) => AxiosInstance;
  ky: (instance: KyInstance, auth: AuthLike) => KyInstance;
  graphqlRequest: (options: GraphQLClientOptions, auth: AuthLike) => GraphQLClientOptions;
}

/** The HTTP clients the facades drive. */
export type AdapterName = 'fetch' | 'axios' | 'ky 1' | 'ky 2' | 'graphql-request';

/** How a ky instance is given its base: ky 1's `prefixUrl`, ky 2's `prefix` or ky 2's `baseUrl`. */
export type KyBase = 'prefixUrl' | 'prefix' | 'baseUrl';

/** How a client is built, besides its `auth` and base. */
export interface ClientOptions {
  /** Headers set on the instance (axios, ky, graphql-request options); fetch adds them to each request. */
  headers?: Record<string, string>;
  /** The fetch function under fetch, ky and graphql-request (default: the global one). */
  fetch?: FetchFunction;
  /** More options for `axios.create()` (`adapter`, `httpAgent`, `validateStatus`...). */
  axios?: CreateAxiosDefaults;
  /** More options for `ky.create()` (`retry`...). */
  ky?: Record<string, unknown>;
  /** A timeout per request, in ms: the library's own where it has one, else an `AbortSignal.timeout`. */
  timeout?: number;
  /** Every error the library throws is pushed here too. */
  thrown?: unknown[];
  /**
   * For each request the client sends, in order: whether the adapter marked it as its one retry after an auth
   * failure (`authRetry`), as the transport under the client sees it (an axios adapter, the fetch under ky,
   * fetch and graphql-request).
   */
  authRetries?: boolean[];
}

/** One request through a facade. */
export interface ClientRequest {
  /** Default `GET`; graphql-request always POSTs its query. */
  readonly method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A JSON body (REST clients). */
  readonly body?: unknown;
  /** Send `body` as a one-shot stream (fetch, axios, ky); graphql-request cannot. */
  readonly stream?: boolean;
  /** Headers for this request only. */
  readonly headers?: Record<string, string>;
  /** Send it without auth, in the client's own idiom (fetch `init`, axios config, ky `context`, a graphql-request middleware). */
  readonly skipAuth?: boolean;
  readonly signal?: AbortSignal;
  /** graphql-request: the query (default: {@link DEFAULT_QUERY}). */
  readonly query?: string;
}

/** What the caller got: the status (the library's own HTTP error counts as one) and the parsed body. */
export interface Reply {
  readonly status: number;
  /**
   * The JSON body (graphql-request: the `data`), or its text; for the library's own HTTP error, the body it
   * keeps there (none for graphql-request).
   */
  readonly body: unknown;
}

/**
 * A client with `withAuth` applied (or bare). A target is a path under the base, or an absolute URL sent as
 * is. Both methods reject with anything that is not an HTTP status (an `AuthError`, an abort, a network error).
 */
export interface Client {
  readonly adapter: AdapterName;
  /** Sends the request and drains the body: resolves with the status. */
  request(target: string, init?: ClientRequest): Promise<number>;
  /** Sends the request and parses the body. */
  send(target: string, init?: ClientRequest): Promise<Reply>;
}

/** Builds clients of one HTTP library. */
export interface Adapter {
  readonly name: AdapterName;
  /** The name with how it is set up, e.g. `ky 2 (baseUrl)`. */
  readonly label: string;
  /**
   * graphql-request: every request is a query POSTed to the target when it is absolute or ends in
   * `/graphql`; any other path means `/v1/graphql` at the base's origin (Weaviate's one GraphQL endpoint).
   */
  readonly graphql: boolean;
  /** Whether `stream: true` is possible. */
  readonly streams: boolean;
  /**
   * A client for `base` (an origin, optionally with a path; `''`: an instance without a base, for absolute
   * URLs only) with `auth` applied; without `auth`, bare.
   */
  create(auth: Auth | undefined, base: string, options?: ClientOptions): Client;
}

/** The query graphql-request sends when none is given: one that any server answers, objects or none. */
export const DEFAULT_QUERY = '{ __typename }';

/** The HTTP status inside a library's own HTTP error, or `undefined` for any other error. */
export function httpStatusOf(error: unknown): number | undefined {
  if (isAxiosError(error)) return error.response?.status;
  if (error instanceof HTTPError || error instanceof HTTPError2) return error.response.status;
  // A ClientError with a 2xx carries GraphQL errors: not an HTTP status.
  if (error instanceof ClientError && error.response.status >= 300) return error.response.status;
  return undefined;
}

/** The body of a library's own HTTP error, where the library keeps it (graphql-request: none). */
async function httpBodyOf(error: unknown): Promise<unknown> {
  if (isAxiosError(error)) return error.response?.data;
  if (error instanceof HTTPError2) return error.data; // ky 2 reads the body for its error
  if (error instanceof HTTPError) return readBody(error.response, true);
  return undefined;
}

const isAbsolute = (target: string): boolean => /^https?:\/\//.test(target);

/** `target` under `base`, or `target` itself when it is absolute. */
export function resolveTarget(base: string, target: string): string {
  return isAbsolute(target) ? target : `${base.replace(/\/$/, '')}/${target.replace(/^\//, '')}`;
}

function signalOf(init: ClientRequest, timeout: number | undefined): AbortSignal | undefined {
  const signals = [init.signal, timeout === undefined ? undefined : AbortSignal.timeout(timeout)];
  const given = signals.filter((signal) => signal !== undefined);
  return given.length > 1 ? AbortSignal.any(given) : given[0];
}

async function readBody(response: Response, parse: boolean): Promise<unknown> {
  if (!parse) {
    await response.arrayBuffer();
    return undefined;
  }
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const jsonHeaders = (init: ClientRequest) =>
  init.body === undefined ? {} : { 'content-type': 'application/json' };

const webStream = (body: unknown) => new Blob([JSON.stringify(body)]).stream();

type Send = (target: string, init: ClientRequest, parse: boolean) => Promise<Reply>;

/** `fetch`, noting in `log` (when given) whether each call is an adapter's retry after an auth failure. */
function marking(fetch: FetchFunction, log: boolean[] | undefined): FetchFunction {
  if (!log) return fetch;
  return (input, init) => {
    log.push((init as { authRetry?: boolean } | undefined)?.authRetry === true);
    return fetch(input, init);
  };
}

function facade(adapter: AdapterName, options: ClientOptions, send: Send): Client {
  const settle = async (target: string, init: ClientRequest, parse: boolean): Promise<Reply> => {
    try {
      return await send(target, init, parse);
    } catch (error) {
      options.thrown?.push(error);
      const status = httpStatusOf(error);
      if (status === undefined) throw error;
      return { status, body: parse ? await httpBodyOf(error) : undefined };
    }
  };
  return {
    adapter,
    request: async (target, init = {}) => (await settle(target, init, false)).status,
    send: (target, init = {}) => settle(target, init, true),
  };
}

/** A REST client's adapter: any method, path and body; stream bodies too. */
const restAdapter = (name: AdapterName, label: string, create: Adapter['create']): Adapter => ({
  name,
  label,
  graphql: false,
  streams: true,
  create,
});

/** The facade over `@auth/fetch`. */
export function fetchAdapter(withAuth: WithAuth['fetch']): Adapter {
  return restAdapter('fetch', 'fetch', (auth, base, options = {}) => {
    const inner = marking(options.fetch ?? globalThis.fetch, options.authRetries);
    const authed = auth ? withAuth(inner, auth) : inner;
    return facade('fetch', options, async (target, init, parse) => {
      const signal = signalOf(init, options.timeout);
      const response = await authed(resolveTarget(base, target), {
        method: init.method ?? 'GET',
        headers: { ...jsonHeaders(init), ...options.headers, ...init.headers },
        ...(init.body === undefined
          ? {}
          : { body: init.stream ? webStream(init.body) : JSON.stringify(init.body) }),
        ...(init.stream ? { duplex: 'half' } : {}),
        ...(signal ? { signal } : {}),
        ...(init.skipAuth ? { skipAuth: true } : {}),
      } as RequestInit);
      return { status: response.status, body: await readBody(response, parse) };
    });
  });
}

/**
 * The axios adapters (transports) a facade can use: axios' default (Node's http module in Node, XHR in
 * browsers) or its fetch adapter.
 */
export type AxiosKind = 'default' | 'fetch';

/** The facade over `@auth/axios`, on axios' default adapter or its fetch adapter. */
export function axiosAdapter(withAuth: WithAuth['axios'], kind: AxiosKind = 'default'): Adapter {
  const label = kind === 'fetch' ? 'axios (fetch adapter)' : 'axios';
  return restAdapter('axios', label, (auth, base, options = {}) => {
    const log = options.authRetries;
    const instance = axios.create({
      ...(base ? { baseURL: base } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(kind === 'fetch' ? { adapter: 'fetch' } : {}),
      // @auth/axios sends its retry below axios, through the request's adapter: that is where it is marked.
      ...(log
        ? {
            adapter: (config: InternalAxiosRequestConfig) => {
              log.push((config as { authRetry?: boolean }).authRetry === true);
              return axios.getAdapter(kind === 'fetch' ? 'fetch' : axios.defaults.adapter, config)(config);
            },
          }
        : {}),
      ...options.axios,
    });
    const api = auth ? withAuth(instance, auth) : instance;
    return facade('axios', options, async (target, init, parse) => {
      let data = init.body;
      if (init.stream) {
        // Node only (axios sends a Node stream); loaded here so that the browser bundle never needs it.
        const { Readable } = await import('node:stream');
        data = Readable.from([JSON.stringify(init.body)]);
      }
      const response = await api.request({
        url: target,
        method: init.method ?? 'GET',
        ...(data === undefined ? {} : { data }),
        headers: { ...(init.stream ? jsonHeaders(init) : {}), ...init.headers },
        ...(init.signal ? { signal: init.signal } : {}),
        ...(init.skipAuth ? { skipAuth: true } : {}),
      });
      return { status: response.status, body: parse ? response.data : undefined };
    });
  });
}

const kyFactories: Record<KyBase, { name: AdapterName; create: (options: object) => KyInstance }> = {
  prefixUrl: { name: 'ky 1', create: (options) => ky.create(options) },
  prefix: { name: 'ky 2', create: (options) => ky2.create(options) as unknown as KyInstance },
  baseUrl: { name: 'ky 2', create: (options) => ky2.create(options) as unknown as KyInstance },
};

/** The facade over `@auth/ky`, on ky 1 (`prefixUrl`) or ky 2 (`prefix` or `baseUrl`). */
export function kyAdapter(withAuth: WithAuth['ky'], base: KyBase): Adapter {
  const { name, create } = kyFactories[base];
  return restAdapter(name, `${name} (${base})`, (auth, url, options = {}) => {
    const instance = create({
      // Paths go without their leading slash, so a base URL needs its trailing one.
      ...(url ? { [base]: base === 'baseUrl' ? `${url.replace(/\/$/, '')}/` : url } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      // @auth/ky sends its retry below ky, through the instance's fetch: that is where it is marked.
      ...(options.fetch || options.authRetries
        ? { fetch: marking(options.fetch ?? globalThis.fetch, options.authRetries) }
        : {}),
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...options.ky,
    });
    const api = auth ? withAuth(instance, auth) : instance;
    return facade(name, options, async (target, init, parse) => {
      const absolute = isAbsolute(target);
      const headers = { ...(init.stream ? jsonHeaders(init) : {}), ...init.headers };
      const response = await api(absolute ? target : target.replace(/^\//, ''), {
        method: init.method ?? 'GET',
        ...(init.body === undefined
          ? {}
          : init.stream
            ? { body: webStream(init.body) }
            : { json: init.body }),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
        ...(init.skipAuth ? { context: { skipAuth: true } } : {}),
        // An absolute URL goes where it says, also on an instance with a prefix.
        ...(absolute && url && base !== 'baseUrl' ? { [base]: '' } : {}),
      });
      return { status: response.status, body: await readBody(response, parse) };
    });
  });
}

/** The facade over `@auth/graphql-request`: every request is a GraphQL query. */
export function graphqlRequestAdapter(withAuth: WithAuth['graphqlRequest']): Adapter {
  return {
    name: 'graphql-request',
    label: 'graphql-request',
    graphql: true,
    streams: false,
    create: (auth, base, options = {}) => {
      const clientOptions: GraphQLClientOptions = {
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.fetch || options.authRetries
          ? { fetch: marking(options.fetch ?? globalThis.fetch, options.authRetries) }
          : {}),
      };
      // Requests without auth go through a client whose middleware marks each one `skipAuth`.
      const skipping: GraphQLClientOptions = {
        ...clientOptions,
        requestMiddleware: (request) => ({ ...request, skipAuth: true }) as typeof request,
      };
      const authed = auth ? withAuth(clientOptions, auth) : clientOptions;
      const authedSkipping = auth ? withAuth(skipping, auth) : skipping;
      const clients = new Map<string, GraphQLClient>();
      const clientFor = (endpoint: string, skipAuth: boolean) => {
        let client = clients.get(`${skipAuth}:${endpoint}`);
        if (!client) {
          client = new GraphQLClient(endpoint, skipAuth ? authedSkipping : authed);
          clients.set(`${skipAuth}:${endpoint}`, client);
        }
        return client;
      };
      return facade('graphql-request', options, async (target, init) => {
        if (init.stream) throw new TypeError('graphql-request sends no stream bodies');
        const endpoint =
          isAbsolute(target) || /(^|\/)graphql$/.test(target.split('?')[0] ?? '')
            ? resolveTarget(base, target)
            : new URL('/v1/graphql', base).href;
        const signal = signalOf(init, options.timeout);
        const data = await clientFor(endpoint, init.skipAuth === true).request<unknown>({
          document: init.query ?? DEFAULT_QUERY,
          ...(init.headers ? { requestHeaders: init.headers } : {}),
          ...(signal ? { signal } : {}),
        });
        return { status: 200, body: data };
      });
    },
  };
}

/**
 * The five clients every suite drives, in this order: fetch, axios, ky 1 (`prefixUrl`), ky 2 (`prefix`),
 * graphql-request. `defaults` apply to every client they create.
 */
export function clientAdapters(withAuth: WithAuth, defaults: ClientOptions = {}): readonly Adapter[] {
  const adapters = [
    fetchAdapter(withAuth.fetch),
    axiosAdapter(withAuth.axios),
    kyAdapter(withAuth.ky, 'prefixUrl'),
    kyAdapter(withAuth.ky, 'prefix'),
    graphqlRequestAdapter(withAuth.graphqlRequest),
  ];
  return adapters.map((adapter) => ({
    ...adapter,
    create: (auth, base, options) => adapter.create(auth, base, { ...defaults, ...options }),
  }));
}
