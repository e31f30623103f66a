import { ConfigurationError } from '../errors/configuration-error.js';

/**
 * A secret or name that must be a non-empty string without whitespace or control characters (a trailing
 * newline from a file is the usual culprit). The message never shows the value.
 */
export function requireToken(value: unknown, where: string, hint: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(
      `${where} is ${value === undefined ? 'missing' : typeof value !== 'string' ? `a ${typeof value}, not a string` : 'empty'}. ${hint}`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new ConfigurationError(
      `${where} contains whitespace or control characters (a trailing newline?). Trim the value before passing it.`,
    );
  }
  return value;
}

/** A non-empty string that may contain spaces (a user name, a password). */
export function requireString(value: unknown, where: string, hint: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(
      `${where} is ${value === undefined ? 'missing' : 'not a non-empty string'}. ${hint}`,
    );
  }
  return value;
}

/** An optional list of scopes: an array of strings. */
export function optionalScopes(value: unknown, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((scope) => typeof scope !== 'string')) {
    throw new ConfigurationError(`${where} must be an array of strings, e.g. ['openid', 'email'].`);
  }
  return Object.freeze([...value]);
}
