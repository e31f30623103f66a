import type { SentHeaders } from '@auth/core';
import {
  type AuthLike,
  checkAdapterArguments,
  crossOriginDropped,
  type FetchFunction,
  isAuthFailure,
  isOneShotBody,
  RETRIED,
  redirectSafeFetch,
  renewAfterUnauthorized,
  shouldFollowRedirects,
} from '@auth/core/adapter';
import axios, {
  type AxiosAdapter,
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';

/** The methods of an `auth` object (from `createAuth()` in `@auth/core`) that the adapter calls. */
export type { AuthLike };

declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * `@auth/axios`: send this request as it is, with no credential and no renewal after a 401 (a login call,
     * a health probe, a public path).
     */
    skipAuth?: boolean | undefined;
    /**
     * Set by `@auth/axios` on the one request it sends again after an auth failure (a 401), below axios: an
     * adapter function of yours sees it, and your response interceptors on the answer's `response.config`.
     */
    authRetry?: boolean | undefined;
  }
}

/**
 * What the adapter remembers about one request; kept on the config so that it survives the retry. `asked` is
 * the adapter the request asked for (the instance's, or its own `adapter` option), which ours sends through.
 */
type State = {
  asked: InternalAxiosRequestConfig['adapter'];
  /** The URL the credential was asked for. */
  url?: string | undefined;
  /** The last hop's URL, when our fetch followed redirects for axios' `fetch` adapter. */
  final?: string | undefined;
  /** The headers from auth on the request (lower case). */
  added: string[];
};
type WithState = InternalAxiosRequestConfig & { [key]?: State };
/**
 * What axios' fetch adapter's fetch needs about one request, carried in `fetchOptions` as a function (axios
 * copies plain objects there, and the fetch must write to the request's very state): the fetch to wrap and
 * how.
 */
type FetchContext = () => Parameters<typeof redirectSafeFetch>;

const key = '@auth/axios';
/**
 * What a credential header the adapter added reads on an error that reaches the caller. A config carrying
 * it can be sent again (`instance.request(error.config)`, axios-retry): the adapter replaces it with a fresh
 * credential.
 */
const redacted = `[redacted by ${key}]`;
const installed = new WeakMap<AxiosInstance, number>();
/** Whether an adapter is one of ours: a config that carries one already (a retry, a re-sent config) keeps the one it asked for. */
const ours = (adapter: unknown): boolean => !!(adapter as { [key]?: true } | undefined)?.[key];

