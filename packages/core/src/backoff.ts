/** How transient token-request failures are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 3 */
  readonly retries: number;
  /** Delay before the first retry, in ms; doubles each time. @default 250 */
  readonly baseDelay: number;
  /** Upper bound of one delay, in ms; also caps how long a provider's `Retry-After` is honoured. @default 5000 */
  readonly maxDelay: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 3, baseDelay: 250, maxDelay: 5_000 };

/**
 * The delay before retry number `attempt` (0-based): exponential, capped, with "equal jitter" (half fixed,
 * half random) so that many clients do not retry in step.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelay, policy.baseDelay * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}
