import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link RecordingServer} received. */
export interface RecordedRequest {
  /** `GET`, `POST`, … */
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  /** The path with its query string, as sent. */
  readonly url: string;
  /** The headers as they arrived (lower-case names); a copy. */
  readonly headers: IncomingHttpHeaders;
}

/** What {@link startRecordingServer} returns. */
export interface RecordingServer {
  /** `http://127.0.0.1:PORT` (or the host you chose; IPv6 in brackets). */
  readonly url: string;
  readonly port: number;
  /** Every request received, oldest first. Clear it with {@link RecordingServer.reset} or `seen.length = 0`. */
  readonly seen: RecordedRequest[];
  /** From now on, `path` answers a redirect (302 unless `status` says otherwise) to `location`. */
  redirect(path: string, location: string, status?: 301 | 302 | 303 | 307 | 308): void;
  /** From now on, `path` answers `status` with an empty JSON object (`{}`). */
  respond(path: string, status: number): void;
  /**
   * From now on, a request whose `Authorization` is not exactly `authorization` is refused: a 401 with `{}`
   * unless `refusal` gives another status or JSON body (an API that answers an expired token with a 403, a
   * 419, or a 400 with an error code). `undefined`: every request is accepted again, the default.
   */
  accept(authorization: string | undefined, refusal?: { status?: number; body?: unknown }): void;
  /** Forgets what was seen and every `redirect`, `respond` and `accept` rule. */
  reset(): void;
  /** Closes the server and its open connections. */
  close(): Promise<void>;
}

/**
 * Starts a tiny HTTP server that records every request that arrives (method, path, headers) and answers
 * 200 with a JSON body (`{"ok":true}`; `{"data":{"ok":true}}` on paths that end in `/graphql`), unless told
 * to redirect or to answer another status. Use it as **another origin, for testing that credentials don't
 * leak**: send requests (or redirects) there and check that `seen` holds no credential header; or as a stand-in
 * for your own API to see exactly which headers an adapter sent.
 *
 * @param options - `host`: the address to listen on (default `127.0.0.1`; `::1` for IPv6, `127.0.0.2` for
 *   another host on Linux).
 * @example
 * ```ts
 * import { startRecordingServer } from '@auth/testing';
 *
 * const home = await startRecordingServer();
 * const elsewhere = await startRecordingServer();
 * home.redirect('/away', `${elsewhere.url}/landed`);
 * await fetch(`${home.url}/away`, { headers: { authorization: 'Bearer secret' } });
 * // fetch drops Authorization on a cross-origin redirect:
 * console.log(elsewhere.seen[0]?.headers.authorization); // undefined
 * await Promise.all([home.close(), elsewhere.close()]);
 * ```
 */
export async function startRecordingServer({
  host = '127.0.0.1',
}: {
  host?: string;
} = {}): Promise<RecordingServer> {
  const seen: RecordedRequest[] = [];
  const redirects = new Map<string, { status: number; location: string }>();
  const statuses = new Map<string, number>();
  let accepted: string | undefined;
  let refusal = { status: 401, body: '{}' };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    seen.push({ method: req.method ?? 'GET', path, url, headers: { ...req.headers } });
    req.resume();
    const redirect = redirects.get(path);
    if (redirect) {
      res.writeHead(redirect.status, { location: redirect.location });
      res.end();
      return;
    }
    if (accepted !== undefined && req.headers.authorization !== accepted) {
      res.writeHead(refusal.status, { 'content-type': 'application/json' });
      res.end(refusal.body);
      return;
    }
    const status = statuses.get(path);
    if (status !== undefined) {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(path.endsWith('/graphql') ? '{"data":{"ok":true}}' : '{"ok":true}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    seen,
    redirect: (path, location, status = 302) => {
      redirects.set(path, { status, location });
    },
    respond: (path, status) => {
      statuses.set(path, status);
    },
    accept: (authorization, { status = 401, body = {} } = {}) => {
      accepted = authorization;
      refusal = { status, body: JSON.stringify(body) };
    },
    reset: () => {
      seen.length = 0;
      redirects.clear();
      statuses.clear();
      accepted = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
