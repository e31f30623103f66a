import {
  type AuthEvent,
  type AuthEventListener,
  ConfigurationError,
  type StoredToken,
  type TokenStore,
  type TokenStoreSetOptions,
} from '@auth/core';
import { sleep, unref } from '@auth/core/adapter';
import { connectionOf, type RedisClient, type RedisConnection } from './client.js';
import {
  asServed,
  type Cipher,
  decode,
  encode,
  type Header,
  importCipher,
  parseEncryptionKey,
  parseHeader,
  REJECTED_MARK,
  type RedisKeys,
  redisKeys,
  tokenHash,
  UnreadableValue,
} from './codec.js';
import { RedisStoreError } from './errors.js';
import { ACQUIRE, INVALIDATE, RELEASE, RELEASE_WITH_TOKEN, RENEW, reporting, WRITE } from './scripts.js';

// The lock's own writes say where they ran, so that one taken by a primary about to be replaced is not trusted.
const ACQUIRE_REPORTING = reporting(ACQUIRE);
const RENEW_REPORTING = reporting(RENEW);
const RELEASE_WITH_TOKEN_REPORTING = reporting(RELEASE_WITH_TOKEN);

/**
 * Options of {@link redisStore}.
 *
 * @example
 * ```ts
 * import { redisStore, type RedisStoreOptions } from '@auth/redis-store';
 * import { createClient } from 'redis';
 * const client = createClient({ url: 'redis://127.0.0.1:6379' });
 * client.on('error', () => {});
 * await client.connect();
 * const options: RedisStoreOptions = { client, prefix: 'my-app:auth:', encryptionKey: process.env.TOKEN_STORE_KEY };
 * const store = redisStore(options);
 * ```
 */
export interface RedisStoreOptions {
  /**
   * A connected client, shared with the rest of your app if you like: node-redis's `createClient()`,
   * `createCluster()` or `createSentinel()`, or ioredis's `new Redis()` (one node, or Sentinel) or
   * `new Cluster()`.
   */
  readonly client: RedisClient;
  /**
   * Prepended to every Redis key. No `{` or `}`: the store puts each credential's keys in one Redis Cluster
   * hash slot with a hash tag of its own. @default 'auth:'
   */
  readonly prefix?: string | undefined;
  /**
   * 32 random bytes (a `Uint8Array`, or base64 as `openssl rand -base64 32` prints it). When given, tokens
   * are stored AES-256-GCM encrypted and only processes with the same key can read them. Recommended:
   * without it, anyone who can read Redis can use the tokens (and the refresh token, for as long as it lives).
   */
  readonly encryptionKey?: string | Uint8Array | undefined;
  /**
   * The refresh lock's lease, in ms. The holder extends it every third of this while it is alive; when it
   * dies, another process takes over after at most this long. @default 10000
   */
  readonly lockTtl?: number | undefined;
  /**
   * How long a process waits for another process's refresh before giving up with a `RedisStoreError`
   * (`AUTH_REDIS_LOCK_TIMEOUT`), in ms. Keep it above a token request's worst case (timeout x retries).
   * @default 60000
   */
  readonly lockWait?: number | undefined;
  /**
   * How long a process that must refresh waits for an unavailable Redis to answer again, counted from the
   * start of the outage, in ms, before it refreshes on its own. A failover (Sentinel, a cluster replica taking
   * over) takes a second or two: waiting for it keeps one refresh for the fleet, so that a rotating refresh
   * token is not presented twice. `0` refreshes on its own at once. Also how long a lock write waits for a
   * replica to confirm it, and how long after losing its replicas a primary is not trusted with the lock (a
   * failover may have replaced it). @default 5000
   */
  readonly failoverWait?: number | undefined;
  /** A Redis command that takes longer than this (ms) counts as Redis being unavailable. @default 2000 */
  readonly commandTimeout?: number | undefined;
  /**
   * How long a token stays in Redis after it expires, in ms (its refresh token may still be good; a fleet
   * that was idle longer starts with a fresh grant). @default 86400000 (24 h)
   */
  readonly retention?: number | undefined;
}

