/**
 * Why the body of an answer to an auth failure is dropped: the request is sent again (see
 * {@link discardBody}).
 */
export const RETRIED = 'answered an auth failure: sent again with a fresh credential';

/**
 * Cancels the body of an answer nobody will read (a 401 that is sent again, a redirect that is followed), so
 * that its connection is freed. Always with a reason: without one, fetch builds an `AbortError` (with its
 * stack) for each cancel, which a 401 storm pays once per request.
 *
 * @param response - the answer whose body is dropped.
 * @param reason - why, e.g. {@link RETRIED} (never a secret: the stream may keep it).
 */
export function discardBody(response: Response, reason: string): void {
  void response.body?.cancel(reason).catch(() => undefined);
}
