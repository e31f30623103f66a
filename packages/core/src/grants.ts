import { withTimeout } from './abort.js';
import type { TokenProvider, TokenRequest, TokenSet } from './credentials/credentials.js';
import type { AuthError } from './errors/auth-error.js';
import { InvalidTokenResponseError } from './errors/invalid-token-response-error.js';
import { ReauthenticationRequiredError } from './errors/reauthentication-required-error.js';
import { TokenRequestError } from './errors/token-request-error.js';
import type { AuthEventListener, Grant, RefreshReason } from './events.js';
import { isOwnError } from './redact.js';
import type { SecretSet } from './secrets.js';
import type { StoredToken } from './store.js';
import type { toStored } from './token-set.js';

const REFUSED = 'the provider refused the refresh token (invalid_grant)';

export interface GrantRunnerOptions {
  readonly provider: TokenProvider;
  /** The credential kind, for messages. */
  readonly kind: string;
  readonly emit: AuthEventListener;
  readonly now: () => number;
  /** The auth object's `timeout` (ms), for providers with a `timeoutTarget`. */
  readonly timeout: number;
  /** Writes this credential's entry in the token store. */
  readonly save: (token: StoredToken) => void | Promise<void>;
  /** Told of every token presented or obtained, so that an answer that echoes one shows it nowhere. */
  readonly secrets?: SecretSet | undefined;
  /**
   * Turns an answer into the token to store, or throws `InvalidTokenResponseError` (`toStored` of
   * token-set.ts). Handed in by the token manager, whose chunk holds it already (for a token known up
   * front): imported here, bundlers would put it in a third chunk that both load.
   */
  readonly toStored: typeof toStored;
}

/**
 * Runs the grants of one credential: the refresh-token grant first whenever a refresh token is held, the
 * primary grant (password, client credentials, a token source...) when there is none or the provider
 * refuses it (`invalid_grant`). The one place that knows about refresh-token rotation: a refresh token is
 * presented at most once, a rotated one is kept even when the answer that brought it is rejected, and a
 * refused one is never presented again.
 */
export class GrantRunner {
  readonly #options: GrantRunnerOptions;
  /** The grant of the token request running now, or of the last one (for events about its failure). */
  grant: Grant;

  constructor(options: GrantRunnerOptions) {
    this.#options = options;
    this.grant = options.provider.grant;
  }