/**
 * A {@link TokenStore} shared through Redis, with the cross-process refresh lock.
 *
 * @example
 * ```ts
 * import { createAuth, oidcPassword } from '@auth/core';
 * import { redisStore, type RedisStore } from '@auth/redis-store';
 * import { createClient } from 'redis';
 * const client = createClient({ url: 'redis://127.0.0.1:6379' });
 * client.on('error', () => {});
 * await client.connect();
 * const store: RedisStore = redisStore({ client });
 * const auth = createAuth({
 *   baseUrl: 'http://localhost:8080',
 *   credentials: oidcPassword({ username: 'admin', password: process.env.PASSWORD! }),
 *   store,
 *   onEvent: (event) => console.log(event.type), // store-unavailable, store-available, store-error among them
 * });
 * console.log(store.available); // true while Redis answers
 * ```
 */
export interface RedisStore extends TokenStore {
  get(key: string): Promise<StoredToken | undefined>;
  set(key: string, token: StoredToken, options?: TokenStoreSetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** `task`'s signal aborts (with a `RedisStoreError` `AUTH_REDIS_LOCK_LOST`) when this process loses the lock. */
  lock<T>(key: string, task: (signal?: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Marks the stored token rejected for the whole fleet if it still is `staleAccessToken` (one Lua script). */
  invalidate(key: string, staleAccessToken: string): Promise<void>;
  /** Reports `store-unavailable`, `store-available` and `store-error` to each auth object using the store. */
  bind(emit: AuthEventListener): () => void;
  /** False while Redis is unavailable and this process is on its own. */
  readonly available: boolean;
}

const LOCK_POLL_FIRST_MS = 5;
const LOCK_POLL_MAX_MS = 50;
/** After a failed or timed-out command, Redis is left alone this long (the client may still claim to be ready). */
const RETRY_AFTER_MS = 1_000;
/** How often a process that waits for a failover asks Redis again. */
const FAILOVER_POLL_MS = 100;
/**
 * How long a lock write waits for a replica to have it (`WAIT`), at most (and half of commandTimeout): a healthy
 * replica answers in a round trip, one in another region too.
 */
const CONFIRM_MS = 1_000;
/** How many primaries' replication IDs a process remembers (each failover makes a new one). */
const PRIMARIES_REMEMBERED = 16;

/** What a `reporting` script answered: its result, and the replicas and replication ID of the node it ran on. */
interface Reported {
  readonly result: number;
  readonly replicas: number;
  readonly replid: string;
}

function reported(reply: unknown): Reported {
  const [result, replicas, replid] = Array.isArray(reply) ? reply : [];
  return { result: Number(result), replicas: Number(replicas ?? -1), replid: String(replid ?? '') };
}

interface LocalEntry {
  readonly keys: RedisKeys;
  token: StoredToken;
  /** Not yet in Redis (written while it was unavailable): written back when it answers. */
  dirty: boolean;
  /** A token known up front (`ifAbsent`): written only where Redis holds nothing, now or later. */
  seed?: boolean;
}

/** How the write script treats a stored token (see `WRITE`). */
type WriteMode = 'seed' | 'refused' | 'write';

class CommandTimeout extends Error {
  override name = 'CommandTimeout';
}

class RedisTokenStore implements RedisStore {
  readonly #client: RedisConnection;
  readonly #prefix: string;
  readonly #cipher: Promise<Cipher> | undefined;
  readonly #lockTtl: number;
  readonly #lockWait: number;
  readonly #failoverWait: number;
  readonly #timeout: number;
  readonly #retention: number;
  /** The auth objects using this store (`bind`): each hears of outages and unreadable values. */
  readonly #listeners = new Set<AuthEventListener>();

  readonly #keys = new Map<string, Promise<RedisKeys>>();
  /** The last token this process saw or wrote, per key: what it serves while Redis is unavailable. */
  readonly #local = new Map<string, LocalEntry>();
  /** The last value read per key and what it decoded to (decrypting once per value, reporting once). */
  readonly #decoded = new Map<string, { raw: string; token: Promise<StoredToken | undefined> }>();
  /** A GET in flight per key, shared by concurrent readers as long as no write started since. */
  readonly #reads = new Map<string, { seq: number; promise: Promise<string | null> }>();
  readonly #writeSeq = new Map<string, number>();
  /** The owner token of each refresh lock this process holds. */
  readonly #held = new Map<string, string>();
  /** In-process queue per key: one lock attempt at a time, across every auth object using this store. */
  readonly #chains = new Map<string, Promise<void>>();
  /** When this process last saw each primary (by replication ID) with a replica (see #confirmed). */
  readonly #replicated = new Map<string, number>();
  #down: RedisStoreError | undefined;
  /** When the outage in #down began. */
  #downSince = 0;
  #retryAt = 0;

  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError('redisStore(): pass an options object, e.g. redisStore({ client }).');
    }
    const client = connectionOf(options.client);
    const prefix = options.prefix ?? 'auth:';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      throw new ConfigurationError(
        "redisStore(): `prefix` must be a string without `{` or `}` (the store adds a Redis Cluster hash tag of its own to each key), e.g. 'my-app:auth:'.",
      );
    }
    if ((options as { onEvent?: unknown }).onEvent !== undefined) {
      throw new ConfigurationError(
        "redisStore(): there is no `onEvent` option; the store reports through the `onEvent` of each createAuth() that uses it ('store-unavailable', 'store-available', 'store-error').",
      );
    }
    this.#client = client;
    this.#prefix = prefix;
    this.#cipher =
      options.encryptionKey === undefined
        ? undefined
        : importCipher(parseEncryptionKey(options.encryptionKey));
    this.#cipher?.catch(() => {});
    this.#lockTtl = positive(options.lockTtl, 10_000, 'lockTtl');
    this.#lockWait = positive(options.lockWait, 60_000, 'lockWait');
    this.#failoverWait =
      options.failoverWait === 0 ? 0 : positive(options.failoverWait, 5_000, 'failoverWait');
    this.#timeout = positive(options.commandTimeout, 2_000, 'commandTimeout');
    this.#retention = positive(options.retention, 86_400_000, 'retention');
  }

