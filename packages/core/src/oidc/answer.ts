import { displayUrl } from '../origin.js';
import { type CappedText, formatBytes, MAX_OIDC_ANSWER_BYTES, readCapped } from './read-answer.js';

/** How the body of an answer looks, from its `Content-Type` (and whether it is empty). */
export type BodyKind = 'json' | 'html' | 'text' | 'empty' | 'other';

/**
 * What an HTTP answer that cannot be used says, read from the answer itself (status, headers, body) and not
 * from the luck of the body being OAuth JSON. Holds no body text beyond the OAuth fields.
 */
export interface AnswerFacts {
  readonly status: number;
  /** The bare media type (`text/html`), when the answer named one. */
  readonly contentType: string | undefined;
  readonly kind: BodyKind;
  /** The body was larger than {@link MAX_OIDC_ANSWER_BYTES} and was not read. */
  readonly tooLarge: boolean;
  /** The body says it is JSON but does not parse. */
  readonly badJson: boolean;
  /** OAuth `error`, `error_description`, `error_uri`: from the JSON body, else from `WWW-Authenticate`. */
  readonly error: string | undefined;
  readonly error_description: string | undefined;
  readonly error_uri: string | undefined;
  /** Seconds from `Retry-After` (a number of seconds or an HTTP date). */
  readonly retryAfter: number | undefined;
  /** For a redirect: where it points (no query string), when the runtime lets us see it. */
  readonly location: string | undefined;
  /** Whether trying again later may succeed: 5xx, 429 and 408, whatever the body. */
  readonly transient: boolean;
}

/**
 * An answer core cannot use, thrown from the fetch that openid-client calls; the error mapping turns it into
 * the error of the request that got it (which knows the grant and the URL).
 */
export class UnusableAnswer extends Error {
  override name = 'UnusableAnswer';
  readonly facts: AnswerFacts;

  constructor(facts: AnswerFacts) {
    super(`unusable answer (HTTP ${facts.status})`);
    this.facts = facts;
  }
}

/** The {@link UnusableAnswer} in `thrown` or its cause chain (openid-client wraps what a fetch throws). */
export function unusableAnswerIn(thrown: unknown): UnusableAnswer | undefined {
  let current = thrown;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof UnusableAnswer) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * Reads an answer that should be a JSON object (a token answer, a discovery document): the object, or the
 * facts of why it cannot be used. Only a 200 whose body is a JSON object is usable; its content type may be
 * off (a JSON token answer labelled `text/plain` still holds a token).
 */
export async function readJsonAnswer(
  response: Response,
  base: string,
): Promise<{ readonly json: Record<string, unknown> } | { readonly facts: AnswerFacts }> {
  const read: CappedText =
    isRedirect(response) || response.type === 'opaqueredirect'
      ? await cancelled(response)
      : await readCapped(response);
  const text = read.tooLarge ? '' : read.text;
  let parsed: unknown;
  let badJson = false;
  if (text.trim() !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      badJson = true;
    }
  }
  const object = isObject(parsed) ? parsed : undefined;
  if (response.status === 200 && object && !read.tooLarge) {
    // A 200 that carries an OAuth error and no token (some gateways and old providers) is a refusal.
    if (!(typeof object.error === 'string' && object.access_token === undefined)) return { json: object };
  }
  return {
    facts: factsOf(response, base, { object, badJson, empty: text === '', tooLarge: !!read.tooLarge }),
  };
}

async function cancelled(response: Response): Promise<CappedText> {
  await response.body?.cancel().catch(() => {});
  return { text: '' };
}

function factsOf(
  response: Response,
  base: string,
  body: { object: Record<string, unknown> | undefined; badJson: boolean; empty: boolean; tooLarge: boolean },
): AnswerFacts {
  const { headers } = response;
  const contentType = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() || undefined;
  const challenge = challengeParams(headers.get('www-authenticate'));
  const field = (name: 'error' | 'error_description' | 'error_uri'): string | undefined => {
    const value = body.object?.[name];
    return typeof value === 'string' && value !== '' ? value : challenge[name];
  };
  const status = response.status;
  return {
    status,
    contentType,
    kind: body.tooLarge ? kindOf(contentType) : body.empty ? 'empty' : kindOf(contentType),
    tooLarge: body.tooLarge,
    badJson: body.badJson && kindOf(contentType) === 'json',
    error: field('error'),
    error_description: field('error_description'),
    error_uri: field('error_uri'),
    retryAfter: retryAfter(headers),
    location: locationOf(headers, base),
    transient: status >= 500 || status === 429 || status === 408,
  };
}

function kindOf(contentType: string | undefined): BodyKind {
  if (contentType === undefined) return 'other';
  if (contentType === 'application/json' || contentType.endsWith('+json')) return 'json';
  if (contentType === 'text/html' || contentType === 'application/xhtml+xml') return 'html';
  if (contentType.startsWith('text/')) return 'text';
  return 'other';
}

/** How the answer's body is described in a message, e.g. "an HTML page: a proxy or login page is in the way". */
export function bodyHint(facts: AnswerFacts): string {
  if (facts.tooLarge) {
    return `a body larger than ${formatBytes(MAX_OIDC_ANSWER_BYTES)}, the limit for token and discovery answers (it was not read)`;
  }
  switch (facts.kind) {
    case 'html':
      return 'an HTML page: a proxy or login page is in the way';
    case 'empty':
      return 'an empty body';
    case 'json':
      return facts.badJson
        ? `a body that is not valid JSON (though labelled ${facts.contentType})`
        : 'JSON without an OAuth error';
    default:
      return facts.contentType
        ? `a body of type ${facts.contentType}, not JSON`
        : 'a body without a content type';
  }
}

/** A redirect status, or the browser's opaque stand-in for one (`redirect: 'manual'`). */
export function isRedirect(response: { status: number; type?: string }): boolean {
  return (response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect';
}

function locationOf(headers: Headers, base: string): string | undefined {
  const location = headers.get('location');
  if (!location) return undefined;
  try {
    return displayUrl(new URL(location, base));
  } catch {
    return undefined;
  }
}

const challengeParam = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^\s,]*)/g;

/**
 * The OAuth parameters of a `WWW-Authenticate` header (RFC 6750 §3, RFC 6749 §5.2: `Bearer error="..."`,
 * `Basic realm="..."`): the first `error`, `error_description` and `error_uri` found in any challenge.
 */
export function challengeParams(header: string | null): {
  error?: string;
  error_description?: string;
  error_uri?: string;
} {
  const found: Record<string, string> = {};
  if (!header) return found;
  for (const [, name, raw] of header.matchAll(challengeParam)) {
    const key = name?.toLowerCase();
    if (key !== 'error' && key !== 'error_description' && key !== 'error_uri') continue;
    if (found[key] !== undefined || raw === undefined) continue;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (value !== '') found[key] = value;
  }
  return found;
}

/**
 * The `Retry-After` of an answer, in seconds (RFC 9110: a number of seconds or an HTTP date); undefined when
 * absent or unreadable.
 */
export function retryAfter(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
