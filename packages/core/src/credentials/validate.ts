import { ConfigurationError } from '../errors/configuration-error.js';

/** The longest delay a timer waits (ms): a longer one fires after 1 ms. */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** Whitespace and ASCII control characters: a line break read from a file is the usual one. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;
/** A value that starts with its `Bearer ` scheme, copied with it (from a curl command, a whole header value). */
export const BEARER_SCHEME = /^bearer\s/i;
/**
 * Anything but visible ASCII and Latin-1 characters: what a token sent as an HTTP header value cannot hold.
 * fetch refuses a character above U+00FF (a `TypeError`), Node's http module sends other bytes than the
 * ones meant; C1 control characters (U+0080-U+009F) are control characters all the same.
 */
export const NOT_IN_A_HEADER = /[^\u0021-\u007e\u00a1-\u00ff]/;
/** How messages name what {@link NOT_IN_A_HEADER} finds. */
export const CANNOT_CARRY =
  'a character an HTTP header cannot carry (a control character, or one above U+00FF)';

/** A header name (an HTTP token): letters, digits and ``!#$%&'*+-.^_`|~``. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The {@link ConfigurationError} of a bad `createAuth()` option: "createAuth(): `<option>` <problem>." */
export function optionError(option: string, problem: string, cause?: unknown): ConfigurationError {
  return new ConfigurationError(
    `createAuth(): \`${option}\` ${problem}.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A secret or name that must be a non-empty string an HTTP header can carry as it is: no whitespace or control
 * characters (a trailing newline from a file is the usual culprit), nothing above U+00FF. The message never
 * shows the value.
 */
export function requireToken(value: unknown, where: string, hint: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(
      `${where} is ${value === undefined ? 'missing' : typeof value !== 'string' ? `a ${typeof value}, not a string` : 'empty'}. ${hint}`,
    );
  }
  // Whitespace and control characters are characters a header cannot carry too: the message names the usual
  // ones, a trailing newline and a scheme copied with the value (`Bearer <key>` from a curl command).
  if (NOT_IN_A_HEADER.test(value)) {
    const problem = BEARER_SCHEME.test(value.trim())
      ? 'starts with `Bearer `: pass it without (the scheme is added for you)'
      : WHITESPACE_OR_CONTROL.test(value)
        ? 'contains whitespace or control characters (a trailing newline?). Trim it'
        : `contains ${CANNOT_CARRY}. Pass it exactly as it was issued`;
    throw new ConfigurationError(`${where} ${problem}.`);
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

/** Form parameters core sets itself: `extraParams` may not set them (each has its own option). */
const RESERVED_PARAMS: Record<string, string> = {
  grant_type: 'the credential kind chooses it',
  client_id: 'use `clientId`',
  client_secret: 'use `clientSecret`',
  client_assertion: 'client assertions are not supported',
  client_assertion_type: 'client assertions are not supported',
  username: 'use `username`',
  password: 'use `password`',
  refresh_token: 'use `refreshToken`',
  scope: 'use `scopes`',
};

/**
 * The `extraParams` option: form parameters added to every token request of a credential, each a string or
 * an array of strings (sent repeated). Frozen copy.
 */
export function optionalExtraParams(
  value: unknown,
  where: string,
): Readonly<Record<string, string | readonly string[]>> | undefined {
  if (value === undefined) return undefined;
  const example = "e.g. { audience: 'https://api.example.com' }";
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${where} must be an object of form parameters, ${example}.`);
  }
  const params: Record<string, string | readonly string[]> = {};
  for (const [name, item] of Object.entries(value)) {
    const reserved = RESERVED_PARAMS[name];
    if (reserved) throw new ConfigurationError(`${where} must not set \`${name}\`: ${reserved}.`);
    const valid =
      typeof item === 'string' ||
      (Array.isArray(item) && item.length > 0 && item.every((entry) => typeof entry === 'string'));
    if (!valid) {
      throw new ConfigurationError(
        `${where}: \`${name}\` must be a string or a non-empty array of strings, ${example}.`,
      );
    }
    params[name] = typeof item === 'string' ? item : Object.freeze([...(item as string[])]);
  }
  return Object.freeze(params);
}

/** The `tokenEndpointAuthMethod` option: `client_secret_basic`, `client_secret_post`, or absent. */
export function optionalAuthMethod(
  value: unknown,
  where: string,
): 'client_secret_basic' | 'client_secret_post' | undefined {
  if (value === undefined || value === 'client_secret_basic' || value === 'client_secret_post') return value;
  throw new ConfigurationError(
    `${where} must be 'client_secret_basic' or 'client_secret_post' (or left out: chosen from the provider's discovery document).`,
  );
}
