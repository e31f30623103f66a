/**
 * The most bytes core reads from one answer of a token endpoint or a discovery document (Weaviate's and the
 * provider's): 256 KiB. Real ones are a few kB (a token answer with a large JWT and an ID token stays under
 * 40 kB; Keycloak's discovery document, one of the largest, is about 7 kB). A larger answer is refused
 * without being read whole: its `Content-Length` is checked first, then the body is read up to this limit and
 * cancelled.
 */
export const MAX_OIDC_ANSWER_BYTES = 256 * 1024;

/** What {@link readCapped} found: the text, or that the body is larger than the limit (it was cancelled). */
export type CappedText =
  | { readonly text: string; readonly tooLarge?: undefined }
  | { readonly tooLarge: true };

/**
 * Reads `response`'s body as UTF-8 text, at most `limit` bytes. A body announced or found to be larger is
 * cancelled (the connection is not drained) and reported as `tooLarge`.
 */
export async function readCapped(response: Response, limit = MAX_OIDC_ANSWER_BYTES): Promise<CappedText> {
  const declared = Number(response.headers.get('content-length'));
  const body = response.body;
  if (Number.isFinite(declared) && declared > limit) {
    await body?.cancel().catch(() => {});
    return { tooLarge: true };
  }
  if (!body) return { text: '' };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return { tooLarge: true };
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { text: new TextDecoder().decode(bytes) };
}

/** `n` bytes as people read them: `256 KiB`. */
export function formatBytes(n: number): string {
  return n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}
