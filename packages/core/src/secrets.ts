import { redacted } from './redact.js';

/** Secrets shorter than this are not looked for: they would match ordinary words (and guess easily). */
export const MIN_SECRET_LENGTH = 4;
/** How many tokens obtained (access and refresh) are remembered, newest first; older ones are long dead. */
const RECENT_TOKENS = 32;
/** How deep a `cause` chain is followed. */
const MAX_DEPTH = 8;

/**
 * The secret values one auth object holds: the credential's own (API key, password, client secret, a given
 * bearer token, the extra headers' values) and the recent tokens it obtained. {@link SecretSet.scrub}
 * replaces every exact value (also as a form, a URL or JSON would spell it) with `[redacted]` in whatever
 * leaves core: errors (message, stack, every string field, the `cause` chain) and events. A provider or a
 * token source that echoes a secret back (in `error_description`, an error message) shows nothing.
 */
export class SecretSet {
  readonly #fixed = new Set<string>();
  #recent: string[] = [];
  /** Every spelling of every secret, longest first; rebuilt after a change. */
  #patterns: string[] | undefined;

  /** A secret the credential holds for the auth object's whole life. */
  fix(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.#fixed.has(value)) return;
    this.#fixed.add(value);
    this.#patterns = undefined;
  }

  /** A token obtained or handed out (access or refresh); the last {@link RECENT_TOKENS} are kept. */
  remember(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.#recent.includes(value)) return;
    if (this.#fixed.has(value)) return;
    this.#recent.push(value);
    if (this.#recent.length > RECENT_TOKENS) this.#recent.shift();
    this.#patterns = undefined;
  }

  /** `text` with every secret replaced by `[redacted]`. */
  scrub(text: string): string {
    let out = text;
    for (const pattern of this.#spellings())
      if (out.includes(pattern)) out = out.split(pattern).join(redacted);
    return out;
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
    if (!(target instanceof Error) || depth > MAX_DEPTH || this.#spellings().length === 0) return;
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

  #spellings(): string[] {
    if (this.#patterns) return this.#patterns;
    const all = new Set<string>();
    for (const secret of [...this.#fixed, ...this.#recent]) {
      all.add(secret);
      all.add(encodeURIComponent(secret));
      all.add(new URLSearchParams({ s: secret }).toString().slice(2)); // as a form spells it
      all.add(JSON.stringify(secret).slice(1, -1));
    }
    this.#patterns = [...all].filter((spelling) => spelling.length >= MIN_SECRET_LENGTH);
    this.#patterns.sort((a, b) => b.length - a.length);
    return this.#patterns;
  }
}
