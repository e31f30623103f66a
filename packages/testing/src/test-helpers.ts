// Helpers for this package's own tests (not exported from the package).
import type { WeaviateServer } from './server.js';

export interface TokenResponse {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** A plain form-encoded POST to the provider's token endpoint, as DESIGN.md describes the grants. */
export async function tokenRequest(
  server: WeaviateServer,
  params: Record<string, string>,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<TokenResponse> {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    body: new URLSearchParams(params),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // left empty: the caller asserts on text
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function passwordGrant(
  server: WeaviateServer,
  user: { username: string; password: string } = server.users.admin,
  scope = 'openid offline_access',
  signal?: AbortSignal,
): Promise<TokenResponse> {
  return tokenRequest(
    server,
    {
      grant_type: 'password',
      client_id: server.clientId,
      username: user.username,
      password: user.password,
      scope,
    },
    signal ? { signal } : {},
  );
}

export function refreshGrant(server: WeaviateServer, refreshToken: string): Promise<TokenResponse> {
  return tokenRequest(server, {
    grant_type: 'refresh_token',
    client_id: server.clientId,
    refresh_token: refreshToken,
  });
}

export function clientCredentialsGrant(server: WeaviateServer, scope?: string): Promise<TokenResponse> {
  return tokenRequest(server, {
    grant_type: 'client_credentials',
    client_id: server.clients.service.clientId,
    client_secret: server.clients.service.clientSecret,
    ...(scope ? { scope } : {}),
  });
}

/** A REST call with an optional bearer credential. */
export async function rest(
  server: WeaviateServer,
  path: string,
  credential?: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const headers: Record<string, string> = { ...init.headers };
  if (credential !== undefined) headers.authorization = `Bearer ${credential}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
