import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StoredToken } from '@auth/core';
import { LoginFileError } from './login-file-error.js';

/** Environment variables, as `process.env` holds them. */
export type Env = Record<string, string | undefined>;

/** What a login file records about a sign-in, besides its token. */
export interface LoginInfo {
  /** The cluster, as `weaviate-auth` normalises it (no trailing slash, no `/v1`). */
  readonly url: string;
  /** The client the sign-in went out as, when `--client-id` named one (else the server's). */
  readonly clientId: string | undefined;
  /** Scopes asked for besides the server's (`--scope`). */
  readonly scopes: readonly string[];
}

/** A stored login, read back. Holds the tokens: never print it. */
export interface Login extends LoginInfo {
  /** When it was written (ISO 8601). */
  readonly savedAt: string;
  /** Whether the token is encrypted with this machine's key (see {@link writeLogin}). */
  readonly encrypted: boolean;
  readonly token: StoredToken;
}

const FORMAT = 'weaviate-auth login 1';
const CIPHER = 'aes-256-gcm';
const IS_WINDOWS = process.platform === 'win32';

/**
 * The folder where `weaviate-auth` keeps the user's logins: `WEAVIATE_AUTH_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/weaviate-auth`, else `%APPDATA%\weaviate-auth` on Windows, else
 * `~/.config/weaviate-auth`.
 */
export function configDir(env: Env = process.env): string {
  if (env.WEAVIATE_AUTH_CONFIG_DIR) return env.WEAVIATE_AUTH_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'weaviate-auth');
  if (IS_WINDOWS && env.APPDATA) return join(env.APPDATA, 'weaviate-auth');
  return join(env.HOME || homedir(), '.config', 'weaviate-auth');
}

/**
 * A cluster URL as `weaviate-auth` names it (and finds its login by): scheme, host, port and path, without a
 * trailing slash or `/v1`.
 */
export function clusterUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

/** The login file of cluster `url` in `dir`: `logins/<host>-<hash of the URL>.json`. */
export function loginFile(url: string, dir: string): string {
  const slug = new URL(url).host.replace(/[^a-zA-Z0-9.-]/g, '_');
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return join(dir, 'logins', `${slug}-${hash}.json`);
}

let machine: { id: string | undefined } | undefined;

/**
 * This machine's id, the root of the key a login is encrypted with: `/etc/machine-id` (systemd),
 * `/var/lib/dbus/machine-id`, `/etc/hostid`, macOS's `IOPlatformUUID`, Windows's `MachineGuid`. None:
 * undefined (the login is then stored unencrypted, owner-only).
 */
function machineId(): string | undefined {
  if (machine) return machine.id;
  let id: string | undefined;
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id', '/etc/hostid']) {
    try {
      id = readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      // not there: the next one
    }
    if (id) break;
  }
  if (!id && (process.platform === 'darwin' || IS_WINDOWS)) {
    try {
      const [command, args, pattern] =
        process.platform === 'darwin'
          ? (['ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice'], /"IOPlatformUUID" = "([^"]+)"/] as const)
          : ([
              'reg',
              ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid'],
              /MachineGuid\s+REG_SZ\s+(\S+)/,
            ] as const);
      const out = execFileSync(command, [...args], {
        encoding: 'utf8',
        timeout: 3_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      id = pattern.exec(out)?.[1];
    } catch {
      // no such tool: unencrypted
    }
  }
  machine = { id };
  return id;
}

/** The key of one login file: HKDF-SHA-256 of the machine id, with the file's salt, the user and the URL. */
function keyFor(id: string, salt: Buffer, url: string): Buffer {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : '';
  return Buffer.from(hkdfSync('sha256', id, salt, `weaviate-auth login|${user}|${url}`, 32));
}

/**
 * Writes a login: a JSON file only its owner may read or write (mode 0600, in a 0700 folder), written whole
 * to a new file and renamed over the old one. The token is encrypted (AES-256-GCM, its URL as associated
 * data) with a key derived from this machine's id, so that the file is of no use elsewhere (a backup, synced
 * dotfiles, a copied home folder). Anything running as the user on this machine can derive the key too: the
 * permissions are what keep other users out. Without a machine id the token is stored as it is.
 */
