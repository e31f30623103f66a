import { ConfigurationError, type StoredToken } from '@auth/core';

/** The Redis names of one core store key. */
export interface RedisKeys {
  /** A hash of the core key (server + credential kind + the credential's fingerprint): short, stable, no secret. */
  readonly id: string;
  readonly token: string;
  readonly lock: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  const normal = text.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normal)) return undefined;
  try {
    const binary = atob(normal.padEnd(Math.ceil(normal.length / 4) * 4, '='));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * The Redis keys for a core store key. Both share a hash tag (`{…}`), so the scripts that touch both work on
 * Redis Cluster too. The hash does not depend on the encryption key: a process with the wrong key finds the
 * value and says so, instead of silently using another slot.
 */
export async function redisKeys(prefix: string, key: string): Promise<RedisKeys> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(`@auth/redis-store:v1\u0000${key}`));
  const id = hex(digest).slice(0, 32);
  return { id, token: `${prefix}{${id}}:token`, lock: `${prefix}{${id}}:lock` };
}

/** The 32 raw bytes of an `encryptionKey` option, or a ConfigurationError saying how to make one. */
export function parseEncryptionKey(value: unknown): Uint8Array<ArrayBuffer> {
  const bytes =
    typeof value === 'string'
      ? fromBase64Url(value.trim())
      : value instanceof Uint8Array
        ? new Uint8Array(value)
        : undefined;
  if (bytes?.length !== 32) {
    throw new ConfigurationError(
      'redisStore(): `encryptionKey` must be 32 random bytes, as a Uint8Array or a base64 string (make one with `openssl rand -base64 32`, keep it in your secret manager, give every process of the fleet the same one).',
    );
  }
  return bytes;
}

/** An AES-GCM key and its public id (a hash prefix, to tell keys apart in messages). */
export interface Cipher {
  readonly id: string;
  readonly key: CryptoKey;
}

export async function importCipher(raw: Uint8Array<ArrayBuffer>): Promise<Cipher> {
  const [key, digest] = await Promise.all([
    crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']),
    crypto.subtle.digest(
      'SHA-256',
      new Uint8Array([...encoder.encode('@auth/redis-store key id\u0000'), ...raw]),
    ),
  ]);
  return { id: hex(digest).slice(0, 8), key };
}

/**
 * A short one-way hash of an access token, stored in clear in the value's header so that the `INVALIDATE`
 * script can tell, without decrypting, whether the stored token is the one a server refused. Bound to the
 * Redis key; 128 bits of SHA-256 of a token that is itself high-entropy: it reveals nothing usable.
 */
export async function tokenHash(redisKey: string, accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    encoder.encode(`@auth/redis-store access token\u0000${redisKey}\u0000${accessToken}`),
  );
  return hex(digest).slice(0, 32);
}

/** What the `INVALIDATE` script puts in front of a value whose access token a server refused. */
export const REJECTED_MARK = 'r|';

/** The parts of a stored value that Redis scripts and readers see without decrypting. */
export interface Header {
  readonly obtainedAt: number;
  readonly expiresAt: number | undefined;
  /** {@link tokenHash} of the access token. */
  readonly tokenHash: string;
  /** A server refused the access token (the value carries {@link REJECTED_MARK}): it counts as expired. */
  readonly rejected: boolean;
  /** `plain`, or `aes-gcm:<key id>`. */
  readonly encoding: string;
  readonly body: string;
  /** Everything before the body, without the rejected mark: authenticated (AAD) when encrypted. */
  readonly prefix: string;
}

/**
 * Splits `[r|]v2|obtainedAt|expiresAt|tokenHash|encoding|body`; undefined for anything else (values of other
 * versions are unreadable: a fresh token replaces them).
 */
export function parseHeader(value: string): Header | undefined {
  const rejected = value.startsWith(REJECTED_MARK);
  const raw = rejected ? value.slice(REJECTED_MARK.length) : value;
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const end = raw.indexOf('|', start);
    if (end < 0) return undefined;
    parts.push(raw.slice(start, end));
    start = end + 1;
  }
  const [version, at, exp, hash, encoding] = parts as [string, string, string, string, string];
  if (version !== 'v2' || !/^\d+$/.test(at) || !/^(\d+)?$/.test(exp) || !/^[0-9a-f]{32}$/.test(hash)) {
    return undefined;
  }
  return {
    obtainedAt: Number(at),
    expiresAt: exp === '' ? undefined : Number(exp),
    tokenHash: hash,
    rejected,
    encoding,
    body: raw.slice(start),
    prefix: raw.slice(0, start),
  };
}

