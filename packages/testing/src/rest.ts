import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Authenticator, presentedToken } from './authenticate.js';
import { type Authorizer, type Caller, resources, type Verb } from './authorization.js';
import { runGraphql } from './graphql.js';
import { dataTypeOf, InvalidObjectError, type ObjectStore } from './object-store.js';
import type { OidcProviderHost } from './oidc-provider.js';
import type { StatsRecorder } from './stats.js';
import { errorBody, type Reply, type Request, type UsersApi } from './users-api.js';

export interface RestOptions {
  store: ObjectStore;
  stats: StatsRecorder;
  authenticator: Authenticator;
  authorizer: Authorizer;
  users: UsersApi;
  oidc: OidcProviderHost | undefined;
  clientId: string;
  scopes: string[];
  anonymousAccess: () => boolean;
  /** The REST side's own URL (for /v1/meta and the links of /v1). */
  url: () => string;
}

/** Weaviate's version this server imitates (reported by /v1/meta). */
export const WEAVIATE_VERSION = '1.34.0';
const BODY_LIMIT = 10 * 1024 * 1024;
/** The media types Weaviate's OpenAPI spec consumes, in its order. */
const CONSUMES = ['application/yaml', 'application/json'];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The request headers Weaviate 1.34 lets a browser send cross-origin (`DefaultCORSAllowHeaders` in
 * `usecases/config/config_handler.go`): a fixed list, not an echo of what the preflight asks for.
 */
export const WEAVIATE_CORS_ALLOW_HEADERS =
  'Content-Type, Authorization, Batch, X-Openai-Api-Key, X-Openai-Organization, X-Openai-Baseurl, X-Anyscale-Baseurl, X-Anyscale-Api-Key, X-Cohere-Api-Key, X-Cohere-Baseurl, X-Huggingface-Api-Key, X-Azure-Api-Key, X-Azure-Deployment-Id, X-Azure-Resource-Name, X-Azure-Concurrency, X-Azure-Block-Size, X-Google-Api-Key, X-Google-Vertex-Api-Key, X-Google-Studio-Api-Key, X-Goog-Api-Key, X-Goog-Vertex-Api-Key, X-Goog-Studio-Api-Key, X-Palm-Api-Key, X-Jinaai-Api-Key, X-Aws-Access-Key, X-Aws-Secret-Key, X-Voyageai-Baseurl, X-Voyageai-Api-Key, X-Mistral-Baseurl, X-Mistral-Api-Key, X-Anthropic-Baseurl, X-Anthropic-Api-Key, X-Databricks-Endpoint, X-Databricks-Token, X-Databricks-User-Agent, X-Friendli-Token, X-Friendli-Baseurl, X-Weaviate-Api-Key, X-Weaviate-Cluster-Url, X-Nvidia-Api-Key, X-Nvidia-Baseurl, X-ContextualAI-Baseurl, X-ContextualAI-Api-Key';

/**
 * Weaviate's CORS headers with its default settings (`addPreflight` in `adapters/handlers/rest/middlewares.go`,
 * then rs/cors 1.5 for requests other than OPTIONS, which sets `*` again and adds `Vary: Origin`): every origin
 * and method, the fixed header list; never an echo of the request's origin or of the headers it asks for.
 */
