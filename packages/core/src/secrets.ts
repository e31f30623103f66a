import { redacted } from './redact.js';

/** Secrets shorter than this are not looked for: they would match ordinary words (and guess easily). */
export const MIN_SECRET_LENGTH = 4;
/** How many tokens obtained (access and refresh) are remembered, newest first; older ones are long dead. */
const RECENT_TOKENS = 32;
/** How deep a `cause` chain is followed. */
const MAX_DEPTH = 8;

/**
 * How secrets are looked for in a text: the text in a canonical form (`from` and `to` map each of its
 * characters back to the span of the original text it came from), and what each secret reads as in it.
 */
export interface Spelling {
  canonical(text: string): { text: string; from: (i: number) => number; to: (i: number) => number };
  targets(secret: string): string[];
}

/**
 * The spellings looked for until {@link spellSecretsEverywhere} installs more: the secret as it is, and as a
 * URL, a form and JSON escape it, in the text as it is.
 */
const exactSpellings: Spelling = {
  canonical: (text) => ({ text, from: (i) => i, to: (i) => i + 1 }),
  targets: (secret) => [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2), // as a form spells it
    JSON.stringify(secret).slice(1, -1),
  ],
};
let spelling = exactSpellings;

/**
 * From now on every {@link SecretSet} looks for every spelling in `full` (`everySpelling` of `spellings.ts`).
 * The code that requests tokens installs it when it loads, before any answer that could echo a secret.
 */
export function spellSecretsEverywhere(full: Spelling): void {
  spelling = full;
}

/**
 * The secret values one auth object holds: the credential's own (API key, password, client secret, a given
 * bearer token, the extra headers' values) and the recent tokens it obtained. {@link SecretSet.scrub}
 * replaces every value with `[redacted]` in whatever leaves core: errors (message, stack, every string field,
 * the `cause` chain) and events. A provider or a token source that echoes a secret back shows nothing, however
 * it spelled it: escaped for a URL, a form, JSON or HTML, split across lines, in base64 (see `spellings.ts`,
 * installed with the first token request; before it, the secret as it is and its URL, form and JSON escapes).
 */
export class SecretSet {
  readonly #fixed = new Set<string>();
  #recent: string[] = [];
  /** The targets of each secret, made when first needed, under {@link #spelling}. */
  readonly #targetsOf = new Map<string, readonly string[]>();
  /** Every target of every secret held; rebuilt after a change. */
  #targets: string[] | undefined;
  /** The spelling the targets were made for. */
  #spelling: Spelling | undefined;

  /** A secret the credential holds for the auth object's whole life. */
  fix(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.#fixed.has(value)) return;
    this.#fixed.add(value);
    this.#targets = undefined;
  }

  /** A token obtained or handed out (access or refresh); the last {@link RECENT_TOKENS} are kept. */
  remember(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.#recent.includes(value)) return;
    if (this.#fixed.has(value)) return;
    this.#recent.push(value);
    if (this.#recent.length > RECENT_TOKENS) this.#recent.shift();
    this.#targets = undefined;
  }

  /** `text` with every secret replaced by `[redacted]`. */
  scrub(text: string): string {
    const targets = this.#all();
    if (targets.length === 0 || text === '') return text;
    const seen = spelling.canonical(text);
    const spans: [number, number][] = [];
    for (const target of targets) {
      for (let at = seen.text.indexOf(target); at >= 0; at = seen.text.indexOf(target, at + 1)) {
        spans.push([seen.from(at), seen.to(at + target.length - 1)]);
      }
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0]);
    let out = '';
    let done = 0;
    for (const [start, end] of spans) {
      if (end <= done) continue;
      if (start >= done) out += text.slice(done, start) + redacted;
      done = end;
    }
    return out + text.slice(done);
  }

  /**
   * Scrubs an error in place (the same object is given to every caller that waits on it): its message, stack,
   * every own string field (`error_description`, `error`...), and each error in its `cause` chain.
   */
  scrubError<T>(error: T): T {
    this.#scrubObject(error, 0);
    return error;
  }

  /** A copy of `event` with its strings scrubbed (its `error` in place). */
  scrubEvent<E extends object>(event: E): E {
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(event)) {
      copy[key] =
        typeof value === 'string'
          ? this.scrub(value)
          : value instanceof Error
            ? this.scrubError(value)
            : value;
    }
    return copy as E;
  }

  #scrubObject(target: unknown, depth: number): void {
    if (!(target instanceof Error) || depth > MAX_DEPTH || this.#all().length === 0) return;
    for (const key of new Set(['message', 'stack', ...Object.keys(target)])) {
      const value: unknown = (target as unknown as Record<string, unknown>)[key];
      if (typeof value !== 'string') continue;
      const clean = this.scrub(value);
      if (clean === value) continue;
      try {
        (target as unknown as Record<string, unknown>)[key] = clean;
      } catch {
        // A read-only field (a platform error's getter) holds nothing of ours.
      }
    }
    this.#scrubObject(target.cause, depth + 1);
  }

  #all(): string[] {
    if (this.#spelling !== spelling) {
      this.#spelling = spelling;
      this.#targetsOf.clear();
      this.#targets = undefined;
    }
    if (this.#targets) return this.#targets;
    const held = new Set([...this.#fixed, ...this.#recent]);
    for (const secret of this.#targetsOf.keys()) if (!held.has(secret)) this.#targetsOf.delete(secret);
    const all = new Set<string>();
    for (const secret of held) {
      let targets = this.#targetsOf.get(secret);
      if (!targets) {
        targets = spelling.targets(secret).filter((target) => target.length >= MIN_SECRET_LENGTH);
        this.#targetsOf.set(secret, targets);
      }
      for (const target of targets) all.add(target);
    }
    this.#targets = [...all];
    return this.#targets;
  }
}
