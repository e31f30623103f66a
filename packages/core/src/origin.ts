import { optionError } from './credentials/validate.js';
import type { ConfigurationError } from './errors/configuration-error.js';
import { InsecureTransportError } from './errors/insecure-transport-error.js';

/** `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`: hosts where plain http never leaves the machine. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127(?:\.\d{1,3}){3}$/.test(host)
  );
}

/** Throws {@link InsecureTransportError} when `url` is plain http to a non-loopback host and that was not allowed. */
export function assertSecureTransport(url: URL, allowInsecureHttp: boolean, what: string): void {
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopback(url)) {
    throw new InsecureTransportError(url.origin, what);
  }
}

/** Parses a `baseUrl` or allowed origin; a clear {@link ConfigurationError} for anything unusable. */
export function parseHttpUrl(value: unknown, option: string): URL {
  let url: URL | undefined;
  let cause: unknown;
  try {
    url = new URL(value as string | URL);
  } catch (error) {
    cause = error;
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw optionError(
      option,
      `${value == null || value === '' ? 'is missing' : `is not an absolute http: or https: URL${url ? ` (${url.protocol})` : ''}`}. Pass the server's full URL, e.g. 'https://my-cluster.weaviate.cloud' or 'http://localhost:8080'`,
      cause,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw optionError(
      option,
      'must not contain a user name, password, query string or fragment (credentials go in `credentials`)',
    );
  }
  return url;
}

/** `url` resolved against `base` (relative URLs are the API's own). */
export function resolveUrl(url: string | URL, base: URL): URL {
  return new URL(url, base.href.endsWith('/') ? base : `${base.href}/`);
}

/** A URL as it may appear in a message or event: no query string, no fragment, no user info. */
export function displayUrl(url: URL | string): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * The domains of Weaviate Cloud clusters, as the official clients know them: `weaviate.cloud` and the older
 * `weaviate.network` (typescript-client `src/connection/helpers.ts`), `weaviate.io` and `semi.technology`
 * (python-client `weaviate/util.py` `is_weaviate_domain`, typescript-client `src/connection/http.ts`).
 */
const WEAVIATE_CLOUD_HOST = /\.(?:weaviate\.(?:cloud|network|io)|semi\.technology)\.?$/;

/**
 * `X-Weaviate-Cluster-Url` for Weaviate Cloud hosts (subdomains of {@link WEAVIATE_CLOUD_HOST}'s domains), else
 * nothing. Weaviate's embedding service (`usecases/modulecomponents/clients/weaviateembed/`) needs it with the
 * credential; the value is the cluster's own origin.
 */
export function clusterUrlHeader(base: URL): Record<string, string> {
  return WEAVIATE_CLOUD_HOST.test(base.hostname) ? { 'X-Weaviate-Cluster-Url': base.origin } : {};
}
