import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** One database user, as Weaviate keeps it (`usecases/auth/authentication/apikey/db_users.go`). */
export interface DbUser {
  readonly id: string;
  active: boolean;
  readonly createdAt: Date;
  lastUsedAt: Date | undefined;
  /** The first three characters of the current key (what a root user sees in a listing). */
  apiKeyFirstLetters: string;
  /** Set by `deactivate` with `revoke_key`: the key stays refused until the next rotation. */
  keyRevoked: boolean;
}

/** Why a database-user key was refused: Weaviate's words, after `unauthorized: invalid api key: `. */
export type DbKeyRefusal = 'invalid token' | 'user deactivated' | 'key is revoked';

interface Stored {
  user: DbUser;
  identifier: string;
  keyHash: Buffer;
}

// Weaviate's key format (`usecases/auth/authentication/apikey/keys/key_generation.go`): base64 of
// `<identifier>_<random>_v200`, a 12-byte identifier and 32 random bytes, each standard base64. The
// identifier finds the user; only the random part is secret.
const VERSION = 'v200';
const IDENTIFIER_LENGTH = 16;
const RANDOM_LENGTH = 44;

const hash = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Weaviate's user name rule (`UserNameRegexCore`), at most 128 characters. */
const USER_NAME = /^[A-Za-z][-_0-9A-Za-z@.]{0,128}$/;

/** Whether `name` is a valid database user name; Weaviate's message when it is not. */
export function userNameProblem(name: string): string | undefined {
  if (name.length > 128) {
    return `'${name}' is not a valid user name. Name should not be longer than 128 characters`;
  }
  return USER_NAME.test(name) ? undefined : `'${name}' is not a valid user name`;
}

/** Splits a presented key into identifier and random part, or undefined when it is not a database-user key. */
function decode(key: string): { identifier: string; random: string } | undefined {
  // Go's StdEncoding is strict: padded, standard alphabet only.
  if (key.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(key)) return undefined;
  const parts = Buffer.from(key, 'base64').toString('utf8').split('_');
  if (parts.length !== 3) return undefined;
  const [identifier = '', random = '', version] = parts;
  if (version !== VERSION || identifier.length !== IDENTIFIER_LENGTH || random.length !== RANDOM_LENGTH) {
    return undefined;
  }
  return { identifier, random };
}

/** The database users of one server: created, rotated, deactivated and deleted at run time. */
export class DbUserStore {
  readonly #byId = new Map<string, Stored>();
  readonly #idByIdentifier = new Map<string, string>();

  constructor(readonly enabled: boolean) {}

  /** Every user, in creation order. */
  list(): DbUser[] {
    return [...this.#byId.values()].map((stored) => stored.user);
  }

  get(id: string): DbUser | undefined {
    return this.#byId.get(id)?.user;
  }

  /** Creates a user and returns its key (shown once; only a hash is kept). */
  create(id: string): string {
    const user: DbUser = {
      id,
      active: true,
      createdAt: new Date(),
      lastUsedAt: undefined,
      apiKeyFirstLetters: '',
      keyRevoked: false,
    };
    const stored: Stored = { user, identifier: '', keyHash: Buffer.alloc(0) };
    this.#byId.set(id, stored);
    return this.#newKey(stored);
  }

  /** A new key for an existing user; the old one is refused from the next request on. */
  rotate(id: string): string {
    const stored = this.#byId.get(id);
    if (!stored) throw new Error(`user ${id} does not exist`);
    stored.user.keyRevoked = false;
    return this.#newKey(stored);
  }

  delete(id: string): void {
    const stored = this.#byId.get(id);
    if (!stored) return;
    this.#idByIdentifier.delete(stored.identifier);
    this.#byId.delete(id);
  }

  /**
   * The user a presented key belongs to; a refusal in Weaviate's words; or undefined when the string is not
   * a database-user key at all (then it is compared with the static keys).
   */
  authenticate(key: string): { user: DbUser } | { refused: DbKeyRefusal } | undefined {
    if (!this.enabled) return undefined;
    const parts = decode(key);
    if (!parts) return undefined;
    const id = this.#idByIdentifier.get(parts.identifier);
    const stored = id === undefined ? undefined : this.#byId.get(id);
    if (!stored || !timingSafeEqual(hash(parts.random), stored.keyHash)) return { refused: 'invalid token' };
    if (!stored.user.active) return { refused: 'user deactivated' };
    if (stored.user.keyRevoked) return { refused: 'key is revoked' };
    stored.user.lastUsedAt = new Date();
    return { user: stored.user };
  }

  #newKey(stored: Stored): string {
    let identifier: string;
    do identifier = randomBytes(12).toString('base64');
    while (this.#idByIdentifier.has(identifier));
    const random = randomBytes(32).toString('base64');
    const key = Buffer.from(`${identifier}_${random}_${VERSION}`).toString('base64');
    this.#idByIdentifier.delete(stored.identifier);
    this.#idByIdentifier.set(identifier, stored.user.id);
    stored.identifier = identifier;
    stored.keyHash = hash(random);
    stored.user.apiKeyFirstLetters = key.slice(0, 3);
    return key;
  }
}
