/**
 * Whether a request body can be read only once, so that it cannot be sent again after a 401 or on a
 * redirect that keeps the body: a `ReadableStream`, a Node stream (anything with `pipe`), or an async
 * iterable. Strings, `Blob`, `FormData`, `URLSearchParams`, `ArrayBuffer` and typed arrays can be re-sent.
 */
export function isOneShotBody(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (typeof (body as { getReader?: unknown }).getReader === 'function' ||
      typeof (body as { pipe?: unknown }).pipe === 'function' ||
      Symbol.asyncIterator in body)
  );
}
