/**
 * The brand every `AuthError` carries (on its prototype, so every subclass too), shared by every copy of this
 * package through the global symbol registry. `isAuthError()` reads it.
 */
export const AUTH_ERROR_BRAND: unique symbol = Symbol.for('@auth/core.AuthError') as never;

/**
 * Whether `error` is an `AuthError` of this package (any copy of it): it carries the brand. Such an error holds
 * only what core put in it (scrubbed of secrets) and a redacted cause; any other error, whatever its `name` or
 * `code` says, may hold anything (a response body, the token a store was writing) and is copied, not kept.
 */
export function isOwnError(error: unknown): boolean {
  return (error as { [AUTH_ERROR_BRAND]?: unknown } | null | undefined)?.[AUTH_ERROR_BRAND] === true;
}

/** Node's hook for `util.inspect`; harmless elsewhere. */
export const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

const REDACTED = '[redacted]';

/** What a secret shows as in `String()`, `JSON.stringify()` and `util.inspect()`. */
export const redacted = REDACTED;

/**
 * Gives an object a safe face: `toJSON()`, `toString()` and `util.inspect()` all show `describe()` and
 * nothing else. Secrets live in `#private` fields, which none of the three can reach.
 */
export abstract class Redacted {
  protected abstract readonly label: string;
  protected abstract describe(): Record<string, unknown>;

  toJSON(): Record<string, unknown> {
    return this.describe();
  }

  toString(): string {
    return this[inspectSymbol]();
  }

  [inspectSymbol](
    _depth?: number,
    options?: unknown,
    inspect?: (value: unknown, options: unknown) => string,
  ): string {
    const body = inspect ? inspect(this.describe(), options) : JSON.stringify(this.describe());
    return `${this.label} ${body}`;
  }
}

/**
 * A copy of `cause` that is safe to keep on an error: name, message, stack, and the primitive `code`,
 * `status`, `error` and `error_description`; its own cause copied the same way. Errors of this package (see
 * {@link isOwnError}) are kept as they are. Anything else (response bodies, Response objects, plain objects) is dropped, because
 * libraries put the raw token response (with its tokens) into their causes.
 */
export function safeCause(cause: unknown, depth = 0): unknown {
  if (!(cause instanceof Error) || depth > 4) return undefined;
  if (isOwnError(cause)) return cause;
  const fields = cause as unknown as Record<string, unknown>;
  const inner = safeCause(cause.cause, depth + 1);
  const copy = new Error(cause.message, inner === undefined ? undefined : { cause: inner });
  const kept = copy as unknown as Record<string, unknown>;
  for (const field of ['name', 'stack', 'code', 'status', 'error', 'error_description']) {
    const value = fields[field];
    if (typeof value === 'string' || typeof value === 'number') kept[field] = value;
  }
  return copy;
}