  /**
   * Gets a new token to replace `current` and stores it. `previous` is the last refresh's failure: after a
   * refused refresh token, later calls give the same reason.
   */
  async run(
    current: StoredToken | undefined,
    reason: RefreshReason,
    signal: AbortSignal,
    previous: AuthError | undefined,
  ): Promise<StoredToken> {
    const { provider } = this.#options;
    const refreshToken = current?.refreshToken;
    if (refreshToken === undefined || !provider.refresh) {
      if (!provider.obtain) {
        if (!current?.refused)
          throw this.#reauthentication('the token expired and there is no refresh token');
        // The same reason as when it was refused (here, or in another process sharing the store).
        throw previous instanceof ReauthenticationRequiredError ? previous : this.#reauthentication(REFUSED);
      }
      return this.#request(provider.grant, reason, current, signal, (request) => provider.obtain!(request));
    }
    try {
      return await this.#request('refresh_token', reason, current, signal, (request) =>
        provider.refresh!(refreshToken, request),
      );
    } catch (error) {
      if (!(error instanceof TokenRequestError && error.error === 'invalid_grant')) throw error;
      if (!provider.obtain) {
        // Marked, not deleted: a process sharing the store must not write its own copy back and present
        // the refused token again.
        const refused = { ...current!, refreshToken: undefined, refused: true };
        await this.#save({
          ...refused,
          expiresAt: Math.min(current!.expiresAt ?? Infinity, this.#options.now()),
        });
        throw this.#reauthentication(REFUSED, error);
      }
      // Never presented again, whatever happens to the primary grant below.
      await this.#save({ ...current!, refreshToken: undefined });
      this.#options.emit({ type: 'refresh-failed', grant: 'refresh_token', error, willRetry: true });
      signal.throwIfAborted();
      return this.#request(provider.grant, 'invalid_grant', current, signal, (request) =>
        provider.obtain!(request),
      );
    }
  }

  async #request(
    grant: Grant,
    reason: RefreshReason,
    current: StoredToken | undefined,
    signal: AbortSignal,
    send: (request: TokenRequest) => Promise<TokenSet>,
  ): Promise<StoredToken> {
    const { emit, now, secrets } = this.#options;
    this.grant = grant;
    const startedAt = now();
    secrets?.remember(current?.accessToken);
    secrets?.remember(current?.refreshToken);
    // The refresh token of the answer, reported as soon as it arrives: kept even when the answer is rejected.
    let answered: string | undefined;
    const request: TokenRequest = {
      signal,
      reason,
      refreshToken: current?.refreshToken,
      onRefreshToken: (refreshToken) => {
        answered = nonEmpty(refreshToken) ?? answered;
      },
    };
    emit({ type: 'refresh-started', grant, reason });
    const { timeoutTarget: target } = this.#options.provider;
    const { timeout } = this.#options;
    const call = target
      ? () => withTimeout((bounded) => send({ ...request, signal: bounded }), { signal, timeout, target })
      : () => send(request);
    // The refresh token to present next if this request fails: the one held, until an answer says otherwise.
    let next = current?.refreshToken;
    let token: StoredToken;
    try {
      const set = await call();
      secrets?.remember((set as Partial<TokenSet> | undefined)?.accessToken);
      answered = nonEmpty((set as Partial<TokenSet> | undefined)?.refreshToken) ?? answered;
      secrets?.remember(answered);
      // An answer used up the refresh token it was given, unless a refresh-token grant kept it (no new one).
      next = answered ?? (grant === 'refresh_token' ? current?.refreshToken : undefined);
      token = this.#options.toStored(set, startedAt, next, grant);
      this.#assertAlive(token, startedAt, grant);
    } catch (error) {
      secrets?.remember(answered);
      next = answered ?? next;
      if (current && next !== current.refreshToken && !signal.aborted) {
        await this.#save({ ...current, refreshToken: next });
      }
      throw asAuthError(error, grant, this.#options.kind);
    }
    signal.throwIfAborted();
    await this.#options.save(token);
    emit({
      type: 'refresh-succeeded',
      grant,
      ...(token.expiresAt === undefined ? {} : { expiresIn: (token.expiresAt - startedAt) / 1000 }),
      hasRefreshToken: token.refreshToken !== undefined,
    });
    return token;
  }

  /**
   * Revokes the refresh token of `current` at the provider, bounded by the auth's timeout. Nothing to
   * revoke (no refresh token: an access token just expires, and providers often cannot revoke a JWT), or a
   * provider that cannot: nothing happens.
   */
  async revoke(current: StoredToken | undefined, signal: AbortSignal): Promise<void> {
    const { provider, timeout, kind } = this.#options;
    const refreshToken = nonEmpty(current?.refreshToken);
    if (refreshToken === undefined || !provider.revoke) return;
    await withTimeout(
      (bounded) => provider.revoke!(refreshToken, 'refresh_token', { signal: bounded, reason: 'sign-out' }),
      { signal, timeout, target: `The revocation of the ${kind} credentials' refresh token` },
    );
  }

  /** Stores `token` after a failure; a failing store must not hide the failure the caller gets. */
  async #save(token: StoredToken): Promise<void> {
    try {
      await this.#options.save(token);
    } catch {
      // The caller's error is the answer's, not the store's.
    }
  }

  /**
   * A token that expired before it arrived (a token request slower than the token's lifetime, a process
   * suspended mid-request, a clock jump) is never handed out. It is a transient failure: asked for again
   * within the retry policy, then this error reaches the callers.
   */
  #assertAlive(token: StoredToken, startedAt: number, grant: Grant): void {
    const now = this.#options.now();
    if (token.expiresAt === undefined || token.expiresAt > now) return;
    const seconds = (ms: number) => `${Math.round(ms) / 1000} s`;
    throw new InvalidTokenResponseError(
      `The ${grant} answer carried a token that had expired by the time it arrived (it lived ${seconds(token.expiresAt - startedAt)}, the request took ${seconds(now - startedAt)}). It is asked for again; if this keeps happening, make the provider or token source issue tokens that live longer than a token request takes.`,
      { grant, transient: true },
    );
  }

  #reauthentication(why: string, cause?: unknown): ReauthenticationRequiredError {
    return new ReauthenticationRequiredError(
      `Cannot get a new token for the ${this.#options.kind} credentials: ${why}. Create the auth object again with fresh credentials (a new token, or a username and password).`,
      { cause },
    );
  }
}

function asAuthError(error: unknown, grant: Grant, kind: string): AuthError {
  // Only an error of this package passes as it is: one that merely looks like it (its name and an AUTH_ code) may
  // hold anything, and is the cause (a redacted copy) of a TokenRequestError like any other.
  if (isOwnError(error)) return error as AuthError;
  const name = error instanceof Error ? error.name : typeof error;
  return new TokenRequestError(
    `The ${grant} token request of the ${kind} credentials failed with ${name}; see \`cause\`. Check the credential's setup.`,
    { grant, cause: error },
  );
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
