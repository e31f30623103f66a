import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { LeakCheck } from './leaks.js';

/** One answer of a {@link ScriptedProvider}: what a real provider, gateway or proxy could send. */
export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** A string, or `{ bytes }`: that many bytes of `x`, streamed in 64 KiB chunks (no Content-Length unless given). */
  readonly body?: string | { readonly bytes: number };
}

/** What one issuer of the scripted provider does. */
export interface Script {
  /**
   * Answers of the token endpoint, in order (after them, a token); or one answer made from each request's
   * form, raw body and headers (e.g. a provider that echoes what it was sent).
   */
  readonly token?:
    | readonly Answer[]
    | ((form: URLSearchParams, raw: string, headers: IncomingMessage['headers']) => Answer);
  /** The answer to the discovery request; default: a document naming the issuer and its token endpoint. */
  readonly discovery?: Answer;
  /** The issuer the default discovery document names (default: the issuer's URL). */
  readonly issuer?: string;
  /** More fields of the default discovery document. */
  readonly metadata?: Record<string, unknown>;
  /** The answer of `POST <issuer>/device` (name it `device_authorization_endpoint` in `metadata`). */
  readonly device?: Answer;
  /**
   * The answer of the Weaviate discovery endpoint at `<weaviate>/v1/.well-known/openid-configuration`;
   * default: `href` naming this issuer, client id `weaviate`.
   */
  readonly weaviate?: Answer;
}

/** What an issuer saw. */
export interface Seen {
  readonly token: { readonly headers: IncomingMessage['headers']; readonly form: URLSearchParams }[];
  discovery: number;
  /** Bytes of streamed bodies written before the client went away, and whether they were all written. */
  readonly streams: { written: number; finished: boolean }[];
}

/**
 * A provider whose every answer a test scripts, one issuer per test (`/p/<name>`): the status, headers and
 * body a real provider, a gateway or a proxy could send, for the cases the embedded OpenID Provider does not
 * produce. Runs on 127.0.0.1.
 */
export class ScriptedProvider {
  readonly #server: Server;
  readonly origin: string;
  readonly #scripts = new Map<string, { script: Script; seen: Seen; answered: number }>();

  private constructor(server: Server, origin: string) {
    this.#server = server;
    this.origin = origin;
  }

  static async start(): Promise<ScriptedProvider> {
    let self: ScriptedProvider | undefined;
    const server = createServer((req, res) => {
      self?.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new ScriptedProvider(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** Sets up issuer `name` with `script`; returns its issuer URL and what it sees. */
  issuer(
    name: string,
    script: Script = {},
  ): { issuer: string; tokenEndpoint: string; weaviate: string; seen: Seen } {
    const seen: Seen = { token: [], discovery: 0, streams: [] };
    this.#scripts.set(name, { script, seen, answered: 0 });
    const issuer = `${this.origin}/p/${name}`;
    return { issuer, tokenEndpoint: `${issuer}/token`, weaviate: `${this.origin}/w/${name}`, seen };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/([pw])\/([^/]+)(\/.*)$/.exec((req.url ?? '/').split('?')[0] ?? '/');
    const entry = match ? this.#scripts.get(match[2] ?? '') : undefined;
    if (!match || !entry) return void res.writeHead(404).end();
    const issuer = `${this.origin}/p/${match[2]}`;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (match[1] === 'w') {
      if (match[3] !== '/v1/.well-known/openid-configuration') return void res.writeHead(404).end();
      const document = { href: `${issuer}/.well-known/openid-configuration`, clientId: 'weaviate' };
      return this.#send(res, entry.seen, entry.script.weaviate ?? json(200, document));
    }
    match.splice(1, 1);
    if (match[2] === '/.well-known/openid-configuration') {
      entry.seen.discovery++;
      const document = {
        issuer: entry.script.issuer ?? issuer,
        token_endpoint: `${issuer}/token`,
        ...entry.script.metadata,
      };
      return this.#send(res, entry.seen, entry.script.discovery ?? json(200, document));
    }
    if (match[2] === '/device' && req.method === 'POST' && entry.script.device) {
      return this.#send(res, entry.seen, entry.script.device);
    }
    if (match[2] === '/token' && req.method === 'POST') {
      const raw = Buffer.concat(chunks).toString();
      const form = new URLSearchParams(raw);
      entry.seen.token.push({ headers: req.headers, form });
      const { token } = entry.script;
      const answer = typeof token === 'function' ? token(form, raw, req.headers) : token?.[entry.answered++];
      const n = entry.seen.token.length;
      return this.#send(
        res,
        entry.seen,
        answer ?? json(200, { access_token: `token-${match[1]}-${n}`, token_type: 'Bearer', expires_in: 60 }),
      );
    }
    res.writeHead(404).end();
  }

  async #send(res: ServerResponse, seen: Seen, answer: Answer): Promise<void> {
    const { body } = answer;
    if (typeof body !== 'object') {
      res.writeHead(answer.status, answer.headers).end(body ?? '');
      return;
    }
    const stream = { written: 0, finished: false };
    seen.streams.push(stream);
    res.writeHead(answer.status, answer.headers);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    while (stream.written < body.bytes && !closed) {
      const size = Math.min(chunk.length, body.bytes - stream.written);
      const more = res.write(size === chunk.length ? chunk : chunk.subarray(0, size));
      stream.written += size;
      if (!more) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
    }
    if (!closed) {
      res.end();
      stream.finished = true;
    }
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * A scripted provider for one test file, started before its tests and closed after them, once `leaks` found
 * no secret anywhere. Read it through `current` inside tests.
 */
export function scriptedProviderForFile(leaks: LeakCheck): { readonly current: ScriptedProvider } {
  let provider: ScriptedProvider | undefined;
  beforeAll(async () => {
    provider = await ScriptedProvider.start();
  });
  afterAll(async () => {
    leaks.assertClean();
    await provider?.close();
  });
  return {
    get current(): ScriptedProvider {
      if (!provider) throw new Error('the scripted provider runs only inside tests');
      return provider;
    },
  };
}

/**
 * A token answer made from what the request sent (its form, raw body and headers): a status, a content type,
 * more headers, a body (JSON unless a string).
 */
export type AnswerFrom = (
  form: URLSearchParams,
  raw: string,
  headers: IncomingMessage['headers'],
) => { status: number; type?: string; headers?: Record<string, string>; body: unknown };

/**
 * A {@link ScriptedProvider} with one issuer whose token endpoint answers every request with what the test
 * last set with `answer()` (e.g. by echoing what it was sent). Give it to `createAuth` with
 * `oidc: { issuer: provider.url, clientId }`.
 */
export async function startAnsweringProvider(): Promise<{
  readonly url: string;
  answer(next: AnswerFrom): void;
  close(): Promise<void>;
}> {
  const provider = await ScriptedProvider.start();
  let current: AnswerFrom = () => ({ status: 500, body: { error: 'server_error' } });
  const { issuer } = provider.issuer('answering', {
    token: (form, raw, sent) => {
      const { status, type = 'application/json', headers, body } = current(form, raw, sent);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return {
        status,
        headers: { 'content-type': type, 'cache-control': 'no-store', ...headers },
        body: text,
      };
    },
  });
  return {
    url: issuer,
    answer: (next) => {
      current = next;
    },
    close: () => provider.close(),
  };
}
