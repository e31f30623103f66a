import { MAX_OIDC_ANSWER_BYTES } from '../limits.js';

// The limit: defined in limits.ts, exported here too.
export { MAX_OIDC_ANSWER_BYTES } from '../limits.js';

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
