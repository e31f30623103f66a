import type { Auth } from '@auth/core';

/**
 * One user request the way every adapter sends it: credential headers, and one retry after a 401 when auth
 * says so. `authorized` are headers `authorize()` gave earlier (the request was prepared, then sent).
 */
export async function send(
  auth: Auth,
  path = '/v1/meta',
  authorized?: Record<string, string>,
): Promise<number> {
  const url = new URL(path, auth.baseUrl);
  const headers = authorized ?? (await auth.authorize(url));
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  if (response.status !== 401) return response.status;
  if (!(await auth.handleUnauthorized(url, headers))) return 401;
  const retry = await fetch(url, { headers: await auth.authorize(url) });
  await retry.arrayBuffer();
  return retry.status;
}

/** What a batch of requests came to. */
export interface Burst {
  ok: number;
  failed: number;
  /** A few distinct failure descriptions (status, or error name and message; never a token). */
  errors: string[];
}

/** An error's name and message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Counts the 200s among `requests`, and describes the rest. */
export async function settle(requests: Promise<number>[]): Promise<Burst> {
  const errors = new Set<string>();
  let ok = 0;
  for (const result of await Promise.allSettled(requests)) {
    if (result.status === 'fulfilled' && result.value === 200) ok++;
    else errors.add(result.status === 'fulfilled' ? `HTTP ${result.value}` : describeError(result.reason));
  }
  return { ok, failed: requests.length - ok, errors: [...errors].slice(0, 5) };
}

/** `count` concurrent requests; counts 200s and everything else. */
export function burst(auth: Auth, count: number): Promise<Burst> {
  return settle(Array.from({ length: count }, () => send(auth)));
}

/** Sums bursts. */
export function total(results: Burst[]): Burst {
  return {
    ok: results.reduce((sum, r) => sum + r.ok, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
  };
}
