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
    return `${this.label} ${JSON.stringify(this.describe())}`;
  }

  [inspectSymbol](
    _depth: number,
    options: unknown,
    inspect?: (value: unknown, options: unknown) => string,
  ): string {
    const body = inspect ? inspect(this.describe(), options) : JSON.stringify(this.describe());
    return `${this.label} ${body}`;
  }
}

const keptFields = ['code', 'status', 'error', 'error_description'] as const;

/**
 * A copy of `cause` that is safe to keep on an error: name, message, stack, and the primitive `code`,
 * `status`, `error` and `error_description`; its own cause copied the same way. Errors of this package are
 * kept as they are. Anything else (response bodies, Response objects, plain objects) is dropped, because
 * libraries put the raw token response (with its tokens) into their causes.
 */
export function safeCause(cause: unknown, depth = 0): unknown {
  if (!(cause instanceof Error) || depth > 4) return undefined;
  if (isOwnError(cause)) return cause;
  const inner = safeCause(cause.cause, depth + 1);
  const copy = new Error(cause.message, inner === undefined ? undefined : { cause: inner });
  copy.name = cause.name;
  if (cause.stack !== undefined) copy.stack = cause.stack;
  for (const field of keptFields) {
    const value: unknown = (cause as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string' || typeof value === 'number') {
      Object.defineProperty(copy, field, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return copy;
}

function isOwnError(error: Error): boolean {
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('AUTH_') && error.constructor !== Error;
}
