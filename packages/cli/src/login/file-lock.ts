import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A lock older than this is taken to be left by a process that died mid-refresh (ms). */
const STALE_AFTER = 60_000;
/** How often a waiting process looks again (ms). */
const POLL = 25;

/**
 * Runs `task` while holding `<file>.lock`, a file created exclusively (`O_EXCL`): processes that share one
 * login (two `weaviate-auth token` at once, an app and the CLI) refresh one at a time, and the second finds
 * the first one's token instead of presenting a refresh token the provider just rotated. A lock whose
 * process is gone, or older than a minute, is removed. `signal` stops the wait.
 */
export async function withFileLock<T>(file: string, task: () => Promise<T>, signal: AbortSignal): Promise<T> {
  const lock = `${file}.lock`;
  mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  for (;;) {
    signal.throwIfAborted();
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, at: Date.now() }));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
    if (abandoned(lock)) {
      rmSync(lock, { force: true });
      continue;
    }
    await delay(POLL, undefined, { signal }).catch(() => {
      // TokenStore.lock: stop waiting with the signal's own reason.
      throw signal.reason;
    });
  }
  try {
    return await task();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Whether the lock's holder is gone (no such process) or has held it too long. */
function abandoned(lock: string): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(lock, 'utf8')) as { pid?: unknown };
    if (typeof pid === 'number' && pid !== process.pid) {
      try {
        process.kill(pid, 0);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ESRCH') return true;
      }
    }
    return Date.now() - statSync(lock).mtimeMs > STALE_AFTER;
  } catch {
    // Being written right now (empty), or removed meanwhile: look again.
    return false;
  }
}
