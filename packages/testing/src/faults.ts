/**
 * The malformed answers {@link Faults.malformedTokenResponses} can give instead of a good token response:
 *
 * - `'non-json'`: 200, `content-type: application/json`, a body that is not JSON;
 * - `'html'`: 200, `content-type: text/html`, an HTML page (as a captive portal or proxy would send);
 * - `'no-access-token'`: 200 JSON without `access_token`;
 * - `'expires-in-negative'`, `'expires-in-zero'`, `'expires-in-huge'`, `'expires-in-string'`: a real token
 *   response (the token works) whose `expires_in` is `-60`, `0`, `315360000` (ten years) or `"3600"`;
 * - `'token-type-mac'`: a real token response whose `token_type` is `"mac"`.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type MalformedKind } from '@auth/testing';
 *
 * const kind: MalformedKind = 'html';
 * const server = await startWeaviateServer();
 * server.faults.malformedTokenResponses(kind);
 * await server.close();
 * ```
 */
export type MalformedKind =
  | 'non-json'
  | 'html'
  | 'no-access-token'
  | 'expires-in-negative'
  | 'expires-in-zero'
  | 'expires-in-huge'
  | 'expires-in-string'
  | 'token-type-mac';

/**
 * Faults for reliability tests. Token endpoint faults apply to the next N POSTs to the provider's token
 * endpoint (whatever their grant type), in this order: a hang delays the request, then a failure, an
 * `invalid_grant` or a malformed answer replaces the provider's answer. Requests answered by a fault are
 * still counted in `stats.tokenRequests`.
 *
 * @example
 * ```ts
 * import { startWeaviateServer } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * server.faults.failTokenRequests(2, 503); // the next two token requests get 503
 * server.faults.hangTokenRequests(5_000);  // the one after waits 5 s first
 * server.faults.reset();                   // never mind
 * await server.faults.stopProvider();      // connection refused on the provider's port
 * await server.faults.startProvider();     // same port, same keys, same grants
 * await server.close();
 * ```
 */
export interface Faults {
  /**
   * The next `count` token requests answer `status` (429 or 500-599) with an OAuth error JSON body:
   * `temporarily_unavailable` for 503 and 429, `server_error` otherwise. A 429 carries `Retry-After: 1`.
   * @default status 503
   */
  failTokenRequests(count: number, status?: number): void;
  /** The next `count` token requests wait `ms` milliseconds, then are answered normally. @default count 1 */
  hangTokenRequests(ms: number, count?: number): void;
  /** The next `count` token requests get a malformed answer of the given kind. @default count 1 */
  malformedTokenResponses(kind: MalformedKind, count?: number): void;
  /** The next `count` token requests answer 400 `{"error":"invalid_grant"}`. @default count 1 */
  invalidGrant(count?: number): void;
  /**
   * Every access token and refresh token issued so far is refused from now on (REST answers 401; the token
   * endpoint answers `invalid_grant` to the refresh tokens). Tokens issued afterwards work.
   */
  revokeAllTokens(): void;
  /** Stops the OpenID Provider's listener (connections refused). Keys, grants and tokens are kept. */
  stopProvider(): Promise<void>;
  /** Starts the OpenID Provider again on the same port. */
  startProvider(): Promise<void>;
  /**
   * Clears every pending token endpoint fault and scripted `slow_down`, and the device authorizations no
   * `deviceFlow.next()` returned (does not restart a stopped provider).
   */
  reset(): void;
}

const MALFORMED_KINDS: ReadonlySet<string> = new Set<MalformedKind>([
  'non-json',
  'html',
  'no-access-token',
  'expires-in-negative',
  'expires-in-zero',
  'expires-in-huge',
  'expires-in-string',
  'token-type-mac',
]);

function checkCount(method: string, count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new TypeError(`faults.${method}: count must be a whole number >= 0, got ${String(count)}.`);
  }
}

/** What the token endpoint wrapper should do with one request. */
export interface TokenFaultPlan {
  hangMs: number;
  replace:
    | { type: 'fail'; status: number }
    | { type: 'invalid-grant' }
    | { type: 'malformed'; kind: MalformedKind }
    | undefined;
}

/** Pending token endpoint faults; the provider host asks for a plan per request. */
export class TokenFaultQueue {
  #fail = { count: 0, status: 503 };
  #hang = { count: 0, ms: 0 };
  #invalidGrant = 0;
  #malformed: { count: number; kind: MalformedKind } = { count: 0, kind: 'non-json' };

  failTokenRequests(count: number, status = 503): void {
    checkCount('failTokenRequests', count);
    if (!Number.isInteger(status) || ((status < 500 || status > 599) && status !== 429)) {
      throw new TypeError(`faults.failTokenRequests: status must be 429 or 500-599, got ${String(status)}.`);
    }
    this.#fail = { count, status };
  }

  hangTokenRequests(ms: number, count = 1): void {
    checkCount('hangTokenRequests', count);
    if (!Number.isFinite(ms) || ms < 0) {
      throw new TypeError(`faults.hangTokenRequests: ms must be a number >= 0, got ${String(ms)}.`);
    }
    this.#hang = { count, ms };
  }

  malformedTokenResponses(kind: MalformedKind, count = 1): void {
    checkCount('malformedTokenResponses', count);
    if (!MALFORMED_KINDS.has(kind)) {
      throw new TypeError(
        `faults.malformedTokenResponses: unknown kind ${JSON.stringify(kind)}; use one of ${[...MALFORMED_KINDS].join(', ')}.`,
      );
    }
    this.#malformed = { count, kind };
  }

  invalidGrant(count = 1): void {
    checkCount('invalidGrant', count);
    this.#invalidGrant = count;
  }

  reset(): void {
    this.#fail.count = 0;
    this.#hang.count = 0;
    this.#invalidGrant = 0;
    this.#malformed.count = 0;
  }

  /** Takes one request's share of the pending faults. */
  next(): TokenFaultPlan {
    let hangMs = 0;
    if (this.#hang.count > 0) {
      this.#hang.count -= 1;
      hangMs = this.#hang.ms;
    }
    if (this.#fail.count > 0) {
      this.#fail.count -= 1;
      return { hangMs, replace: { type: 'fail', status: this.#fail.status } };
    }
    if (this.#invalidGrant > 0) {
      this.#invalidGrant -= 1;
      return { hangMs, replace: { type: 'invalid-grant' } };
    }
    if (this.#malformed.count > 0) {
      this.#malformed.count -= 1;
      return { hangMs, replace: { type: 'malformed', kind: this.#malformed.kind } };
    }
    return { hangMs, replace: undefined };
  }
}

/** Rewrites a real token response for the `expires-in-*` and `token-type-mac` kinds. */
export function rewriteTokenResponse(
  kind: MalformedKind,
  body: Record<string, unknown>,
): Record<string, unknown> {
  switch (kind) {
    case 'expires-in-negative':
      return { ...body, expires_in: -60 };
    case 'expires-in-zero':
      return { ...body, expires_in: 0 };
    case 'expires-in-huge':
      return { ...body, expires_in: 315_360_000 };
    case 'expires-in-string':
      return { ...body, expires_in: String(body.expires_in ?? 3600) };
    case 'token-type-mac':
      return { ...body, token_type: 'mac' };
    default:
      return body;
  }
}

/** Kinds answered without asking the provider. */
export function isSyntheticKind(kind: MalformedKind): boolean {
  return kind === 'non-json' || kind === 'html' || kind === 'no-access-token';
}