/** Why a stored value could not be read, for the `decrypt-failed` event. */
export class UnreadableValue {
  constructor(readonly why: string) {}
}

/**
 * `v2|obtainedAt|expiresAt|tokenHash|plain|{"accessToken":…,"refreshToken":…}` (plus `"refused":true` once
 * the provider refused the refresh token), or with a cipher
 * `v2|…|aes-gcm:<key id>|<iv>.<ciphertext>` where the ciphertext authenticates the header and the Redis key
 * (a value cannot be moved to another key or have its expiry changed). `INVALIDATE` may later put
 * {@link REJECTED_MARK} in front (outside the authenticated part: it can only make a token count as expired).
 */
export async function encode(
  token: StoredToken,
  redisKey: string,
  cipher: Cipher | undefined,
): Promise<string> {
  const at = Math.floor(token.obtainedAt);
  const exp = token.expiresAt === undefined ? '' : String(Math.floor(token.expiresAt));
  const secret = JSON.stringify({
    accessToken: token.accessToken,
    refreshToken: token.refreshToken,
    ...(token.refused ? { refused: true } : {}),
  });
  const hash = await tokenHash(redisKey, token.accessToken);
  if (!cipher) return `v2|${at}|${exp}|${hash}|plain|${secret}`;
  const prefix = `v2|${at}|${exp}|${hash}|aes-gcm:${cipher.id}|`;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(`${redisKey}\u0000${prefix}`) },
    cipher.key,
    encoder.encode(secret),
  );
  return `${prefix}${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** The token in a stored value, or why it cannot be read with this cipher. */
export async function decode(
  header: Header,
  redisKey: string,
  cipher: Cipher | undefined,
): Promise<StoredToken | UnreadableValue> {
  let secret: string;
  if (header.encoding === 'plain') {
    if (cipher) {
      return new UnreadableValue(
        'it is stored unencrypted, and this process has an `encryptionKey` (it only accepts values encrypted with it). Give every process of the fleet the same `encryptionKey`',
      );
    }
    secret = header.body;
  } else if (header.encoding.startsWith('aes-gcm:')) {
    const storedId = header.encoding.slice('aes-gcm:'.length);
    if (!cipher) {
      return new UnreadableValue(
        `it is encrypted (key id ${storedId}) and this process has no \`encryptionKey\`. Pass the fleet's \`encryptionKey\` to redisStore()`,
      );
    }
    if (storedId !== cipher.id) {
      return new UnreadableValue(
        `it is encrypted with another key (key id ${storedId}; this process has key id ${cipher.id}). Give every process of the fleet the same \`encryptionKey\``,
      );
    }
    const [iv, sealed] = header.body.split('.').map(fromBase64Url);
    if (!iv || !sealed || iv.length !== 12) return new UnreadableValue('its ciphertext is malformed');
    try {
      const opened = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv, additionalData: encoder.encode(`${redisKey}\u0000${header.prefix}`) },
        cipher.key,
        sealed,
      );
      secret = decoder.decode(opened);
    } catch {
      return new UnreadableValue(
        `its ciphertext does not authenticate with this key (key id ${cipher.id}): it was changed, moved from another key, or written with a different key of the same id`,
      );
    }
  } else {
    return new UnreadableValue(`its encoding "${header.encoding.slice(0, 20)}" is unknown`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    return new UnreadableValue('its token is not valid JSON');
  }
  const { accessToken, refreshToken, refused } = (parsed ?? {}) as {
    accessToken?: unknown;
    refreshToken?: unknown;
    refused?: unknown;
  };
  if (typeof accessToken !== 'string' || accessToken === '')
    return new UnreadableValue('it has no access token');
  return {
    accessToken,
    refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined,
    obtainedAt: header.obtainedAt,
    expiresAt: header.expiresAt,
    // The provider refused its refresh token: kept as such in every process (core then never presents it).
    ...(refused === true ? { refused: true } : {}),
  };
}

/** The token as `get` hands it out: one a server refused counts as expired (its refresh token still works). */
export function asServed(token: StoredToken, header: Header): StoredToken {
  return header.rejected ? { ...token, expiresAt: header.obtainedAt } : token;
}
