import type Provider from 'oidc-provider';
import type { UserCredentials, UserDirectory } from './accounts.js';
import type { Role } from './options.js';
import type { ProfileAnswer } from './profiles.js';
import type { SignInPages } from './sign-in.js';

/**
 * A device authorization the embedded provider gave out (RFC 8628 §3.2), as a test sees it: what the user
 * would read on the device, without the device code.
 *
 * @example
 * ```ts
 * import { startWeaviateServer, type DeviceAuthorization } from '@auth/testing';
 *
 * const server = await startWeaviateServer();
 * const pending: Promise<DeviceAuthorization> = server.deviceFlow.next();
 * // ... a client starts the device flow ...
 * await server.close();
 * ```
 */
export interface DeviceAuthorization {
  /** The code the user types at `verificationUri` (e.g. `BCDF-GHJK`). */
  readonly userCode: string;
  readonly verificationUri: string;
  /** The page with the code filled in. */
  readonly verificationUriComplete: string;
  readonly clientId: string;
  /** The scope the device asked for. */
  readonly scope: string;
  /** Seconds the device code lives. */
  readonly expiresIn: number;
  /** Seconds between polls the provider asked for. */
  readonly interval: number;
}

/**
 * The device flow of the embedded provider (RFC 8628), driven by a test in place of a person: approve, deny
 * or expire a pending code, or make the token endpoint answer `slow_down`. The provider also answers
 * `slow_down` by itself, as real ones do, to a poll that comes sooner than the interval asks (and then wants
 * 5 s more between polls, as the RFC says).
 *
 * @example
 * ```ts
 * import { startWeaviateServer } from '@auth/testing';
 *
 * const server = await startWeaviateServer({ deviceInterval: 1 });
 * const next = server.deviceFlow.next();
 * // ... a client asks for a device code and starts polling ...
 * const { userCode } = await next;
 * await server.deviceFlow.approve(userCode, 'read-only'); // its next poll gets tokens for the read-only user
 * await server.close();
 * ```
 */
export interface DeviceFlow {
  /**
   * The next device authorization: the oldest one no earlier call returned, or the first to come. Every
   * authorization is returned once.
   */
  next(): Promise<DeviceAuthorization>;
  /** Approves `userCode` as `user` (a role's default user, or a user's credentials). @default user 'admin' */
  approve(userCode: string, user?: Role | UserCredentials): Promise<void>;
  /**
   * The user declines: the next poll gets `access_denied`, with `description` as its `error_description`.
   * @default description 'The user declined the sign-in.'
   */
  deny(userCode: string, description?: string): Promise<void>;
  /** The code expires now: the next poll gets `expired_token`. */
  expire(userCode: string): Promise<void>;
  /** The next `count` polls of any device code get `slow_down`. @default 1 */
  slowDown(count?: number): void;
  /** When each poll for `userCode` arrived (ms since the epoch), oldest first. */
  polls(userCode: string): readonly number[];
}

interface Issued {
  readonly authorization: DeviceAuthorization;
  readonly polls: number[];
  /** When the last poll (or the authorization) arrived. */
  last: number;
  /** Seconds the provider wants between polls now. */
  interval: number;
}

/** A poll may arrive this much sooner than the interval says without being told to slow down (ms). */
const SLACK_MS = 50;

/** Normalises a user code as oidc-provider stores it: upper case, no separators. */
function normalize(userCode: string): string {
  return userCode.toUpperCase().replace(/\W/g, '');
}

/** The device flow's state on the provider's side, and what tests do with it. */
export class DeviceFlowControl implements DeviceFlow {
  readonly #provider: Provider;
  readonly #users: UserDirectory;
  readonly #pages: SignInPages;
  readonly #interval: number;
  readonly #byDeviceCode = new Map<string, Issued>();
  readonly #byUserCode = new Map<string, Issued>();
  readonly #unclaimed: DeviceAuthorization[] = [];
  readonly #waiting: ((authorization: DeviceAuthorization) => void)[] = [];
  #slowDowns = 0;

  constructor(provider: Provider, users: UserDirectory, pages: SignInPages, interval: number) {
    this.#provider = provider;
    this.#users = users;
    this.#pages = pages;
    this.#interval = interval;
  }

