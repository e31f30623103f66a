import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import type { ApiKeyRegistry, ClientDirectory, UserDirectory } from './accounts.js';
import type { Caller } from './authorization.js';
import type { DbUserStore } from './db-users.js';
import type { OidcProviderHost } from './oidc-provider.js';

/** An authenticated caller, or Weaviate's refusal: `{"code": status, "message": message}`. */
export type AuthOutcome = { ok: true; caller: Caller } | { ok: false; status: 401 | 500; message: string };

export interface AuthenticatorOptions {
  keys: ApiKeyRegistry;
  dbUsers: DbUserStore;
  users: UserDirectory;
  clients: ClientDirectory;
  clientId: string;
  oidc: OidcProviderHost | undefined;
}

/**
 * The credential of a request, read as go-openapi's `BearerAuth` reads it (`security/authenticator.go`, which
 * Weaviate's anonymous middleware copies): after the exact, case-sensitive prefix `Bearer ` (one space; a
 * second space belongs to the credential), else from `?access_token=`, else from a form field `access_token`
 * of an `application/x-www-form-urlencoded` body. `bearer x` is no credential at all.
 */
export function presentedToken(req: IncomingMessage, url: URL, body: Buffer): string | undefined {
  const header = req.headers.authorization ?? '';
  let token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  if (token === '') token = url.searchParams.get('access_token') ?? '';
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (token === '' && contentType === 'application/x-www-form-urlencoded') {
    token = new URLSearchParams(body.toString('utf8')).get('access_token') ?? '';
  }
  return token === '' ? undefined : token;
}

/**
 * Whether golang-jwt's `jwt.Parse` would find `token` well formed: three segments, the first two unpadded
 * base64url of JSON objects. Weaviate picks the scheme this way when API keys and OIDC are both on
 * (`usecases/auth/authentication/composer/token_validation.go`): such a credential goes to OIDC only.
 */
