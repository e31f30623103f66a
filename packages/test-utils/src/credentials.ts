import {
  apiKey,
  bearerToken,
  type Credentials,
  clientCredentials,
  oidcPassword,
  tokenSource,
} from '@auth/core';
import type { WeaviateServer } from '@auth/testing';

/** A credential kind as the tests build it for a {@link WeaviateServer}'s admin. */
export type CredentialKind = readonly [name: string, make: (server: WeaviateServer) => Promise<Credentials>];

/** Every credential kind, for the server's admin (an API key, a user, the service client, issued tokens). */
export const credentialKinds: readonly CredentialKind[] = [
  ['API key', async (server) => apiKey(server.keys.admin)],
  [
    'password grant',
    async (server) =>
      oidcPassword({ username: server.users.admin.username, password: server.users.admin.password }),
  ],
  [
    'client credentials',
    async (server) =>
      clientCredentials({
        clientId: server.clients.service.clientId,
        clientSecret: server.clients.service.clientSecret,
      }),
  ],
  ['bearer + refresh token', async (server) => bearerToken(await server.issueTokens())],
  [
    'token source',
    async (server) =>
      tokenSource(async () => {
        const { accessToken, expiresIn } = await server.issueTokens();
        return { accessToken, expiresIn };
      }),
  ],
];

/** The kinds whose token expires and is renewed (all but the API key). */
export const renewableKinds: readonly CredentialKind[] = credentialKinds.filter(
  ([name]) => name !== 'API key',
);

const kind = (name: string) => {
  const found = credentialKinds.find(([kindName]) => kindName === name);
  if (!found) throw new Error(`no credential kind '${name}'`);
  return found[1];
};

/** The admin's username and password (the password grant). */
export const passwordGrant = kind('password grant');
/** The service client's id and secret (the client credentials grant). */
export const serviceClient = kind('client credentials');

/** Hands out the given (revoked) tokens one after the other: a credential that stays invalid. */
export function revokedTokens(tokens: readonly string[]): Credentials {
  return {
    kind: 'revoked',
    bind: () => {
      let next = 0;
      return {
        grant: 'token_source',
        renewable: true,
        obtain: async () => ({ accessToken: tokens[next++ % tokens.length] ?? '', expiresIn: 60 }),
      };
    },
  };
}

/** Two real access tokens from `server`, then every token revoked: {@link revokedTokens} over them. */
export async function revokedCredentials(server: WeaviateServer): Promise<Credentials> {
  const tokens = [await server.issueTokens(), await server.issueTokens()].map((issued) => issued.accessToken);
  server.faults.revokeAllTokens();
  return revokedTokens(tokens);
}

/**
 * A renewable credential whose tokens are `token-1`, `token-2`... (for a recording server, which checks
 * nothing unless told to `accept` one); `issued()` says how many were handed out.
 */
export function numberedTokens(): { credentials: Credentials; issued(): number } {
  let issued = 0;
  return {
    credentials: tokenSource(async () => ({ accessToken: `token-${++issued}`, expiresIn: 60 })),
    issued: () => issued,
  };
}

/** What `server` answers (the status) to a GET of `path` with these headers, or with this bearer token. */
export async function statusWith(
  server: Pick<WeaviateServer, 'url'>,
  credential: string | Record<string, string>,
  path = '/v1/schema',
): Promise<number> {
  const headers = typeof credential === 'string' ? { authorization: `Bearer ${credential}` } : credential;
  const response = await fetch(`${server.url}${path}`, { headers });
  await response.body?.cancel();
  return response.status;
}

/**
 * A token source whose first call waits until `release()`; `asked` resolves as soon as that call began (a token
 * is being fetched). For changing something while the first token is fetched. Browser-safe.
 */
export function heldTokenSource(accessToken: string): {
  credentials: Credentials;
  asked: Promise<void>;
  release(): void;
} {
  let asked = (): void => {};
  let release = (): void => {};
  const began = new Promise<void>((resolve) => {
    asked = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const credentials = tokenSource(async () => {
    asked();
    await gate;
    return { accessToken, expiresIn: 60 };
  });
  return { credentials, asked: began, release };
}
