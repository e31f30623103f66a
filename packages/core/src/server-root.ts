/**
 * The root of the server at `baseUrl`: without a trailing `/v1`, Weaviate's own REST prefix (a `baseUrl` copied
 * from a REST URL, or shared with an axios `baseURL`); a proxy path before it stays. Weaviate's discovery is
 * asked below it, and a shared store's key names it, so that every spelling of one server finds the same
 * provider and shares one token.
 */
export function serverRoot(baseUrl: URL): URL {
  const root = new URL(baseUrl.href);
  root.pathname = root.pathname.replace(/\/v1\/?$/, '/');
  return root;
}