export function writeLogin(file: string, info: LoginInfo, token: StoredToken): void {
  const folder = dirname(file);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (!IS_WINDOWS) chmodSync(folder, 0o700);
  const id = machineId();
  const plain = JSON.stringify(token);
  let sealed: Record<string, unknown>;
  if (id === undefined) {
    sealed = { protection: 'none (this system has no machine id; owner-only permissions)', token };
  } else {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv(CIPHER, keyFor(id, salt, info.url), iv);
    cipher.setAAD(Buffer.from(info.url));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    sealed = {
      protection: `${CIPHER}, key from this machine's id`,
      salt: salt.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      token: data.toString('base64'),
    };
  }
  const text = `${JSON.stringify(
    {
      format: FORMAT,
      url: info.url,
      clientId: info.clientId ?? null,
      scopes: info.scopes,
      savedAt: new Date().toISOString(),
      ...sealed,
    },
    null,
    2,
  )}\n`;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Reads the login file `file`: undefined when there is none. Throws {@link LoginFileError} when others than
 * its owner may read it, or it cannot be read or decrypted here.
 */
export function readLogin(file: string): Login | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw unreadable(file, 'it cannot be opened', error);
  }
  if (!IS_WINDOWS && (mode & 0o077) !== 0) {
    throw new LoginFileError(
      `The login file ${file} may be read by other users (mode ${(mode & 0o777).toString(8)}), so it is not used. Make it yours alone (chmod 600 ${file}), or sign in again with \`weaviate-auth login\`.`,
      { problem: 'permissions', file },
    );
  }
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw unreadable(file, 'it is not JSON', error);
  }
  if (record?.format !== FORMAT || typeof record.url !== 'string') {
    throw unreadable(file, `it is not a ${FORMAT} file`);
  }
  const url = record.url;
  const scopes = Array.isArray(record.scopes) ? record.scopes.filter((s) => typeof s === 'string') : [];
  const clientId = typeof record.clientId === 'string' ? record.clientId : undefined;
  let token: unknown = record.token;
  const encrypted = typeof record.token === 'string';
  if (encrypted) {
    const id = machineId();
    try {
      if (id === undefined) throw new Error('this system has no machine id');
      const decipher = createDecipheriv(
        CIPHER,
        keyFor(id, Buffer.from(String(record.salt), 'base64'), url),
        Buffer.from(String(record.iv), 'base64'),
      );
      decipher.setAAD(Buffer.from(url));
      decipher.setAuthTag(Buffer.from(String(record.tag), 'base64'));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(String(record.token), 'base64')),
        decipher.final(),
      ]);
      token = JSON.parse(plain.toString('utf8'));
    } catch {
      // No cause: a decryption failure says nothing useful, and holds nothing to show.
      throw unreadable(file, 'it was written on another machine or by another user, or it was changed');
    }
  }
  if (!isStoredToken(token)) throw unreadable(file, 'it holds no token');
  return {
    url,
    clientId,
    scopes,
    savedAt: typeof record.savedAt === 'string' ? record.savedAt : '',
    encrypted,
    token,
  };
}

/** Deletes a login file (nothing to delete is fine). */
export function deleteLogin(file: string): void {
  rmSync(file, { force: true });
}

function unreadable(file: string, why: string, cause?: unknown): LoginFileError {
  return new LoginFileError(
    `The login file ${file} cannot be used: ${why}. Sign in again with \`weaviate-auth login\` (it replaces the file).`,
    { problem: 'unreadable', file, ...(cause === undefined ? {} : { cause }) },
  );
}

function isStoredToken(value: unknown): value is StoredToken {
  const token = value as Record<string, unknown> | null;
  return (
    typeof token?.accessToken === 'string' &&
    typeof token.obtainedAt === 'number' &&
    (token.refreshToken === undefined || typeof token.refreshToken === 'string') &&
    (token.expiresAt === undefined || typeof token.expiresAt === 'number')
  );
}