  get available(): boolean {
    return this.#down === undefined && this.#client.ready;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const keys = await this.#keysFor(key);
    const local = this.#local.get(keys.id);
    let raw: string | null;
    try {
      raw = await this.#read(keys);
    } catch {
      return local?.token;
    }
    const header = raw === null ? undefined : parseHeader(raw);
    // Redis lost the value (restarted, flushed) or never got ours (written during an outage): put ours back.
    // Redis holds an older token than this process has seen (a write lost in a failover, a restart from an
    // old snapshot) or one it could not write: this one goes back. A seed never goes over a stored token.
    const newer = local && !local.seed && (header?.obtainedAt ?? -1) < local.token.obtainedAt;
    if (local && (raw === null || newer)) {
      await this.#writeBack(keys, local);
      return local.token;
    }
    if (raw === null) return undefined;
    const decoded = await this.#decode(keys, raw, header);
    const token = decoded && header ? asServed(decoded, header) : decoded;
    if (token) this.#local.set(keys.id, { keys, token, dirty: false });
    return token;
  }

  async set(key: string, token: StoredToken, options?: TokenStoreSetOptions): Promise<void> {
    const keys = await this.#keysFor(key);
    this.#writeSeq.set(keys.id, (this.#writeSeq.get(keys.id) ?? 0) + 1);
    const seed = options?.ifAbsent === true;
    const entry: LocalEntry = { keys, token, dirty: true, seed };
    const previous = this.#local.get(keys.id);
    this.#local.set(keys.id, entry);
    try {
      const written = await this.#write(keys, token, this.#held.get(keys.id) ?? '', writeMode(token, seed));
      entry.dirty = false;
      // A seed that found a token there is no token of this process's: the next get() reads Redis.
      if (!written && seed && this.#local.get(keys.id) === entry) {
        if (previous) this.#local.set(keys.id, previous);
        else this.#local.delete(keys.id);
      }
    } catch {
      // Redis is unavailable (reported once): the token stays dirty and is written back when it answers.
    }
  }