function cors(method: string): Record<string, string> {
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': '*',
    'access-control-allow-headers': WEAVIATE_CORS_ALLOW_HEADERS,
    ...(method === 'OPTIONS' ? {} : { vary: 'Origin' }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
}

type Route =
  | 'ready'
  | 'links'
  | 'discovery'
  | 'meta'
  | 'schema'
  | 'objects.list'
  | 'objects.create'
  | 'object.get'
  | 'object.delete'
  | 'graphql'
  | 'own-info'
  | 'users.list'
  | 'users.get'
  | 'users.create'
  | 'users.delete'
  | 'users.rotate-key'
  | 'users.activate'
  | 'users.deactivate'
  | 'authz.roles'
  | 'authz.assign'
  | 'authz.revoke'
  | 'authz.user-roles';

// Path pattern -> route by method. `{id}` and `{type}` capture one path segment.
const ROUTES: [string, Record<string, Route>][] = [
  ['/v1/.well-known/ready', { GET: 'ready' }],
  ['/v1/.well-known/live', { GET: 'ready' }],
  ['/v1', { GET: 'links' }],
  ['/v1/.well-known/openid-configuration', { GET: 'discovery' }],
  ['/v1/meta', { GET: 'meta' }],
  ['/v1/schema', { GET: 'schema' }],
  ['/v1/objects', { GET: 'objects.list', POST: 'objects.create' }],
  ['/v1/objects/{id}', { GET: 'object.get', DELETE: 'object.delete' }],
  ['/v1/graphql', { POST: 'graphql' }],
  ['/v1/users/own-info', { GET: 'own-info' }],
  ['/v1/users/db', { GET: 'users.list' }],
  ['/v1/users/db/{id}', { GET: 'users.get', POST: 'users.create', DELETE: 'users.delete' }],
  ['/v1/users/db/{id}/rotate-key', { POST: 'users.rotate-key' }],
  ['/v1/users/db/{id}/activate', { POST: 'users.activate' }],
  ['/v1/users/db/{id}/deactivate', { POST: 'users.deactivate' }],
  ['/v1/authz/roles', { GET: 'authz.roles' }],
  ['/v1/authz/users/{id}/assign', { POST: 'authz.assign' }],
  ['/v1/authz/users/{id}/revoke', { POST: 'authz.revoke' }],
  ['/v1/authz/users/{id}/roles/{type}', { GET: 'authz.user-roles' }],
];

const MATCHERS = ROUTES.map(([pattern, methods]) => ({
  regex: new RegExp(`^${pattern.replace(/\{(id|type)\}/g, '(?<$1>[^/]+)').replaceAll('.', '\\.')}$`),
  methods,
}));

type Matched = { route: Route; id: string; type: string } | 'not-found' | 'method-not-allowed';

function route(method: string, path: string): Matched {
  for (const { regex, methods } of MATCHERS) {
    const match = regex.exec(path);
    if (!match) continue;
    const found = methods[method];
    if (!found) return 'method-not-allowed';
    const decode = (value: string | undefined) => (value === undefined ? '' : decodeURIComponent(value));
    return { route: found, id: decode(match.groups?.id), type: decode(match.groups?.type) };
  }
  return 'not-found';
}

/** The routes of the database-user and role-assignment API, by name. */
const USERS_API: Record<
  Extract<Route, `users.${string}` | `authz.${string}`>,
  (api: UsersApi, request: Request) => Reply
> = {
  'users.list': (api, request) => api.list(request),
  'users.get': (api, request) => api.get(request),
  'users.create': (api, request) => api.create(request),
  'users.delete': (api, request) => api.delete(request),
  'users.rotate-key': (api, request) => api.rotateKey(request),
  'users.activate': (api, request) => api.activate(request),
  'users.deactivate': (api, request) => api.deactivate(request),
  'authz.roles': (api, request) => api.roles(request),
  'authz.assign': (api, request) => api.changeRoles(request, 'assign'),
  'authz.revoke': (api, request) => api.changeRoles(request, 'revoke'),
  'authz.user-roles': (api, request) => api.rolesOfUser(request),
};

/** The links document of `GET /v1` (`adapters/handlers/rest/handlers_misc.go`). */
function links(origin: string): { links: Record<string, string>[] } {
  const docs = 'https://weaviate.io/developers/weaviate/api/rest#tag';
  return {
    links: [
      { name: 'Meta information about this instance/cluster', href: `${origin}/v1/meta` },
      {
        name: 'view complete schema',
        href: `${origin}/v1/schema`,
        documentationHref: `${docs}/schema/get/schema`,
      },
      {
        name: 'CRUD schema',
        href: `${origin}/v1/schema{/:className}`,
        documentationHref: `${docs}/schema/put/schema/{className}`,
      },
      { name: 'CRUD objects', href: `${origin}/v1/objects{/:id}`, documentationHref: `${docs}/objects/` },
      {
        name: 'trigger and view status of classifications',
        href: `${origin}/v1/classifications{/:id}`,
        documentationHref: `${docs}/classifications`,
      },
      {
        name: 'check if Weaviate is live (returns 200 on GET when live)',
        href: `${origin}/v1/.well-known/live`,
        documentationHref: `${docs}/well-known/get/.well-known/live`,
      },
      {
        name: 'check if Weaviate is ready (returns 200 on GET when ready)',
        href: `${origin}/v1/.well-known/ready`,
        documentationHref: `${docs}/well-known/get/.well-known/ready`,
      },
      {
        name: 'view link to openid configuration (returns 404 on GET if no openid is configured)',
        href: `${origin}/v1/.well-known/openid-configuration`,
        documentationHref: `${docs}/well-known/get/.well-known/openid-configuration`,
      },
    ],
  };
}

/** Weaviate capitalises class names (`schema.UppercaseClassName`). */
const classOf = (body: unknown): string => {
  const name = (body as { class?: unknown } | undefined)?.class;
  return typeof name === 'string' && name !== '' ? name.charAt(0).toUpperCase() + name.slice(1) : '*';
};

/**
 * The Weaviate REST subset on node:http, in Weaviate's order: `/` (a redirect), live and ready, without CORS
 * headers; CORS preflights; then routing (404, 405); then the anonymous middleware; then authentication of
 * any credential presented (every route, `/v1` and discovery included); then the handler, which checks what
 * the caller may do. Every response after the preflight step carries Weaviate's CORS headers.
 */
export function createRestHandler(options: RestOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { stats, store, authorizer, users } = options;

  return (req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;

    const write = (
      status: number,
      text: string | undefined,
      headers: Record<string, string | number>,
      withCors = true,
    ) => {
      stats.recordRequest(path, status);
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { ...(withCors ? cors(method) : {}), ...headers });
      res.end(text);
    };
    const send = (status: number, body?: unknown, extra: Record<string, string> = {}) => {
      if (body === undefined) return write(status, undefined, extra);
      const text = JSON.stringify(body);
      write(status, text, {
        ...extra,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
    };
    const reply = ({ status, body }: Reply) => send(status, body);

    // Weaviate's outer middlewares (adapters/handlers/rest/middlewares.go) answer these request targets, exactly
    // as written and whatever the method, before its CORS middleware: without CORS headers, so a page on
    // another origin cannot read them. `addHandleRoot`: a redirect with a body.
    if (req.url === '/') {
      const text =
        '{"links":{"href":"/v1","name":"api v1","documentationHref":"https://weaviate.io/developers/weaviate/current/"}}';
      return write(301, text, { location: '/v1', 'content-type': 'text/plain; charset=utf-8' }, false);
    }
    // `addLiveAndReadyness`. With a query string they are ordinary routes (the anonymous check included).
    if (req.url === '/v1/.well-known/live' || req.url === '/v1/.well-known/ready') {
      return write(200, undefined, {}, false);
    }
    // `addPreflight`: every other OPTIONS request is a preflight, answered 200 with the CORS headers only (not
    // counted in the stats, as a browser sends it on its own).
    if (method === 'OPTIONS') {
      res.writeHead(200, cors(method));
      res.end();
      return;
    }

    const handle = async (): Promise<void> => {
      const matched = route(method, path);
      if (matched === 'not-found') return send(404);
      if (matched === 'method-not-allowed') {
        return send(405, errorBody(`${method} is not allowed on ${path}`));
      }
      const { route: r, id, type } = matched;
      if (r === 'discovery') stats.recordDiscovery();

      const body = await readBody(req);
      const token = presentedToken(req, url, body);
      // The anonymous middleware (usecases/auth/authentication/anonymous/middleware.go, wired in
      // adapters/handlers/rest/middlewares.go) skips exactly these two request targets. It writes its JSON by
      // hand (note the spaces) without a content type, which Go then sniffs as text/plain.
      const skipsAnonymousCheck = req.url === '/v1' || req.url === '/v1/.well-known/openid-configuration';
      if (token === undefined && !options.anonymousAccess() && !skipsAnonymousCheck) {
        return write(
          401,
          `{"code":401,"message": "anonymous access not enabled. Please authenticate through one of the available methods: [${options.authenticator.methods.join(', ')}]" }`,
          { 'content-type': 'text/plain; charset=utf-8' },
        );
      }
      let caller: Caller | undefined;
      if (token !== undefined) {
        const outcome = await options.authenticator.authenticate(token);
        if (!outcome.ok) return send(outcome.status, { code: outcome.status, message: outcome.message });
        caller = outcome.caller;
      }
      // go-openapi validates the body's media type after authentication (middleware/validation.go): the
      // spec consumes JSON and YAML only.
      const mediaType =
        (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]?.trim() ?? '';
      if (body.length > 0 && !CONSUMES.includes(mediaType.toLowerCase())) {
        return send(415, {
          code: 415,
          message: `unsupported media type ${JSON.stringify(mediaType)}, only [${CONSUMES.join(' ')}] are allowed`,
        });
      }
      const forbidden = (verb: Verb, resource: string) => {
        const message = authorizer.check(caller, verb, [resource]);
        if (message) send(403, errorBody(message));
        return message !== undefined;
      };
      const request: Request = {
        caller,
        id,
        userType: type,
        query: url.searchParams,
        // Parsed on first use: only the handlers that take a body read it.
        get body() {
          return parseJson(body);
        },
      };

      switch (r) {
        case 'ready':
          return send(200);
        case 'links':
          return send(200, links(options.url()));
        case 'discovery': {
          if (!options.oidc) return send(404);
          // Empty fields are omitted (`omitempty` in the generated model; adapters/handlers/rest/
          // handlers_misc.go): no `scopes` when none are configured, and no default.
          return send(200, {
            href: `${options.oidc.issuer}/.well-known/openid-configuration`,
            ...(options.clientId === '' ? {} : { clientId: options.clientId }),
            ...(options.scopes.length === 0 ? {} : { scopes: options.scopes }),
          });
        }
        case 'meta':
          // No authorization in Weaviate's meta handler (handlers_misc.go): any caller may read it.
          return send(200, { hostname: options.url(), version: WEAVIATE_VERSION, modules: {} });
        case 'own-info':
          return reply(users.ownInfo(caller));
        case 'schema': {
          const classes = [...store.classes()].map(([className, props]) => ({
            class: className,
            properties: [...props].map(([name, values]) => ({ name, dataType: [dataTypeOf(values)] })),
          }));
          // Weaviate filters the classes the caller may read instead of refusing (usecases/schema/handler.go,
          // `filter.Filter`): a caller who may read none gets `classes: null`, not a 403.
          const readable = classes.length === 0 || !authorizer.check(caller, 'R', [resources.collections()]);
          return send(200, { classes: readable ? classes : null });
        }
        case 'objects.list': {
          const className = url.searchParams.get('class') ?? undefined;
          if (forbidden('R', resources.objects(classOf({ class: className })))) return;
          const limit = Number(url.searchParams.get('limit') ?? 25);
          const offset = Number(url.searchParams.get('offset') ?? 0);
          const all = store.list(className);
          const page = all.slice(offset, offset + (Number.isFinite(limit) && limit >= 0 ? limit : 25));
          return send(200, { objects: page, totalResults: page.length });
        }
        case 'objects.create': {
          const json = parseJson(body);
          if (forbidden('C', resources.objects(classOf(json)))) return;
          try {
            return send(200, store.create(json));
          } catch (error) {
            if (error instanceof InvalidObjectError) return send(422, errorBody(error.message));
            throw error;
          }
        }
        case 'object.get':
        case 'object.delete': {
          if (forbidden(r === 'object.get' ? 'R' : 'D', resources.objects('*', id))) return;
          const object = store.get(id);
          if (!object) return send(404);
          if (r === 'object.get') return send(200, object);
          store.delete(id);
          return send(204);
        }
        case 'graphql': {
          const denied = authorizer.check(caller, 'R', [resources.collections()]);
          if (denied) {
            return send(
              403,
              errorBody(
                `due to GraphQL introspection, this role must have the permission to \`read_collections\` on \`*\` (all) collections: ${denied}`,
              ),
            );
          }
          const result = await runGraphql(store, parseJson(body));
          return send(result.status, result.json);
        }
        default:
          return reply(USERS_API[r](users, request));
      }
    };

    handle().catch((error: unknown) => {
      if (error instanceof HttpError) {
        send(error.status, errorBody(error.message));
        return;
      }
      console.error(`[@auth/testing] REST handler failed on ${method} ${path}: ${(error as Error)?.message}`);
      send(500, errorBody('internal error in @auth/testing'));
    });
  };
}
