import type { Credentials, TokenProvider } from './credentials/credentials.js';
import { serverRoot } from './server-root.js';

/** PBKDF2 rounds for a low-entropy part (a password): makes guessing it from a key slow. */
const PBKDF2_ITERATIONS = 100_000;

const encoder = new TextEncoder();

/** Random ids of credential objects without a stable identity (a key function, a token source). */
const instanceIds = new WeakMap<object, string>();

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function instanceId(credentials: Credentials): string {
  let id = instanceIds.get(credentials);
  if (id === undefined) {
    id = hex(crypto.getRandomValues(new Uint8Array(16)));
    instanceIds.set(credentials, id);
  }
  return id;
}

/**
 * The token store key of a credential at a server: `@auth/core:<server>:<kind>:<id>`, where `server` is the
 * {@link serverRoot} of `baseUrl` (`http://h`, `http://h/v1` and `http://h/v1/` are one server: one key) and `id` is a
 * fingerprint (the first 128 bits of SHA-256, or of PBKDF2-SHA-256 when a part is a password) of the
 * credential's identity and secret material, or a random id of the credential object when it has no stable
 * identity. Never a secret. Never rejects: where Web Crypto is missing (a browser page on plain http), the
 * key falls back to the random id (no sharing, never the wrong token).
 */
export async function storeKey(
  baseUrl: string,
  credentials: Credentials,
  provider: TokenProvider,
): Promise<string> {
  const server = serverRoot(new URL(baseUrl)).href.replace(/\/$/, '');
  const prefix = `@auth/core:${server}:${credentials.kind}:${provider.role ? `${provider.role}:` : ''}`;
  try {
    const material = provider.keyMaterial?.();
    if (material === undefined && provider.identity === undefined) return prefix + instanceId(credentials);
    const input = encoder.encode(
      JSON.stringify([
        '@auth/core store key v1',
        server,
        credentials.kind,
        provider.identity ?? null,
        ...(material?.parts ?? []),
      ]),
    );
    const subtle = globalThis.crypto?.subtle;
    if (subtle === undefined) return prefix + instanceId(credentials);
    let digest: ArrayBuffer;
    if (material?.lowEntropy === true) {
      const secret = await subtle.importKey('raw', input, 'PBKDF2', false, ['deriveBits']);
      digest = await subtle.deriveBits(
        {
          name: 'PBKDF2',
          hash: 'SHA-256',
          salt: encoder.encode(`@auth/core store key|${server}|${credentials.kind}`),
          iterations: PBKDF2_ITERATIONS,
        },
        secret,
        256,
      );
    } else {
      digest = await subtle.digest('SHA-256', input);
    }
    return prefix + hex(digest).slice(0, 32);
  } catch {
    return prefix + instanceId(credentials);
  }
}
