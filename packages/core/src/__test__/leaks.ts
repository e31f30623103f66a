import { inspect } from 'node:util';
import { expect } from 'vitest';
import type { Auth } from '../create-auth.js';
import type { AuthEvent } from '../events.js';
import { memoryStore, type TokenStore } from '../store.js';

/**
 * Collects every secret a test file handles and every object it sees (auth objects, credentials, errors,
 * events), then checks that no rendering of any object (String, JSON, util.inspect with hidden fields and
 * getters, its own property descriptors, a logger's serializer, a structured clone, each cause and each error of an
 * AggregateError) contains any secret.
 */
export class LeakCheck {
  readonly #secrets = new Set<string>();
  readonly #objects: unknown[] = [];

  secret(...values: (string | undefined)[]): void {
    for (const value of values) if (value && value.length >= 6) this.#secrets.add(value);
  }

  watch<T>(object: T): T {
    this.#objects.push(object);
    return object;
  }

  /** An `onEvent` listener that keeps every event. */
  readonly onEvent = (event: AuthEvent): void => {
    this.#objects.push(event);
  };

  /** Records the credential of authorize() results as a secret; returns the headers. */
  headers(headers: Record<string, string>): Record<string, string> {
    for (const value of Object.values(headers)) this.secret(value, value.replace(/^Bearer /, ''));
    return headers;
  }

  /** A memory store that records every token it is given (access and refresh) as a secret. */
  store(): TokenStore {
    const inner = memoryStore();
    return {
      get: inner.get,
      delete: inner.delete,
      set: (key, token) => {
        this.secret(token.accessToken, token.refreshToken);
        return inner.set(key, token);
      },
    };
  }

  /** Runs `task`, records what it throws, and rethrows it. */
  async catching<T>(task: Promise<T>): Promise<T> {
    try {
      return await task;
    } catch (error) {
      this.#objects.push(error);
      throw error;
    }
  }

  get counts(): { secrets: number; objects: number } {
    return { secrets: this.#secrets.size, objects: this.#objects.length };
  }

  assertClean(): void {
    // A check that looked at nothing proves nothing.
    expect(this.#objects.length).toBeGreaterThan(0);
    expect(this.#secrets.size).toBeGreaterThan(0);
    const found: string[] = [];
    for (const object of this.#objects) {
      for (const [how, text] of renderings(object)) {
        for (const secret of this.#secrets) {
          if (text.includes(secret)) found.push(`${how} of ${describe(object)} contains a secret`);
        }
      }
    }
    expect(found).toEqual([]);
  }
}

function renderings(object: unknown): [string, string][] {
  const out: [string, string][] = [];
  let current: unknown = object;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    out.push(['String()', String(current)]);
    try {
      out.push(['JSON.stringify()', JSON.stringify(current) ?? '']);
    } catch {
      // circular: inspect below still covers it
    }
    out.push([
      'util.inspect()',
      inspect(current, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    ]);
    if (current instanceof Error) out.push(['message', current.message], ['stack', current.stack ?? '']);
    if (current !== null && typeof current === 'object') {
      // How loggers read an object: its own properties (pino's and winston's error serializers walk the
      // enumerable ones and `cause`), a structured clone (postMessage, a worker), AggregateError's errors.
      const own = Object.getOwnPropertyDescriptors(current);
      out.push(['own properties', inspect(own, { depth: Number.POSITIVE_INFINITY, showHidden: true })]);
      out.push(['a serializer', inspect(serialized(current), { depth: Number.POSITIVE_INFINITY })]);
      try {
        out.push([
          'structuredClone()',
          inspect(structuredClone(current), { depth: Number.POSITIVE_INFINITY }),
        ]);
      } catch {
        // not cloneable (functions): nothing leaves that way
      }
      if (current instanceof AggregateError)
        for (const inner of current.errors) out.push(...renderings(inner));
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return out;
}

/** What a pino- or winston-style serializer makes of `value`: every own enumerable property, and `cause`. */
function serialized(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = serialized(inner, depth + 1);
  if (value instanceof Error) {
    Object.assign(out, { name: value.name, message: value.message, stack: value.stack });
    if (value.cause !== undefined) out.cause = serialized(value.cause, depth + 1);
  }
  return out;
}

function describe(object: unknown): string {
  if (object instanceof Error) return `${object.name}`;
  if (object && typeof object === 'object' && 'type' in object) return `event ${String(object.type)}`;
  return typeof object;
}

/** A request through `auth` like an adapter makes it: headers from authorize(), one retry after a 401. */
export async function send(
  auth: Auth,
  leaks: LeakCheck,
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<Response> {
  const url = new URL(path, `${auth.baseUrl}/`);
  const attempt = async () => {
    const headers = leaks.headers(
      await leaks.catching(auth.authorize(url, { method: init.method, signal: init.signal })),
    );
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { response, headers };
  };
  const first = await attempt();
  if (first.response.status !== 401) return first.response;
  await first.response.body?.cancel();
  if (!(await leaks.catching(auth.handleUnauthorized(url, first.headers)))) return first.response;
  return (await attempt()).response;
}
