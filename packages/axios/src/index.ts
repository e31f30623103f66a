import {
  type AuthLike,
  checkAdapterArguments,
  isOneShotBody,
  renewAfterUnauthorized,
} from '@auth/core/adapter';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';

/** The two methods of an `auth` object (from `createAuth()` in `@auth/core`) that the interceptors call. */
export type { AuthLike };

type RedirectHook = NonNullable<InternalAxiosRequestConfig['beforeRedirect']>;
/** What the interceptors remember about one request; kept on the config so that it survives the retry. */
type State = { url: string; added: string[]; retried: boolean; beforeRedirect: RedirectHook | undefined };
type WithState = InternalAxiosRequestConfig & { [stateKey]?: State };

const stateKey = '@auth/axios';
/**
 * What a credential header the adapter added reads on an error that reaches the caller. A config carrying
 * it can be sent again (`instance.request(error.config)`, axios-retry): the request interceptor replaces it
 * with a fresh credential.
 */
const redacted = '[redacted by @auth/axios]';
const installed = new WeakMap<AxiosInstance, { request: number; response: number }>();

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
 * (Node's `ClientRequest`, whose raw head holds the headers as sent) is kept only behind a getter.
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

/**
 * Adds a request and a response interceptor to an axios instance so that every request to the auth's
 * origins carries its credential, and a 401 is retried once with a fresh credential. Returns the instance.
 *
 * - The target URL is resolved the way axios does (`baseURL` + `url`, absolute URLs, `allowAbsoluteUrls`);
 *   `auth.authorize()` gives no headers for another origin, so an absolute URL elsewhere carries no credential.
 * - **A header you set yourself** (request `headers`, instance defaults, an earlier interceptor) **wins**: only
 *   missing header names are added.
 * - After a 401, `auth.handleUnauthorized()` decides; when it returns `true` the request is sent again once,
 *   through the instance (so your other interceptors run again). A stream body (`data` is a Node stream or a
 *   `ReadableStream`) is not re-sent: the 401 error is thrown as is. Any other status is left to you. A 401
 *   from another origin that a redirect led to is not renewed nor retried.
 * - An `AxiosError` that reaches you is safe to log: the headers `auth` added read `'[redacted by @auth/axios]'`
 *   in `error.config.headers`, and `error.request` is hidden from `console.log` (still readable). Re-sending
 *   `error.config` (yourself or with axios-retry) gets a fresh credential.
 * - Redirects in Node (followed by axios' http adapter): a hop to another origin loses every header `auth`
 *   added (axios itself drops `Authorization`); your own `beforeRedirect` still runs.
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

  const request = instance.interceptors.request.use(async (config: WithState) => {
    const previous = config[stateKey];
    const url = targetUrl(config);
    if (!url) return config;
    // On the retry, drop what the first attempt added so that the fresh credential replaces it; the same for
    // a config re-sent from an error (its credential headers were redacted), even if our state was lost.
    if (previous) config.headers.delete(previous.added);
    for (const [name, value] of Object.entries(config.headers.toJSON(true))) {
      if (value === redacted) config.headers.delete(name);
    }
    const fromAuth = await auth.authorize(url, {
      method: (config.method ?? 'get').toUpperCase(),
      ...signalOf(config),
    });
    const added: string[] = [];
    for (const [name, value] of Object.entries(fromAuth)) {
      if (!config.headers.has(name)) {
        config.headers.set(name, value);
        added.push(name);
      }
    }
    const beforeRedirect = previous ? previous.beforeRedirect : config.beforeRedirect;
    config[stateKey] = { url: url.href, added, retried: previous?.retried ?? false, beforeRedirect };
    if (added.length > 0) {
      config.beforeRedirect = (options, response, requestDetails) => {
        if (typeof options.href !== 'string' || new URL(options.href).origin !== url.origin) {
          const names = new Set(added.map((name) => name.toLowerCase()));
          for (const key of Object.keys(options.headers ?? {})) {
            if (names.has(key.toLowerCase())) delete options.headers[key];
          }
        }
        beforeRedirect?.(options, response, requestDetails);
      };
    }
    return config;
  });

  const retry = async (
    config: WithState | undefined,
    response: AxiosResponse | undefined,
  ): Promise<AxiosResponse | undefined> => {
    const state = config?.[stateKey];
    if (response?.status !== 401 || !config || !state || state.retried) return undefined;
    // After redirects the 401 may come from another origin (which got no credential): not ours to renew.
    const url = finalUrl(response) ?? state.url;
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
  installed.set(instance, { request, response });
  return instance;
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
