/** Why an answer's body is dropped unread, as the reason its stream is cancelled with. */
const reasons = {
  retry: 'answered an auth failure: sent again with a fresh credential',
  redirect: 'a redirect is followed',
} as const;

/**
 * Cancels the body of an answer nobody will read, so that its connection is freed: a 401 that is sent again
 * (`'retry'`), a redirect that is followed (`'redirect'`). Always with a reason: without one, fetch builds an
 * `AbortError` (with its stack) for each cancel, which a 401 storm pays once per request.
 *
 * @param response - the answer whose body is dropped.
 * @param why - why it is dropped.
 */
export function discardBody(response: Response, why: keyof typeof reasons): void {
  void response.body?.cancel(reasons[why]).catch(() => undefined);
}
