/**
 * REST request counters: every request, those that succeeded (any 2xx, counted under `200`), and those
 * answered 401 and 403.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type RequestCounts } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * await fetch(`${server.url}/v1/meta`);
 * const counts: RequestCounts = server.stats.requests;
 * console.log(counts.total, counts[401]); // 1 1
 * await server.close();
 * ```
 */
export interface RequestCounts {
  total: number;
  200: number;
  401: number;
  403: number;
}

/**
 * Token endpoint counters: every POST to the provider's token endpoint, by `grant_type`, success or not
 * (requests answered by a fault count too).
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type TokenRequestCounts } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * await server.issueTokens();
 * const counts: TokenRequestCounts = server.stats.tokenRequests;
 * console.log(counts.password); // 1
 * await server.close();
 * ```
 */
export interface TokenRequestCounts {
  total: number;
  password: number;
  refresh_token: number;
  client_credentials: number;
  /** Polls of the device flow (`urn:ietf:params:oauth:grant-type:device_code`), `slow_down` answers included. */
  device_code: number;
  /** Authorization codes exchanged (a browser sign-in). */
  authorization_code: number;
}

/**
 * Live counters of a running server. The objects are updated in place; `reset()` sets every counter to 0.
 *
 * @example
 * ```ts
 * import { startWeaviateServer } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * await fetch(`${server.url}/v1/.well-known/openid-configuration`);
 * console.log(server.stats.discoveryRequests); // 1
 * console.log(server.stats.byPath('/v1/.well-known/openid-configuration').total); // 1
 * server.stats.reset();
 * await server.close();
 * ```
 */
export interface ServerStats {
  /** POSTs to the token endpoint, by grant type. */
  readonly tokenRequests: TokenRequestCounts;
  /** GETs of `/v1/.well-known/openid-configuration`. */
  readonly discoveryRequests: number;
  /** REST requests (CORS preflights excluded), by outcome. */
  readonly requests: RequestCounts;
  /** REST requests to one exact path (no query string), e.g. `'/v1/objects'`. */
  byPath(path: string): RequestCounts;
  /** Sets every counter to 0. */
  reset(): void;
}

function emptyRequestCounts(): RequestCounts {
  return { total: 0, 200: 0, 401: 0, 403: 0 };
}

function zero<T extends object>(counts: T): void {
  for (const key of Object.keys(counts) as (keyof T)[]) {
    (counts[key] as number) = 0;
  }
}

/** The mutable side of {@link ServerStats}, used by the servers. */
export class StatsRecorder implements ServerStats {
  readonly tokenRequests: TokenRequestCounts = {
    total: 0,
    password: 0,
    refresh_token: 0,
    client_credentials: 0,
    device_code: 0,
    authorization_code: 0,
  };
  readonly requests: RequestCounts = emptyRequestCounts();
  #discoveryRequests = 0;
  readonly #paths = new Map<string, RequestCounts>();

  get discoveryRequests(): number {
    return this.#discoveryRequests;
  }

  byPath(path: string): RequestCounts {
    let counts = this.#paths.get(path);
    if (!counts) {
      counts = emptyRequestCounts();
      this.#paths.set(path, counts);
    }
    return counts;
  }

  reset(): void {
    zero(this.tokenRequests);
    zero(this.requests);
    for (const counts of this.#paths.values()) zero(counts);
    this.#discoveryRequests = 0;
  }

  recordTokenRequest(grantType: string | undefined): void {
    this.tokenRequests.total += 1;
    if (
      grantType === 'password' ||
      grantType === 'refresh_token' ||
      grantType === 'client_credentials' ||
      grantType === 'authorization_code'
    ) {
      this.tokenRequests[grantType] += 1;
    } else if (grantType === 'urn:ietf:params:oauth:grant-type:device_code') {
      this.tokenRequests.device_code += 1;
    }
  }

  recordDiscovery(): void {
    this.#discoveryRequests += 1;
  }

  recordRequest(path: string, status: number): void {
    for (const counts of [this.requests, this.byPath(path)]) {
      counts.total += 1;
      if (status >= 200 && status < 300) counts[200] += 1;
      else if (status === 401 || status === 403) counts[status] += 1;
    }
  }

  toJSON(): object {
    return {
      tokenRequests: this.tokenRequests,
      discoveryRequests: this.#discoveryRequests,
      requests: this.requests,
      byPath: Object.fromEntries(this.#paths),
    };
  }
}