/** The absolute URL axios will request: `baseURL` + `url` unless `url` is absolute (and absolute URLs are allowed). */
function targetUrl(
  url = '',
  baseURL: string | undefined,
  allowAbsoluteUrls: boolean | undefined,
): string | undefined {
  let full = url;
  if (baseURL && (!/^([a-z][a-z\d+\-.]*:)?\/\//i.test(url) || allowAbsoluteUrls === false)) {
    full = url ? `${baseURL.replace(/\/?\/$/, '')}/${url.replace(/^\/+/, '')}` : baseURL;
  }
  // An absolute http(s) URL goes as it is: `auth` parses it the way axios does (and remembers the last one).
  if (/^https?:\/\//i.test(full)) return full;
  try {
    return new URL(full, globalThis.location?.href).href;
  } catch {
    return undefined; // axios reports the bad URL itself
  }
}

function sameOrigin(a: unknown, b: unknown): boolean {
  try {
    return new URL(a as string).origin === new URL(b as string).origin;
  } catch {
    return false;
  }
}

const signalOf = (config: InternalAxiosRequestConfig): AbortSignal | undefined =>
  config.signal instanceof AbortSignal ? config.signal : undefined;

/**
 * Makes an error of a request we sent safe to log, before anything else sees it: the headers from auth read
 * as {@link redacted} in the config (the same object as `error.config` and `error.response.config`, and the
 * one axios' own `CanceledError` takes); the request (which holds them as sent) is hidden from `console.log`,
 * `util.inspect` (even with `showHidden`: a getter is not called) and `JSON.stringify`, and code still reads it.
 */
function redact(config: WithState, state: State, error: unknown): void {
  for (const name of state.added) {
    if (config.headers.has(name)) config.headers.set(name, redacted);
  }
  const failure = error as Partial<AxiosError> | null | undefined;
  for (const target of [failure, failure?.response]) {
    let value = target?.request as unknown;
    if (value !== undefined) {
      Object.defineProperty(target, 'request', {
        enumerable: false,
        get: () => value,
        set: (next) => {
          value = next;
        },
      });
    }
  }
}

/**
 * Frees the connection of an answer nobody will read (a 401 that is sent again): with `responseType: 'stream'`
 * its body is still unread, a Node stream (`http`) or a `ReadableStream` (`fetch`). Other bodies are read.
 */
function discardData(data: unknown): void {
  if (data instanceof ReadableStream) void data.cancel(RETRIED).catch(() => undefined);
  else if (typeof (data as { destroy?: unknown } | null)?.destroy === 'function') {
    (data as { destroy: () => void }).destroy();
  }
}

/**
 * The fetch axios' fetch adapter calls (`env.fetch`), one for every instance (axios keeps one fetch adapter
 * per fetch function): it follows redirects one hop at a time (a hop to another origin carries no
 * credential), for the request whose {@link FetchContext} rides in its options, through the caller's own
 * `env.fetch` or the global fetch.
 */
const authFetch: FetchFunction = (input, init) => {
  const { [key]: context, ...rest } = init as RequestInit & { [key]: FetchContext };
  return redirectSafeFetch(...context())(input, rest);
};

/**
 * Adds a request interceptor to an axios instance so that every request to the auth's
 * origins carries its credential, and an auth failure (a 401) is retried once with a fresh credential.
 * Returns the instance.
 *
 * - The credential is put on the request by an adapter that wraps the one the request uses (axios' own
 *   `http`, `xhr` or `fetch`, or yours), so the origin is checked on the URL that is actually sent: after
 *   **every** request interceptor, whatever their order (one that rewrites `baseURL` or `url` for a failover
 *   is checked too). It resolves `baseURL` + `url` the way axios does (absolute URLs, `allowAbsoluteUrls`);
 *   `auth.authorize()` gives no headers for another origin, so a URL elsewhere carries no credential. A `url`
 *   given as a `URL` object is read once, there; a URL that changes while the token is fetched gets none.
 *   (An interceptor that replaces `config.adapter` after ours has run sends without the credential.)
 * - **A header you set yourself** (request `headers`, instance defaults, any interceptor) **wins**: only
 *   missing header names are added.
 * - `skipAuth: true` in a request's config sends it as it is: no credential, no renewal.
 * - After an answer `auth.isAuthFailure()` counts as an auth failure (a 401 unless `createAuth({
 *   isAuthFailure })` says more: a 403, a 419, a 400 with an error code; thrown or accepted by your
 *   `validateStatus`), `auth.handleUnauthorized()` decides; when it returns `true` the request is sent again
 *   once, with `config.authRetry: true`, below axios by our adapter (a `responseType: 'stream'` 401's body is
 *   freed first): your interceptors, `transformRequest`, `transformResponse` and `validateStatus` see one
 *   request and the retry's answer, as without auth. An abort while the new credential is fetched rejects
 *   with axios' `CanceledError`. A stream body (`data` is a Node stream or a `ReadableStream`) is not re-sent: the error is thrown
 *   as is. A failure from another origin that a redirect led to is not renewed nor retried.
 * - An `AxiosError` (or an abort's `CanceledError`) is safe to log from the first response interceptor on (one
 *   added before `withAuth` too): the headers `auth` added read `'[redacted by @auth/axios]'`
 *   in `error.config.headers`, and `error.request` is hidden from `console.log` (still readable). Re-sending
 *   `error.config` (yourself or with axios-retry) gets a fresh credential.
 * - Redirects: a hop to another origin loses `Authorization`, `Cookie`, `Proxy-Authorization` (whoever set
 *   them) and every header `auth` added. The `http` adapter (Node) follows redirects with a `beforeRedirect`
 *   that removes them (your own `beforeRedirect` still runs after it; an adapter function of yours gets it
 *   too, for when it hands the request to axios' `http` adapter); the `fetch` adapter (Node) gets a fetch
 *   (`env.fetch`, wrapping yours if you set one) that follows redirects one hop at a time. In browsers, the
 *   browser follows redirects (`xhr` and `fetch`) and drops `Authorization` on cross-origin hops itself. Each
 *   request gets only the hook its adapter uses (none with `xhr`, none when nothing came from `auth`).
 * - `config.signal` also aborts a token request the call is waiting on.
 *
 * Calling `withAuth` again on the same instance replaces the interceptor; {@link withoutAuth} removes it.
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
 * const live = await api.get('/.well-known/live', { skipAuth: true });
 * ```
 */
export function withAuth<T extends AxiosInstance>(instance: T, auth: AuthLike): T {
  checkAdapterArguments({
    adapter: key,
    call: 'withAuth(instance, auth)',
    auth,
    target: {
      valid: typeof instance?.interceptors?.request?.use === 'function',
      needs: 'an axios instance',
    },
  });
  withoutAuth(instance);

  /**
   * Sends one request through the adapter it asked for, with the credential for the URL it goes to; after an
   * auth failure, once more with a fresh one. Here, below axios: your interceptors, `transformRequest`,
   * `transformResponse` and `validateStatus` see one request and one answer, as without auth.
   */
  const adapter: AxiosAdapter = async (config: WithState) => {
    const state = config[key];
    let asked = state?.asked ?? instance.defaults.adapter;
    if (asked == null || ours(asked)) asked = axios.defaults.adapter;
    // Not through our interceptor (withoutAuth ran meanwhile), or asked to go as it is.
    if (!state || config.skipAuth) return axios.getAdapter(asked, config)(config);
    // A config sent again (axios-retry, `instance.request(error.config)`) is a new call: its first attempt.
    if (config.authRetry) config.authRetry = false;
    try {
      let answer: AxiosResponse;
      try {
        answer = await sendOnce(config, state, asked);
      } catch (error) {
        const refused = (error as Partial<AxiosError> | undefined)?.response;
        if (!refused || !(await renewable(refused, state))) throw error;
        config.authRetry = true;
        return await sendOnce(config, state, asked);
      }
      if (answer.status < 400 || !(await renewable(answer, state))) return answer;
      config.authRetry = true;
      return await sendOnce(config, state, asked);
    } catch (error) {
      // Here, before any response interceptor (one added before withAuth runs first) sees the error.
      redact(config, state, error);
      throw error;
    }
  };
  (adapter as { [key]?: true })[key] = true;

  /** One attempt: the credential for the URL the request goes to, then the adapter it asked for. */
  const sendOnce = async (
    config: WithState,
    state: State,
    asked: InternalAxiosRequestConfig['adapter'],
  ): Promise<AxiosResponse> => {
    let send = axios.getAdapter(asked, config);
    // One snapshot: a `URL` object is read here, once; the string is what axios resolves and sends.
    config.url &&= String(config.url);
    // Drop what an earlier attempt added, so that a fresh credential replaces it.
    config.headers.delete(state.added);
    const { url: path, baseURL, allowAbsoluteUrls } = config;
    const url = targetUrl(path, baseURL, allowAbsoluteUrls);
    const credential = url
      ? await auth.authorize(url, { method: config.method, signal: signalOf(config) })
      : {};
    const added: string[] = [];
    state.url = url;
    state.final = undefined;
    state.added = added;
    // A request whose URL was changed to point elsewhere while the token was fetched gets nothing.
    if (config.url === path && config.baseURL === baseURL && config.allowAbsoluteUrls === allowAbsoluteUrls) {
      for (const name in credential) {
        // A value we redacted on an error (a config sent again, even one that lost our state) is ours to replace.
        const own = config.headers.get(name);
        if (own == null || own === redacted) {
          config.headers.set(name, credential[name]);
          added.push(name.toLowerCase());
        }
      }
    }
    const { adapterName } = send as { adapterName?: string };
    // `xhr`: the browser follows redirects (and drops `Authorization` on a hop abroad) out of our reach.
    if (!added[0] || adapterName === 'xhr') return send(config);
    const { beforeRedirect, env, fetchOptions } = config;
    // Of axios' own adapters only `http` and `xhr` carry an `adapterName` (the fetch adapter is made per
    // config); a function that is not axios' (`asked` itself, or one from an `asked` list) is your own.
    if (adapterName || asked === send || (Array.isArray(asked) && asked.includes(send))) {
      // axios' `http` adapter: follow-redirects calls it before each hop (and an adapter of yours may hand
      // the request to axios' own). A hop to another origin than the request's loses what fetch drops and
      // every header from auth; then the caller's own hook runs. What a hop drops stays dropped on the later
      // hops (follow-redirects keeps one set of options for the chain), so comparing each hop with the URL the
      // credential was asked for is enough.
      const dropped = [...crossOriginDropped, ...added];
      config.beforeRedirect = (options, ...rest) => {
        if (!sameOrigin(options.href, url)) {
          for (const name in options.headers) {
            if (dropped.includes(name.toLowerCase())) delete options.headers[name];
          }
        }
        beforeRedirect?.(options, ...rest);
      };
    } else {
      // axios' fetch adapter: resolved again, for the fetch of ours it reads from `config.env`. When the request
      // follows redirects (fetch's default, unless `maxRedirects: 0` or your `fetchOptions.redirect` say
      // otherwise), axios makes its `Request` with `redirect: 'manual'` and our fetch follows them hop by hop.
      const follow = config.maxRedirects !== 0 && shouldFollowRedirects(fetchOptions?.redirect);
      const context: FetchContext = () => [
        env?.fetch ?? fetch,
        {
          adapter: key,
          auth,
          redirect: follow ? 'follow' : undefined,
          fromAuth: () => state.added,
          onAnswer: (answered) => {
            state.final = answered.href;
          },
        },
      ];
      config.env = { ...env, fetch: authFetch };
      config.fetchOptions = {
        ...fetchOptions,
        ...(follow && { redirect: 'manual' }),
        [key]: context,
      } as NonNullable<typeof fetchOptions>;
      send = axios.getAdapter(asked, config);
    }
    try {
      return await send(config);
    } finally {
      // What the caller sees on the response and on errors is their own config again.
      Object.assign(config, { beforeRedirect, env, fetchOptions });
    }
  };

  const request = instance.interceptors.request.use(
    (config: WithState) => {
      const previous = config[key];
      config[key] = {
        asked: ours(config.adapter) ? previous?.asked : config.adapter,
        added: previous?.added ?? [],
      };
      config.adapter = adapter;
      return config;
    },
    undefined,
    // Lets axios run the request interceptors without a promise each, when all of them say so.
    { synchronous: true },
  );

  /**
   * Whether an answer (axios' raw answer, before `transformResponse`) is an auth failure that a new credential
   * can fix: then its body is dropped and the request is sent once more.
   */
  const renewable = async (response: AxiosResponse, state: State): Promise<boolean> => {
    // Only a 4xx can be an auth failure (`isAuthFailure` answers any other status at once, without a promise).
    const sent = state.url;
    if (!sent || response.status < 400) return false;
    const config: WithState = response.config;
    // After redirects the failure may come from another origin (which got no credential): not ours to renew.
    // (`final`: set by our fetch; else Node's follow-redirects or the browser's XHR tell it.)
    const { request } = response as { request?: { res?: { responseUrl?: string }; responseURL?: string } };
    const url = state.final || request?.res?.responseUrl || request?.responseURL || sent;
    if (
      !sameOrigin(url, sent) ||
      !(await isAuthFailure(auth, { ...response, body: response.data })) ||
      // When no new credential can be had, the caller gets axios' error as usual (`auth` reports why). The
      // headers as sent: `AxiosHeaders` reads like a `Headers` (`get(name)`, whatever the case). An abort
      // while waiting rejects: axios turns it into its own `CanceledError`.
      !(await renewAfterUnauthorized(auth, url, config.headers as SentHeaders, {
        signal: signalOf(config),
      })) ||
      isOneShotBody(config.data) // a stream body cannot be re-sent
    ) {
      return false;
    }
    discardData(response.data);
    return true;
  };

  installed.set(instance, request);
  return instance;
}

/**
 * Removes the interceptor that {@link withAuth} added to an axios instance. Requests already in flight
 * finish as they started.
 *
 * @returns `true` when the interceptor was removed, `false` when the instance had none.
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
  const id = installed.get(instance);
  if (id !== undefined) {
    instance.interceptors.request.eject(id);
    installed.delete(instance);
  }
  return id !== undefined;
}