export function parsesAsJwt(token: string): boolean {
  const segments = token.split('.');
  if (segments.length !== 3) return false;
  return segments.slice(0, 2).every((segment) => {
    if (!/^[A-Za-z0-9_-]*$/.test(segment) || segment.length % 4 === 1) return false;
    try {
      const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
      return value === null || (typeof value === 'object' && !Array.isArray(value));
    } catch {
      return false;
    }
  });
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
function goQuoted(values: string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(' ')}]`;
}

/** Go's default `time.Time` format in UTC: `2026-01-02 15:04:05 +0000 UTC`. */
function goTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** Weaviate's 401 for a refused credential. */
function refused(reason: string): AuthOutcome {
  return { ok: false, status: 401, message: `unauthorized: ${reason}` };
}

/** go-oidc's refusal once `exp` is before now, with no leeway; `undefined` while the token lives. */
function expiredRefusal(payload: JWTPayload): AuthOutcome | undefined {
  const exp = typeof payload.exp === 'number' ? payload.exp : -62135596800; // Go's zero time
  if (exp * 1000 > Date.now()) return undefined;
  return refused(`oidc: token is expired (Token Expiry: ${goTime(exp)})`);
}

/** How many verified tokens the server remembers (a storm of distinct tokens only costs verifications). */
const VERIFIED_LIMIT = 10_000;

/**
 * Weaviate's authentication (1.34). An API key is a database user's key (`unauthorized: invalid api key:
 * invalid token`, `... user deactivated`, `... key is revoked`) or a static key (`unauthorized: invalid api
 * key`); an OIDC token is checked as go-oidc checks it (issuer, audience, expiry, then the signature against
 * the provider's JWKS), its `sub` is the username and its `groups` claim the groups. Messages never echo the
 * credential.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions;
  readonly #jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  /**
   * JWTs whose issuer, audience, algorithm and signature passed, by the whole token (signature included),
   * with their claims. Verifying an RS256 signature costs a few hundred microseconds of CPU and would cap the
   * server at a few thousand requests a second; what can change for a verified token (its expiry, its
   * revocation, its subject's account) is still checked on every request. Bounded: expired entries go first.
   */
  readonly #verified = new Map<string, JWTPayload>();

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#jwks = options.oidc ? createLocalJWKSet(options.oidc.jwks) : undefined;
  }

  /** The methods the anonymous middleware lists when a request has no credential. */
  get methods(): string[] {
    return this.#options.oidc ? ['API-keys', 'OIDC'] : ['API-keys'];
  }

  async authenticate(token: string): Promise<AuthOutcome> {
    if (this.#options.oidc && (this.#verified.has(token) || parsesAsJwt(token))) return this.#oidc(token);
    return this.#apiKey(token);
  }

  #apiKey(token: string): AuthOutcome {
    const dbUser = this.#options.dbUsers.authenticate(token);
    if (dbUser && 'refused' in dbUser) return refused(`invalid api key: ${dbUser.refused}`);
    if (dbUser)
      return {
        ok: true,
        caller: { username: dbUser.user.id, userType: 'db', groups: null, role: undefined },
      };
    const account = this.#options.keys.lookup(token);
    if (!account) return refused('invalid api key');
    return {
      ok: true,
      caller: { username: account.username, userType: 'db', groups: null, role: account.role },
    };
  }

  async #oidc(token: string): Promise<AuthOutcome> {
    const oidc = this.#options.oidc;
    const jwks = this.#jwks;
    if (!oidc || !jwks) return refused('oidc auth is not configured');
    let payload = this.#verified.get(token);
    if (payload === undefined) {
      const verified = await this.#verify(token, oidc, jwks);
      if ('ok' in verified) return verified;
      payload = verified.payload;
      this.#remember(token, payload);
    } else {
      const expired = expiredRefusal(payload);
      if (expired) return expired;
    }
    if (oidc.isRevoked(payload.jti)) return refused('oidc: token has been revoked');
    if (typeof payload.sub !== 'string') {
      return { ok: false, status: 500, message: "oidc: token doesn't contain required claim 'sub'" };
    }
    const groupsClaim = payload.groups;
    const groups = Array.isArray(groupsClaim)
      ? groupsClaim.filter((group): group is string => typeof group === 'string')
      : typeof groupsClaim === 'string'
        ? [groupsClaim]
        : null;
    const account = this.#options.users.find(payload.sub) ?? this.#options.clients.find(payload.sub);
    return { ok: true, caller: { username: payload.sub, userType: 'oidc', groups, role: account?.role } };
  }

  /** The checks that depend on the token alone, in go-oidc's order: issuer, audience, expiry, algorithm, signature. */
  async #verify(
    token: string,
    oidc: OidcProviderHost,
    jwks: ReturnType<typeof createLocalJWKSet>,
  ): Promise<AuthOutcome | { payload: JWTPayload }> {
    let payload: JWTPayload;
    try {
      payload = decodeJwt(token);
    } catch (error) {
      return refused(`oidc: malformed jwt: ${(error as Error).message}`);
    }
    if (payload.iss !== oidc.issuer) {
      return refused(
        `oidc: id token issued by a different provider, expected ${JSON.stringify(oidc.issuer)} got ${JSON.stringify(payload.iss ?? '')}`,
      );
    }
    const audience = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    if (!audience.includes(this.#options.clientId)) {
      return refused(
        `oidc: expected audience ${JSON.stringify(this.#options.clientId)} got ${goQuoted(audience)}`,
      );
    }
    const expired = expiredRefusal(payload);
    if (expired) return expired;
    const alg = (() => {
      try {
        return decodeProtectedHeader(token).alg;
      } catch {
        return undefined;
      }
    })();
    if (alg !== 'RS256') {
      return refused(
        `oidc: id token signed with unsupported algorithm, expected ["RS256"] got ${JSON.stringify(alg ?? '')}`,
      );
    }
    try {
      await jwtVerify(token, jwks, { algorithms: ['RS256'] });
    } catch {
      return refused('failed to verify signature: failed to verify id token signature');
    }
    return { payload };
  }

  #remember(token: string, payload: JWTPayload): void {
    if (this.#verified.size >= VERIFIED_LIMIT) {
      for (const [cached, claims] of this.#verified) {
        if (expiredRefusal(claims)) this.#verified.delete(cached);
      }
      // Still full of live tokens: forget the oldest quarter (they are verified again if they come back).
      let excess = this.#verified.size - (VERIFIED_LIMIT * 3) / 4;
      for (const cached of this.#verified.keys()) {
        if (excess-- <= 0) break;
        this.#verified.delete(cached);
      }
    }
    this.#verified.set(token, payload);
  }
}