  async delete(key: string): Promise<void> {
    const keys = await this.#keysFor(key);
    this.#writeSeq.set(keys.id, (this.#writeSeq.get(keys.id) ?? 0) + 1);
    this.#local.delete(keys.id);
    this.#decoded.delete(keys.id);
    await this.#command(keys, ['DEL', keys.token]).catch(() => {});
  }

  async invalidate(key: string, staleAccessToken: string): Promise<void> {
    const keys = await this.#keysFor(key);
    // Readers from now on must not join a GET that started before the mark.
    this.#writeSeq.set(keys.id, (this.#writeSeq.get(keys.id) ?? 0) + 1);
    const local = this.#local.get(keys.id);
    if (local?.token.accessToken === staleAccessToken) {
      // Also in this process's copy: what auth objects here are served while Redis is unavailable.
      local.token = { ...local.token, expiresAt: local.token.obtainedAt };
    }
    const hash = await tokenHash(keys.token, staleAccessToken);
    await this.#command(keys, ['EVAL', INVALIDATE, '1', keys.token, hash]).catch(() => {});
  }

  bind(emit: AuthEventListener): () => void {
    this.#listeners.add(emit);
    // An auth object that starts using the store during an outage hears of it too.
    if (this.#down) emit({ type: 'store-unavailable', error: this.#down });
    return () => {
      this.#listeners.delete(emit);
    };
  }

  lock<T>(key: string, task: (signal?: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#serial(key, async () => {
      const keys = await this.#keysFor(key);
      let lease: { owner: string; sentAt: number };
      try {
        lease = await this.#acquire(keys, signal);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof RedisStoreError && error.code === 'AUTH_REDIS_LOCK_TIMEOUT') throw error;
        // Redis is unavailable (reported once): refresh in this process alone, with no lease to lose. The
        // token manager runs one refresh at a time per auth object, and #serial one per key across them.
        return task(new AbortController().signal);
      }
      const { owner } = lease;
      this.#held.set(keys.id, owner);
      const lost = new AbortController();
      const lose = (why: string) => {
        if (lost.signal.aborted) return;
        if (this.#held.get(keys.id) === owner) this.#held.delete(keys.id);
        lost.abort(
          new RedisStoreError(
            `This process lost the refresh lock (${why}); it abandons its token request so that a refresh token is not presented twice, and waits for the new holder's token. If this happens often, raise lockTtl above the longest event-loop stall or Redis outage.`,
            'AUTH_REDIS_LOCK_LOST',
          ),
        );
      };
      // The lease ends lockTtl after the SET (or the last confirmed renewal) was sent, unless a renewal extends it.
      let expiry: ReturnType<typeof setTimeout> | undefined;
      let leaseEnd = 0;
      const expireAt = (at: number) => {
        leaseEnd = at;
        clearTimeout(expiry);
        expiry = setTimeout(
          () => lose(`its ${this.#lockTtl} ms lease ran out without a renewal`),
          Math.max(0, at - Date.now()),
        );
        unref(expiry);
      };
      expireAt(lease.sentAt + this.#lockTtl);
      const renew = async () => {
        if (lost.signal.aborted) return;
        const sentAt = Date.now();
        try {
          const reply = reported(
            await this.#command(keys, [
              'EVAL',
              RENEW_REPORTING,
              '1',
              keys.lock,
              owner,
              String(this.#lockTtl),
            ]),
          );
          if (reply.result !== 1) lose('its lease expired and Redis no longer holds it for this process');
          // A renewal a replaced primary took does not extend the lease the new primary holds.
          else if ((await this.#confirmed(keys, reply)) && !lost.signal.aborted) {
            expireAt(sentAt + this.#lockTtl);
          }
        } catch {
          // Unavailable: reported once; the next tick tries again, and the expiry timer decides meanwhile.
        }
      };
      const renewal = setInterval(() => void renew(), Math.max(10, this.#lockTtl / 3));
      unref(renewal);
      try {
        return await task(lost.signal);
      } finally {
        clearInterval(renewal);
        clearTimeout(expiry);
        if (this.#held.get(keys.id) === owner) this.#held.delete(keys.id);
        // The lock goes with this holder's token, through a failover too (see RELEASE_WITH_TOKEN).
        await this.#settle(() => this.#release(keys, owner, leaseEnd));
        // A failover can drop what the old primary took just before it stepped down (this token, the
        // release): look again once the clients have switched, and put this token back if it is missing.
        const check = setTimeout(() => void this.get(key).catch(() => {}), this.#lockTtl / 3);
        unref(check);
      }
    });
  }

  toJSON(): Record<string, unknown> {
    return { prefix: this.#prefix, encrypted: this.#cipher !== undefined, available: this.available };
  }

  toString(): string {
    return `RedisStore ${JSON.stringify(this.toJSON())}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  #keysFor(key: string): Promise<RedisKeys> {
    let keys = this.#keys.get(key);
    if (!keys) {
      keys = redisKeys(this.#prefix, key);
      this.#keys.set(key, keys);
    }
    return keys;
  }

  #read(keys: RedisKeys): Promise<string | null> {
    const seq = this.#writeSeq.get(keys.id) ?? 0;
    const pending = this.#reads.get(keys.id);
    if (pending && pending.seq === seq) return pending.promise;
    const promise: Promise<string | null> = this.#command(keys, ['GET', keys.token])
      .then(asString)
      .finally(() => {
        if (this.#reads.get(keys.id)?.promise === promise) this.#reads.delete(keys.id);
      });
    this.#reads.set(keys.id, { seq, promise });
    return promise;
  }

  #decode(keys: RedisKeys, value: string, header: Header | undefined): Promise<StoredToken | undefined> {
    // A value and its rejected-marked copy hold the same token: decrypted (and reported) once, also when
    // concurrent readers get it at the same time.
    const raw = header?.rejected ? value.slice(REJECTED_MARK.length) : value;
    const last = this.#decoded.get(keys.id);
    if (last?.raw === raw) return last.token;
    const token = this.#decodeOnce(keys, header);
    this.#decoded.set(keys.id, { raw, token });
    return token;
  }

  async #decodeOnce(keys: RedisKeys, header: Header | undefined): Promise<StoredToken | undefined> {
    const cipher = await this.#cipher;
    const result = header
      ? await decode(header, keys.token, cipher)
      : new UnreadableValue('it is not a value this version of the store writes (v2|…)');
    if (!(result instanceof UnreadableValue)) return result;
    this.#emit({
      type: 'store-error',
      error: new RedisStoreError(
        `The token stored in Redis at ${keys.token} cannot be read: ${result.why}. This process ignores it and gets a fresh token, which replaces it.`,
        'AUTH_REDIS_DECRYPT_FAILED',
      ),
    });
    return undefined;
  }

  async #write(
    keys: RedisKeys,
    token: StoredToken,
    owner: string,
    mode: WriteMode,
    probe = false,
  ): Promise<boolean> {
    const value = await encode(token, keys.token, await this.#cipher);
    const ttl = this.#ttl(token);
    const reply = await this.#command(
      keys,
      [
        'EVAL',
        WRITE,
        '2',
        keys.token,
        keys.lock,
        value,
        String(Math.floor(token.obtainedAt)),
        owner,
        String(ttl),
        mode,
      ],
      undefined,
      probe,
    );
    return Number(reply) === 1;
  }

  async #writeBack(keys: RedisKeys, entry: LocalEntry): Promise<void> {
    try {
      await this.#write(keys, entry.token, '', writeMode(entry.token, entry.seed === true));
      entry.dirty = false;
    } catch {
      // Still unavailable; try again on the next read.
    }
  }

  /** How long a stored token stays in Redis: `retention` after it expires. */
  #ttl(token: StoredToken | undefined): number {
    return Math.max(1_000, Math.round((token?.expiresAt ?? Date.now()) - Date.now() + this.#retention));
  }

  /**
   * Frees the lock, and puts this holder's token where Redis has none or an older one, in one script. Freed on
   * a primary that may have been replaced (not confirmed), it frees it again until a node that keeps it does,
   * for up to `failoverWait` and while the lease lasts: the new primary still holds this holder's lock, and
   * the next holder reads the token there.
   */
  async #release(keys: RedisKeys, owner: string, leaseEnd: number): Promise<void> {
    const entry = this.#local.get(keys.id);
    const token = entry && !entry.seed ? entry.token : undefined;
    const value = token ? await encode(token, keys.token, await this.#cipher) : '';
    const started = Date.now();
    let reply: Reported;
    for (;;) {
      reply = reported(
        await this.#command(
          keys,
          [
            'EVAL',
            RELEASE_WITH_TOKEN_REPORTING,
            '2',
            keys.lock,
            keys.token,
            owner,
            value,
            String(Math.floor(token?.obtainedAt ?? 0)),
            String(this.#ttl(token)),
            token?.refused ? 'refused' : '',
          ],
          undefined,
          true,
        ),
      );
      if (await this.#confirmed(keys, reply)) break;
      // Until a node that keeps it has this token, it is as good as unwritten (written back when Redis has
      // an older one, at the latest).
      if (entry && token && entry.token === token) entry.dirty = true;
      const now = Date.now();
      if (now - started >= this.#failoverWait || now + FAILOVER_POLL_MS >= leaseEnd) return;
      await new Promise((resolve) => setTimeout(resolve, FAILOVER_POLL_MS));
    }
    if (reply.result === 1) {
      if (entry && token && entry.token === token) entry.dirty = false;
    } else if (entry?.dirty) {
      // The lock is gone (a failover lost it, or its lease ran out): the token goes in as anyone's would.
      await this.#writeBack(keys, entry);
    }
  }

  /** Runs `step` until it succeeds, while a failover may still end (at least once). */
  async #settle(step: () => Promise<unknown>): Promise<void> {
    for (;;) {
      try {
        await step();
        return;
      } catch {
        // Unavailable: try again below, or give up (an outage: the next read writes the token back).
      }
      if (!this.#failingOver()) return;
      await new Promise((resolve) => setTimeout(resolve, FAILOVER_POLL_MS));
    }
  }

  /**
   * Takes the lock; returns its owner token and when the winning SET was sent (the lease starts then). A lock
   * a replaced primary may have taken (not confirmed) is let go and asked for again, for up to `failoverWait`:
   * meanwhile the clients switch to the new primary, where the lock is what it was before the failover.
   */
  async #acquire(keys: RedisKeys, signal: AbortSignal): Promise<{ owner: string; sentAt: number }> {
    const owner = randomHex(16);
    const started = Date.now();
    const release = () =>
      this.#client.send(keys.token, ['EVAL', RELEASE, '1', keys.lock, owner]).catch(() => {});
    let unconfirmedSince: number | undefined;
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      const sentAt = Date.now();
      let reply: Reported;
      try {
        reply = reported(
          await this.#command(
            keys,
            ['EVAL', ACQUIRE_REPORTING, '1', keys.lock, owner, String(this.#lockTtl)],
            // A SET that timed out here may still land later: release that lock at once.
            (late) => {
              if (reported(late).result === 1) void release();
            },
            true,
          ),
        );
      } catch (error) {
        // Unavailable: wait for a failover to end, then refresh on its own (the caller's decision).
        if (!this.#failingOver()) throw error;
        await sleep(FAILOVER_POLL_MS, signal);
        continue;
      }
      if (reply.result === 1) {
        if (await this.#confirmed(keys, reply)) return { owner, sentAt };
        unconfirmedSince ??= sentAt;
        // Still not confirmed after failoverWait (a replica that stays connected but never answers): as good
        // as it gets, as on a Redis without replicas.
        if (sentAt - unconfirmedSince >= this.#failoverWait) return { owner, sentAt };
        await release();
        await sleep(FAILOVER_POLL_MS, signal);
        continue;
      }
      // Held by another process: what this node said still tells whether it has a replica to lose.
      this.#note(reply);
      const waited = Date.now() - started;
      if (waited >= this.#lockWait) {
        throw new RedisStoreError(
          `Another process has been refreshing this credential's token for ${waited} ms (longer than lockWait = ${this.#lockWait} ms). Check that process and the token endpoint, or raise lockWait above a token request's worst case.`,
          'AUTH_REDIS_LOCK_TIMEOUT',
        );
      }
      const backoff = Math.min(LOCK_POLL_MAX_MS, LOCK_POLL_FIRST_MS * 1.5 ** attempt);
      await sleep(Math.min(backoff * (0.5 + Math.random() / 2), this.#lockWait - waited), signal);
    }
  }

  /**
   * Whether a lock write (a `reporting` script) survives a failover: a replica has it (`WAIT 1`), or the node
   * has no replica and had none lately as far as this process saw (a single node; a replica just promoted).
   * A primary that lost its replicas within `failoverWait` may have lost them to a failover: Sentinel promotes
   * the replica about a second before it announces the switch, and the old primary drops what it took in
   * between when it is turned into a replica. A node that does not say (no INFO in scripts) is trusted, as
   * before there were checks.
   */
  async #confirmed(keys: RedisKeys, reply: Reported): Promise<boolean> {
    const { replicas, replid } = reply;
    this.#note(reply);
    if (replicas < 0) return true;
    if (replicas === 0) {
      const seen = this.#replicated.get(replid);
      return seen === undefined || Date.now() - seen >= this.#failoverWait;
    }
    const wait = String(Math.min(CONFIRM_MS, Math.floor(this.#timeout / 2)));
    try {
      return Number(await this.#command(keys, ['WAIT', '1', wait], undefined, true)) >= 1;
    } catch {
      return false;
    }
  }

  /** Remembers a node seen with a replica (any `reporting` reply, also of a write that did nothing). */
  #note({ replicas, replid }: Reported): void {
    if (replicas <= 0) return;
    this.#replicated.delete(replid);
    this.#replicated.set(replid, Date.now());
    if (this.#replicated.size > PRIMARIES_REMEMBERED) {
      this.#replicated.delete(this.#replicated.keys().next().value!);
    }
  }

  async #serial<T>(key: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(key);
    const result = previous ? previous.then(run) : run();
    const tail = result.then(
      () => {},
      () => {},
    );
    this.#chains.set(key, tail);
    void tail.then(() => {
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    });
    return result;
  }

  /** One command to the node that serves `keys` (a token and its lock share a hash slot). */
  /** True while an outage is young enough to be a failover that a refresh should wait for. */
  #failingOver(): boolean {
    return this.#down !== undefined && Date.now() - this.#downSince < this.#failoverWait;
  }

  /** `probe`: ask even within the second a silent Redis is otherwise left alone (waiting for a failover). */
  async #command(
    keys: RedisKeys,
    args: string[],
    onLate?: (reply: unknown) => void,
    probe = false,
  ): Promise<unknown> {
    if (!this.#client.ready) {
      throw this.#unavailable(
        `the client (${this.#client.kind}) is not connected (call \`await client.connect()\` before use), or it is reconnecting`,
      );
    }
    if (this.#down && !probe && Date.now() < this.#retryAt) throw this.#down;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    const sent = this.#client.send(keys.token, args);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new CommandTimeout(`no answer within ${this.#timeout} ms`));
      }, this.#timeout);
      unref(timer);
    });
    try {
      const reply = await Promise.race([sent, deadline]);
      this.#up();
      return reply;
    } catch (error) {
      if (timedOut && onLate) sent.then(onLate, () => {});
      this.#retryAt = Date.now() + RETRY_AFTER_MS;
      throw this.#unavailable(
        error instanceof CommandTimeout ? error.message : `${args[0]} failed`,
        error instanceof CommandTimeout ? undefined : error,
      );
    } finally {
      clearTimeout(timer);
      sent.catch(() => {});
    }
  }

  #unavailable(why: string, cause?: unknown): RedisStoreError {
    if (this.#down) return this.#down;
    this.#downSince = Date.now();
    this.#down = new RedisStoreError(
      `Redis is unavailable: ${why}. Until it answers again this process keeps its token in memory and refreshes on its own (no request is lost, but the fleet no longer shares one refresh). Check the Redis server and the client's connection.`,
      'AUTH_REDIS_UNAVAILABLE',
      cause === undefined ? {} : { cause },
    );
    this.#emit({ type: 'store-unavailable', error: this.#down });
    return this.#down;
  }

  #up(): void {
    if (!this.#down) return;
    this.#down = undefined;
    this.#emit({ type: 'store-available' });
    // Tokens this process got while Redis was away go back now, not at the next read: after a failover, the
    // others may be about to refresh from what the new primary holds.
    for (const entry of this.#local.values()) {
      if (entry.dirty) void this.#writeBack(entry.keys, entry);
    }
  }

  #emit(event: AuthEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not break authentication (core's listeners never throw anyway).
      }
    }
  }
}

function writeMode(token: StoredToken, seed: boolean): WriteMode {
  return seed ? 'seed' : token.refused ? 'refused' : 'write';
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(
      `redisStore(): \`${name}\` must be a positive number of milliseconds, e.g. ${fallback}.`,
    );
  }
  return value;
}