  /** The interval (seconds) the device authorization answer names. */
  get interval(): number {
    return this.#interval;
  }

  /** Records a device authorization the provider just answered. */
  authorized(body: Record<string, unknown>, clientId: string, scope: string): void {
    const authorization: DeviceAuthorization = Object.freeze({
      userCode: String(body.user_code),
      verificationUri: String(body.verification_uri),
      verificationUriComplete: String(body.verification_uri_complete),
      clientId,
      scope,
      expiresIn: Number(body.expires_in),
      interval: this.#interval,
    });
    const issued: Issued = { authorization, polls: [], last: Date.now(), interval: this.#interval };
    this.#byDeviceCode.set(String(body.device_code), issued);
    this.#byUserCode.set(normalize(authorization.userCode), issued);
    const waiter = this.#waiting.shift();
    if (waiter) waiter(authorization);
    else this.#unclaimed.push(authorization);
  }

  /**
   * A poll of the token endpoint with `deviceCode`: the `slow_down` answer to give instead of the
   * provider's, if any (a scripted one, or a poll sooner than the interval).
   */
  screenPoll(deviceCode: string | null): ProfileAnswer | undefined {
    const issued = deviceCode === null ? undefined : this.#byDeviceCode.get(deviceCode);
    if (!issued) return undefined;
    const now = Date.now();
    issued.polls.push(now);
    const early = now - issued.last < issued.interval * 1000 - SLACK_MS;
    issued.last = now;
    const scripted = this.#slowDowns > 0;
    if (!scripted && !early) return undefined;
    if (scripted) this.#slowDowns -= 1;
    issued.interval += 5;
    return {
      status: 400,
      body: {
        error: 'slow_down',
        error_description: `poll at most every ${issued.interval} seconds`,
      },
    };
  }

  next(): Promise<DeviceAuthorization> {
    const first = this.#unclaimed.shift();
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async approve(userCode: string, user: Role | UserCredentials = 'admin'): Promise<void> {
    const code = await this.#pending(userCode, 'approve');
    const username =
      user === 'admin'
        ? this.#users.public.admin.username
        : user === 'read-only'
          ? this.#users.public.readOnly.username
          : this.#users.verify(user.username, user.password)?.username;
    if (username === undefined) {
      throw new TypeError(
        `deviceFlow.approve: wrong user name or password for ${typeof user === 'string' ? user : user.username}.`,
      );
    }
    const scope = String(code.params?.scope ?? 'openid');
    const grantId = await this.#pages.grant(username, code.clientId ?? '', scope);
    Object.assign(code, {
      accountId: username,
      grantId,
      authTime: Math.floor(Date.now() / 1000),
      scope,
      resource: this.#pages.resource,
    });
    await code.save();
  }

  async deny(userCode: string, description = 'The user declined the sign-in.'): Promise<void> {
    const code = await this.#pending(userCode, 'deny');
    Object.assign(code, { error: 'access_denied', errorDescription: description });
    await code.save();
  }

  async expire(userCode: string): Promise<void> {
    const code = await this.#pending(userCode, 'expire');
    code.exp = Math.floor(Date.now() / 1000);
    await code.save();
  }

  slowDown(count = 1): void {
    if (!Number.isInteger(count) || count < 1) {
      throw new TypeError('deviceFlow.slowDown: count must be a whole number >= 1.');
    }
    this.#slowDowns += count;
  }

  polls(userCode: string): readonly number[] {
    return [...(this.#byUserCode.get(normalize(userCode))?.polls ?? [])];
  }

  /** Forgets scripted answers, and the authorizations no `next()` returned (`faults.reset()` calls it). */
  reset(): void {
    this.#slowDowns = 0;
    this.#unclaimed.length = 0;
  }

  async #pending(userCode: string, what: string) {
    const code = await this.#provider.DeviceCode.findByUserCode(normalize(userCode), {
      ignoreExpiration: true,
    });
    if (!code) throw new TypeError(`deviceFlow.${what}: no device code has the user code ${userCode}.`);
    if (code.isExpired) throw new TypeError(`deviceFlow.${what}: the code ${userCode} has expired.`);
    if (code.accountId || code.error) {
      throw new TypeError(`deviceFlow.${what}: the code ${userCode} was approved or denied already.`);
    }
    return code;
  }
}
