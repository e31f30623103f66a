import {
  type Auth,
  type AuthEvent,
  apiKey,
  clientCredentials,
  createAuth,
  deviceCode,
  oidcPassword,
} from '@auth/core';
import { renewAfterUnauthorized } from '@auth/core/adapter';
import { withAuth } from '@auth/fetch';
import type { CredentialSpec } from './credentials.js';
import { networkProblem } from './diagnose.js';
import { loginStore } from './login/login-store.js';
import type { Output } from './output.js';

/** What core's `discovery` event said. */
export interface DiscoveryInfo {
  issuer: string | undefined;
  clientId: string | undefined;
  scopes: string[] | undefined;
}

/** What core's `refresh-succeeded` event said about the token it obtained. */
export interface TokenInfo {
  grant: string;
  expiresIn: number | undefined;
  hasRefreshToken: boolean | undefined;
  /** When the token was obtained (ms since the epoch). */
  obtainedAt: number;
}

/** An authenticated request's outcome. */
export interface ServerAnswer {
  status: number;
  body: unknown;
  /** True when a 401 made us ask core for a new credential and retry once. */
  retried: boolean;
  /** The headers core gave for the (last) attempt. Hold secrets: never print. */
  sent: Record<string, string>;
}

export interface SessionOptions {
  baseUrl: string;
  credential: CredentialSpec;
  clientId: string | undefined;
  scopes: string[];
  allowInsecureHttp: boolean;
  timeout: number;
  output: Output;
}

/**
 * One `auth` object from @auth/core for one command, plus what its events told us. All token logic is core's:
 * this only asks for headers and follows the adapter rule of `@auth/core/adapter` (a 401 is retried at most
 * once, and only when `handleUnauthorized` says a new credential exists; when none can be had, the 401 is
 * what the command explains).
 */
export class Session {
  readonly baseUrl: string;
  readonly credential: CredentialSpec;
  readonly timeout: number;
  discovery: DiscoveryInfo | undefined;
  token: TokenInfo | undefined;
  readonly #auth: Auth | undefined;
  readonly #output: Output;

  constructor(options: SessionOptions) {
    this.baseUrl = options.baseUrl;
    this.credential = options.credential;
    this.timeout = options.timeout;
    this.#output = options.output;
    const { credential } = options;
    const credentials = toCoreCredentials(credential, options.scopes, options.clientId);
    if (credential.kind === 'login') {
      // What the stored token says, until core reports a fresh one.
      const { token } = credential.login;
      this.token = {
        grant: 'stored login',
        expiresIn:
          token.expiresAt === undefined ? undefined : Math.max(0, (token.expiresAt - Date.now()) / 1000),
        hasRefreshToken: token.refreshToken !== undefined,
        obtainedAt: Date.now(),
      };
    }
    this.#auth =
      credentials === undefined
        ? undefined
        : createAuth({
            baseUrl: options.baseUrl,
            credentials,
            ...(credential.kind === 'login' ? { store: loginStore(credential.file, credential.login) } : {}),
            allowInsecureHttp: options.allowInsecureHttp,
            timeout: options.timeout,
            onEvent: (event) => this.#onEvent(event),
          });
  }

  /** The absolute URL of a REST path such as `/v1/schema`. */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** The headers core wants on a request to this cluster ({} without a credential). */
  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    if (this.#auth === undefined) return {};
    const headers = await this.#auth.authorize(this.url('/v1/meta'), signal === undefined ? {} : { signal });
    for (const value of Object.values(headers)) this.#output.addSecret(bearerValue(value) ?? value);
    return headers;
  }

  /** GET `path` with the credential; a 401 is retried once when core has a new credential. */
  async get(path: string): Promise<ServerAnswer> {
    const url = this.url(path);
    let headers = await this.headers();
    let response = await this.#fetch(url, headers);
    let retried = false;
    if (response.status === 401 && this.#auth !== undefined) {
      if (await renewAfterUnauthorized(this.#auth, url, headers)) {
        await response.body?.cancel();
        retried = true;
        headers = await this.headers();
        response = await this.#fetch(url, headers);
      }
    }
    return { status: response.status, body: await readBody(response), retried, sent: headers };
  }

  /**
   * A fetch that carries this credential, through `@auth/fetch` (the same 401 rule as every adapter); a
   * network failure becomes the CLI's explained error.
   */
  fetch(): (input: string, init?: RequestInit) => Promise<Response> {
    const send = this.#auth === undefined ? fetch : withAuth(fetch, this.#auth);
    return async (input, init) => {
      try {
        return await send(input, { ...init, redirect: 'manual' });
      } catch (error) {
        throw networkProblem(error, `${init?.method ?? 'GET'} ${input}`) ?? error;
      }
    };
  }

  async close(): Promise<void> {
    await this.#auth?.close();
  }

  async #fetch(url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(url, {
        headers: { accept: 'application/json', ...headers },
        signal: AbortSignal.timeout(this.timeout),
        redirect: 'manual',
      });
    } catch (error) {
      throw networkProblem(error, `GET ${url}`) ?? error;
    }
  }

  #onEvent(event: AuthEvent): void {
    if (event.type === 'discovery') {
      this.discovery = { issuer: event.issuer, clientId: event.clientId, scopes: [...event.scopes] };
    } else if (event.type === 'refresh-succeeded') {
      this.token = {
        grant: event.grant,
        expiresIn: event.expiresIn,
        hasRefreshToken: event.hasRefreshToken,
        obtainedAt: Date.now(),
      };
    }
  }
}

function toCoreCredentials(credential: CredentialSpec, scopes: string[], clientId: string | undefined) {
  const withScopes = scopes.length > 0 ? { scopes } : {};
  switch (credential.kind) {
    case 'api-key':
      return apiKey(credential.apiKey);
    case 'password':
      return oidcPassword({ username: credential.username, password: credential.password, ...withScopes });
    case 'client-credentials':
      return clientCredentials({
        clientSecret: credential.clientSecret,
        ...withScopes,
        ...(clientId === undefined ? {} : { clientId }),
      });
    case 'login': {
      const { login } = credential;
      return deviceCode({
        refreshToken: login.token.refreshToken,
        ...(login.scopes.length > 0 ? { scopes: login.scopes } : {}),
        ...(login.clientId === undefined ? {} : { clientId: login.clientId }),
      });
    }
    case 'device':
    case 'none':
      return undefined;
  }
}

/** The token in an `Authorization: Bearer <token>` value, or undefined for any other scheme. */
export function bearerValue(value: string): string | undefined {
  const match = /^bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1];
}

/** The value of the header named `name` (any case). */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 500);
  }
}