function asString(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'string') return reply;
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply);
  return String(reply);
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}

/**
 * A Redis-backed `TokenStore` for `createAuth({ store })`: every process with the same credential (same
 * server, same credential: core's key is a fingerprint of it) shares one token, and a refresh lock makes one
 * process refresh it while the others wait for the result; a 401 seen by one process marks the token
 * rejected for all (`invalidate`). Keys are hashes (no secret in them); values are AES-GCM encrypted when
 * `encryptionKey` is given. When Redis is unavailable each process carries on alone and reports it through
 * the `onEvent` of its auth objects (`store-unavailable`); sharing resumes when Redis answers again.
 *
 * @example
 * ```ts
 * import { createAuth, oidcPassword } from '@auth/core';
 * import { redisStore } from '@auth/redis-store';
 * import { createClient } from 'redis';
 *
 * const client = createClient({ url: process.env.REDIS_URL });
 * client.on('error', () => {}); // outages are reported through onEvent below
 * await client.connect();
 *
 * const auth = createAuth({
 *   baseUrl: 'https://my-cluster.weaviate.cloud',
 *   credentials: oidcPassword({ username: process.env.WCD_USER!, password: process.env.WCD_PASSWORD! }),
 *   store: redisStore({
 *     client,
 *     encryptionKey: process.env.TOKEN_STORE_KEY!, // openssl rand -base64 32, the same for the whole fleet
 *   }),
 *   onEvent: (event) => {
 *     if (event.type.startsWith('store-')) console.warn('token store:', event.type);
 *   },
 * });
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisTokenStore(options);
}
