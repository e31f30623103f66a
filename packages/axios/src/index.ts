import {
  type AuthLike,
  checkAdapterArguments,
  crossOriginDropped,
  isOneShotBody,
  redirectSafeFetch,
  renewAfterUnauthorized,
} from '@auth/core/adapter';
import axios, {
  type AxiosAdapter,
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';

/** The two methods of an `auth` object (from `createAuth()` in `@auth/core`) that the interceptors call. */
export type { AuthLike };

type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
type RedirectHook = NonNullable<InternalAxiosRequestConfig['beforeRedirect']>;
/**
 * What the adapter remembers about one request; kept on the config so that it survives the retry. `adapter`
 * is the one the request asked for (the instance's, or its own `adapter` option), which ours sends through.
 */
type State = {
  adapter: InternalAxiosRequestConfig['adapter'];
  url: string | undefined;
  /** The URL that answered, when the fetch adapter followed redirects. */
  finalUrl: string | undefined;
  added: string[];
  retried: boolean;
};
type WithState = InternalAxiosRequestConfig & { [stateKey]?: State };

const stateKey = '@auth/axios';
/**
 * What a credential header the adapter added reads on an error that reaches the caller. A config carrying
 * it can be sent again (`instance.request(error.config)`, axios-retry): the adapter replaces it with a fresh
 * credential.
 */
const redacted = '[redacted by @auth/axios]';
const installed = new WeakMap<AxiosInstance, { request: number; response: number; adapter: AxiosAdapter }>();
/** Our adapters: a config that carries one already (a retry, a re-sent config) keeps the one it asked for. */
const ours = new WeakSet<object>();

/** The absolute URL axios will request: `baseURL` + `url` unless `url` is absolute (and absolute URLs are allowed). */
function targetUrl(config: InternalAxiosRequestConfig): URL | undefined {
  const url = config.url ?? '';
  const base = config.baseURL;
  let full = url;
  if (base && (!/^([a-z][a-z\d+\-.]*:)?\/\//i.test(url) || config.allowAbsoluteUrls === false)) {
    full = url ? `${base.replace(/\/?\/$/, '')}/${url.replace(/^\/+/, '')}` : base;
  }
  try {
    return new URL(full, typeof location === 'undefined' ? undefined : location.href);
  } catch {
    return undefined; // axios reports the bad URL itself
  }
}

/** What the target URL is made of: when it changes, the origin is checked again. */
const targetOf = (config: InternalAxiosRequestConfig): string =>
  `${config.baseURL}\n${config.url}\n${config.allowAbsoluteUrls}`;

/** The URL that answered: after redirects, the last hop's (Node: follow-redirects; browsers: XHR). */
function finalUrl(response: AxiosResponse): string | undefined {
  const request = response.request as
    | { res?: { responseUrl?: unknown }; responseURL?: unknown; url?: unknown }
    | undefined;
  const url = request?.res?.responseUrl ?? request?.responseURL ?? request?.url;
  return typeof url === 'string' && url !== '' ? url : undefined;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** Hides a value from `console.log`, `util.inspect` (even with `showHidden`) and `JSON.stringify`; code still reads it. */
function hide(target: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (!descriptor || !('value' in descriptor) || descriptor.value === undefined) return;
  let value: unknown = descriptor.value;
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: false,
    get: () => value,
    set: (next: unknown) => {
      value = next;
    },
  });
}

/**
 * Makes an error that reaches the caller safe to log: the values of the headers `auth` added are replaced by
 * a marker in `error.config.headers` (also `error.response.config`), and the underlying request object
 * (Node's `ClientRequest`, whose raw head holds the headers as sent; the fetch adapter's `Request`) is kept
 * only behind a getter.
 */
function redact(error: AxiosError): AxiosError {
  const config = (error as { config?: WithState } | undefined)?.config;
  const state = config?.[stateKey];
  if (!config || !state || state.added.length === 0) return error;
  for (const name of state.added) if (config.headers.has(name)) config.headers.set(name, redacted);
  hide(error, 'request');
  if (error.response) hide(error.response, 'request');
  return error;
}

const signalOf = (config: InternalAxiosRequestConfig): { signal?: AbortSignal } =>
  config.signal instanceof AbortSignal ? { signal: config.signal } : {};

/** Carries, through axios' `fetchOptions`, what the fetch adapter's fetch needs about one request. */
class FetchContext {
  constructor(
    readonly auth: AuthLike,
    readonly state: State,
    /** The `env.fetch` the caller configured, if any. */
    readonly fetch: FetchFunction | undefined,
  ) {}
}
const contextKey = '@auth/axios';

/**
 * The fetch axios' fetch adapter calls (`env.fetch`), one for every instance: it follows redirects one hop at
 * a time (a hop to another origin carries no credential), for the request whose {@link FetchContext} rides in
 * its options, through the caller's own `env.fetch` or the global fetch.
 */
const authFetch: FetchFunction = (input, init) => {
  const { [contextKey]: context, ...rest } = (init ?? {}) as RequestInit & { [contextKey]?: unknown };
  if (!(context instanceof FetchContext)) return globalThis.fetch(input, rest);
  const inner = context.fetch ?? ((i: RequestInfo | URL, o?: RequestInit) => globalThis.fetch(i, o));
  const { state } = context;
  const send = redirectSafeFetch(inner, {
    adapter: '@auth/axios',
    auth: context.auth,
    fromAuth: () => state.added.map((name) => name.toLowerCase()),
    onAnswer: (url) => {
      state.finalUrl = url.href;
    },
  });
  return send(input instanceof Request ? input : new Request(input, rest), rest);
};

/**
 * Adds a request and a response interceptor to an axios instance so that every request to the auth's
 * origins carries its credential, and a 401 is retried once with a fresh credential. Returns the instance.
 *
 * - The credential is put on the request by an adapter that wraps the one the request uses (axios' own
 *   `http`, `xhr` or `fetch`, or yours), so the origin is checked on the URL that is actually sent: after
 *   **every** request interceptor, whatever their order (one that rewrites `baseURL` or `url` for a failover
 *   is checked too). It resolves `baseURL` + `url` the way axios does (absolute URLs, `allowAbsoluteUrls`);
 *   `auth.authorize()` gives no headers for another origin, so a URL elsewhere carries no credential. A `url`
 *   given as a `URL` object is read once, there: changing it while a token is fetched changes nothing. (An
 *   interceptor that replaces `config.adapter` after ours has run sends without the credential.)
 * - **A header you set yourself** (request `headers`, instance defaults, any interceptor) **wins**: only
 *   missing header names are added.
 * - After a 401, `auth.handleUnauthorized()` decides; when it returns `true` the request is sent again once,
 *   through the instance (so your other interceptors run again). A stream body (`data` is a Node stream or a
 *   `ReadableStream`) is not re-sent: the 401 error is thrown as is. Any other status is left to you. A 401
 *   from another origin that a redirect led to is not renewed nor retried.
 * - An `AxiosError` that reaches you is safe to log: the headers `auth` added read `'[redacted by @auth/axios]'`
 *   in `error.config.headers`, and `error.request` is hidden from `console.log` (still readable). Re-sending
 *   `error.config` (yourself or with axios-retry) gets a fresh credential.
 * - Redirects: a hop to another origin loses `Authorization`, `Cookie`, `Proxy-Authorization` (whoever set
 *   them) and every header `auth` added. The `http` adapter (Node) follows redirects with a `beforeRedirect`
 *   that removes them (your own `beforeRedirect` still runs after it); the `fetch` adapter (Node) gets a fetch
 *   (`env.fetch`, wrapping yours if you set one) that follows redirects one hop at a time. In browsers, the
 *   browser follows redirects (`xhr` and `fetch`) and drops `Authorization` on cross-origin hops itself.
 * - `config.signal` also aborts a token request the call is waiting on.
 *
 * Calling `withAuth` again on the same instance replaces the interceptors; {@link withoutAuth} removes them.
 *
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { withAuth } from '@auth/axios';
 * import axios from 'axios';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey(process.env.WEAVIATE_API_KEY!) });
 * const api = withAuth(axios.create({ baseURL: 'http://127.0.0.1:8080/v1' }), auth);
 * const { data } = await api.get('/meta');
 * ```
 */
export function withAuth<T extends AxiosInstance>(instance: T, auth: AuthLike): T {
  checkAdapterArguments({
    adapter: '@auth/axios',
    call: 'withAuth(instance, auth)',
    auth,
    target: {
      valid: typeof instance?.interceptors?.request?.use === 'function',
      needs: 'an axios instance, e.g. axios.create({ baseURL })',
    },
  });
  withoutAuth(instance);

  /** Sends one request through the adapter it asked for, with the credential for the URL it goes to. */
  const adapter: AxiosAdapter = async (config: WithState) => {
    const state = config[stateKey];
    const asked =
      state?.adapter ??
      (ours.has(instance.defaults.adapter as object) ? undefined : instance.defaults.adapter);
    // Resolved when it is called: axios' fetch adapter reads `config.env` then.
    const send = (ready: InternalAxiosRequestConfig) =>
      axios.getAdapter(asked ?? axios.defaults.adapter, ready)(ready);
    if (!state) return send(config); // not through our interceptor (withoutAuth ran meanwhile)
    // One snapshot: a `URL` object is read here, once; the string is what axios resolves and sends.
    if (config.url !== undefined && typeof config.url !== 'string') config.url = String(config.url);
    // Drop what an earlier attempt added, so that a fresh credential replaces it; the same for a config
    // re-sent from an error (its credential headers were redacted), even if our state was lost.
    config.headers.delete(state.added);
    for (const [name, value] of Object.entries(config.headers.toJSON(true))) {
      if (value === redacted) config.headers.delete(name);
    }
    let url: URL | undefined;
    let credential: Record<string, string> = {};
    // Checked again when the URL changed while the token was fetched; a URL that keeps changing gets nothing.
    for (let tries = 0; ; tries++) {
      const target = targetOf(config);
      url = targetUrl(config);
      const method = (config.method ?? 'get').toUpperCase();
      credential = url && tries < 3 ? await auth.authorize(url, { method, ...signalOf(config) }) : {};
      if (target === targetOf(config)) break;
    }
    const added: string[] = [];
    for (const [name, value] of Object.entries(credential)) {
      if (!config.headers.has(name)) {
        config.headers.set(name, value);
        added.push(name);
      }
    }
    Object.assign(state, { url: url?.href, finalUrl: undefined, added });
    if (added.length === 0 || !url) return send(config);
    const { beforeRedirect, env, fetchOptions } = config;
    config.beforeRedirect = dropAbroad(url, added, beforeRedirect);
    config.env = { ...env, fetch: authFetch };
    config.fetchOptions = {
      ...fetchOptions,
      [contextKey]: new FetchContext(auth, state, env?.fetch === authFetch ? undefined : env?.fetch),
    } as NonNullable<typeof fetchOptions>;
    try {
      return await send(config);
    } finally {
      // What the caller sees on the response and on errors is their own config again.
      Object.assign(config, { beforeRedirect, env, fetchOptions });
    }
  };
  ours.add(adapter);

  const request = instance.interceptors.request.use((config: WithState) => {
    const previous = config[stateKey];
    config[stateKey] = {
      adapter: ours.has(config.adapter as object) ? previous?.adapter : config.adapter,
      url: previous?.url,
      finalUrl: undefined,
      added: previous?.added ?? [],
      retried: previous?.retried ?? false,
    };
    config.adapter = adapter;
    return config;
  });

  const retry = async (
    config: WithState | undefined,
    response: AxiosResponse | undefined,
  ): Promise<AxiosResponse | undefined> => {
    const state = config?.[stateKey];
    if (response?.status !== 401 || !config || !state?.url || state.retried) return undefined;
    // After redirects the 401 may come from another origin (which got no credential): not ours to renew.
    const url = state.finalUrl ?? finalUrl(response) ?? state.url;
    if (!sameOrigin(url, state.url)) return undefined;
    // When no new credential can be had, the caller gets axios' 401 error as usual (`auth` reports why).
    const renewed = await renewAfterUnauthorized(auth, url, config.headers.toJSON(true), signalOf(config));
    if (!renewed || isOneShotBody(config.data)) return undefined; // a stream body cannot be re-sent
    config[stateKey] = { ...state, retried: true };
    return instance.request(config);
  };

  const response = instance.interceptors.response.use(
    async (result) => (await retry(result.config, result)) ?? result,
    async (error: AxiosError) => {
      const retried = await retry(error?.config, error?.response);
      if (retried) return retried;
      throw redact(error);
    },
  );
  installed.set(instance, { request, response, adapter });
  return instance;
}

/**
 * The `beforeRedirect` of axios' http adapter (follow-redirects) for one request: a hop to another origin
 * loses {@link crossOriginDropped} and every header from auth; then the caller's own hook runs.
 */
function dropAbroad(url: URL, added: readonly string[], own: RedirectHook | undefined): RedirectHook {
  const names = new Set([...crossOriginDropped, ...added.map((name) => name.toLowerCase())]);
  return (options, response, request) => {
    const from = typeof request?.url === 'string' ? request.url : url.href;
    if (typeof options.href !== 'string' || !sameOrigin(options.href, from)) {
      for (const key of Object.keys(options.headers ?? {})) {
        if (names.has(key.toLowerCase())) delete options.headers[key];
      }
    }
    own?.(options, response, request);
  };
}

/**
 * Removes the interceptors that {@link withAuth} added to an axios instance. Requests already in flight
 * finish as they started.
 *
 * @returns `true` when interceptors were removed, `false` when the instance had none.
 * @example
 * ```ts
 * import { apiKey, createAuth } from '@auth/core';
 * import { withAuth, withoutAuth } from '@auth/axios';
 * import axios from 'axios';
 *
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', credentials: apiKey('my-key') });
 * const api = withAuth(axios.create({ baseURL: 'http://127.0.0.1:8080/v1' }), auth);
 * withoutAuth(api); // back to plain axios
 * ```
 */
export function withoutAuth(instance: AxiosInstance): boolean {
  const ids = installed.get(instance);
  if (!ids) return false;
  instance.interceptors.request.eject(ids.request);
  instance.interceptors.response.eject(ids.response);
  installed.delete(instance);
  return true;
}
