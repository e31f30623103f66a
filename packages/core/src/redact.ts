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
 * `status`, `error` and `error_description`; its own cause copied the same way. Errors of this package are
 * kept as they are. Anything else (response bodies, Response objects, plain objects) is dropped, because
 * libraries put the raw token response (with its tokens) into their causes.
 */
export function safeCause(cause: unknown, depth = 0): unknown {
  if (!(cause instanceof Error) || depth > 4) return undefined;
  const fields = cause as unknown as Record<string, unknown>;
  const { code } = fields;
  // One of ours: an AuthError subclass (a plain Error with an AUTH_ code is copied like any other).
  if (typeof code === 'string' && code.startsWith('AUTH_') && cause.constructor !== Error) return cause;
  const inner = safeCause(cause.cause, depth + 1);
  const copy = new Error(cause.message, inner === undefined ? undefined : { cause: inner });
  const kept = copy as unknown as Record<string, unknown>;
  for (const field of ['name', 'stack', 'code', 'status', 'error', 'error_description']) {
    const value = fields[field];
    if (typeof value === 'string' || typeof value === 'number') kept[field] = value;
  }
  return copy;
}
