import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from './accounts.js';
import type { Authenticator } from './authenticate.js';
import { runGraphql } from './graphql.js';
import { dataTypeOf, InvalidObjectError, type ObjectStore } from './object-store.js';
import type { OidcProviderHost } from './oidc-provider.js';
import type { StatsRecorder } from './stats.js';

export interface RestOptions {
  store: ObjectStore;
  stats: StatsRecorder;
  authenticator: Authenticator;
  oidc: OidcProviderHost | undefined;
  clientId: string;
  scopes: string[];
  /** The REST side's own URL (for /v1/meta). */
  url: () => string;
}

/** Weaviate's version this server imitates (reported by /v1/meta). */
export const WEAVIATE_VERSION = '1.32.0';
const BODY_LIMIT = 10 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function cors(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  return origin
    ? { 'access-control-allow-origin': origin, vary: 'Origin' }
    : { 'access-control-allow-origin': '*' };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
}

type Route =
  | 'ready'
  | 'discovery'
  | 'meta'
  | 'schema'
  | 'objects'
  | 'object'
  | 'graphql'
  | 'own-info'
  | 'method-not-allowed'
  | 'not-found';

function route(method: string, path: string): { route: Route; id?: string } {
  const allow = (methods: string[], r: Route) => (methods.includes(method) ? r : 'method-not-allowed');
  if (path === '/v1/.well-known/ready' || path === '/v1/.well-known/live')
    return { route: allow(['GET'], 'ready') };
  if (path === '/v1/.well-known/openid-configuration') return { route: allow(['GET'], 'discovery') };
  if (path === '/v1/meta') return { route: allow(['GET'], 'meta') };
  if (path === '/v1/schema') return { route: allow(['GET'], 'schema') };
  if (path === '/v1/objects') return { route: allow(['GET', 'POST'], 'objects') };
  if (path === '/v1/graphql') return { route: allow(['POST'], 'graphql') };
  if (path === '/v1/users/own-info') return { route: allow(['GET'], 'own-info') };
  const object = /^\/v1\/objects\/([^/]+)$/.exec(path);
  if (object?.[1]) return { route: allow(['GET', 'DELETE'], 'object'), id: decodeURIComponent(object[1]) };
  return { route: 'not-found' };
}

/** The Weaviate REST subset on node:http. Every response carries CORS headers; preflights are answered. */
export function createRestHandler(options: RestOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { stats, store } = options;

  return (req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;

    const send = (status: number, body?: unknown, extra: Record<string, string> = {}) => {
      stats.recordRequest(path, status);
      if (res.headersSent || res.destroyed) return;
      const headers: Record<string, string | number> = { ...cors(req), ...extra };
      if (body === undefined) {
        res.writeHead(status, headers);
        res.end();
        return;
      }
      const text = JSON.stringify(body);
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(text);
      res.writeHead(status, headers);
      res.end(text);
    };
    const unauthorized = (message: string) => send(401, { code: 401, message });
    const forbidden = (message: string) => send(403, { error: [{ message }] });

    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors(req),
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS',
        'access-control-allow-headers':
          req.headers['access-control-request-headers'] ?? 'Authorization, Content-Type',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }

    const handle = async (): Promise<void> => {
      const { route: r, id } = route(method, path);
      if (r === 'not-found') return send(404);
      if (r === 'method-not-allowed')
        return send(405, { error: [{ message: `${method} is not allowed on ${path}` }] });
      if (r === 'ready') return send(200);
      if (r === 'discovery') {
        stats.recordDiscovery();
        if (!options.oidc) return send(404);
        return send(200, {
          href: `${options.oidc.issuer}/.well-known/openid-configuration`,
          clientId: options.clientId,
          scopes: options.scopes,
        });
      }

      const outcome = await options.authenticator.authenticate(req);
      if (!outcome.ok) return unauthorized(outcome.message);
      const principal: Principal = outcome.principal;
      const isWrite = (r === 'objects' && method === 'POST') || (r === 'object' && method === 'DELETE');
      if (isWrite && principal.role !== 'admin') {
        return forbidden(
          `forbidden: user '${principal.username}' has the read-only role and may not ${method} ${path}`,
        );
      }

      switch (r) {
        case 'meta':
          return send(200, { hostname: options.url(), version: WEAVIATE_VERSION, modules: {} });
        case 'own-info':
          return send(200, { username: principal.username, roles: [{ name: principal.role }], groups: [] });
        case 'schema':
          return send(200, {
            classes: [...store.classes()].map(([className, props]) => ({
              class: className,
              properties: [...props].map(([name, values]) => ({ name, dataType: [dataTypeOf(values)] })),
            })),
          });
        case 'objects': {
          if (method === 'GET') {
            const className = url.searchParams.get('class') ?? undefined;
            const limit = Number(url.searchParams.get('limit') ?? 25);
            const offset = Number(url.searchParams.get('offset') ?? 0);
            const all = store.list(className);
            const page = all.slice(offset, offset + (Number.isFinite(limit) && limit >= 0 ? limit : 25));
            return send(200, { objects: page, totalResults: page.length });
          }
          const body = await readJson(req);
          try {
            return send(200, store.create(body));
          } catch (error) {
            if (error instanceof InvalidObjectError)
              return send(422, { error: [{ message: error.message }] });
            throw error;
          }
        }
        case 'object': {
          const object = id === undefined ? undefined : store.get(id);
          if (!object || id === undefined) return send(404);
          if (method === 'DELETE') {
            store.delete(id);
            return send(204);
          }
          return send(200, object);
        }
        case 'graphql': {
          const result = await runGraphql(store, await readJson(req));
          return send(result.status, result.json);
        }
      }
    };

    handle().catch((error: unknown) => {
      if (error instanceof HttpError) {
        send(error.status, { error: [{ message: error.message }] });
        return;
      }
      console.error(`[@auth/testing] REST handler failed on ${method} ${path}: ${(error as Error)?.message}`);
      send(500, { error: [{ message: 'internal error in @auth/testing' }] });
    });
  };
}
