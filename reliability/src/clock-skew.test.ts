import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type Auth,
  type AuthEvent,
  bearerToken,
  type Credentials,
  clientCredentials,
  createAuth,
  MIN_REFRESH_INTERVAL_MS,
  oidcPassword,
} from '@auth/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adapters, traffic } from './harness.js';

/**
 * The client's clock is 5 minutes ahead of or behind the server's. The server runs in its own process
 * (real clock; it checks each JWT's `exp` with no leeway); this process fakes only `Date.now`. Expiry must
 * come from `expires_in` against the local clock, so requests keep succeeding and refreshes keep their
 * rhythm (no storm, no expired token sent forever).
 */

interface Ready {
  type: 'ready';
  url: string;
  users: { admin: { username: string; password: string } };
  clients: { service: { clientId: string; clientSecret: string } };
}

let child: ChildProcess;
let ready: Ready;
const ask = <T>(message: { type: string }, answer: string): Promise<T> =>
  new Promise((resolve) => {
    const listener = (reply: { type?: string }) => {
      if (reply.type !== answer) return;
      child.off('message', listener);
      resolve(reply as T);
    };
    child.on('message', listener);
    child.send(message);
  });

beforeAll(async () => {
  child = fork(fileURLToPath(new URL('./fixtures/server-process.ts', import.meta.url)), ['2'], {
    execArgv: ['--conditions=@auth/source', '--import', 'tsx'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`the server process exited with ${code}`)));
  });
}, 60_000);
afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'close' });
    await exited;
  }
});

const DURATION = 5_000;

const SKEWS = [
  ['in step (control)', 0],
  ['5 minutes ahead', 5 * 60_000],
  ['5 minutes behind', -5 * 60_000],
] as const;

describe.each(SKEWS)('the client clock is %s of the server', (_label, skew) => {
  beforeAll(() => {
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  for (const kind of ['oidcPassword', 'clientCredentials', 'bearerToken'] as const) {
    // Was bug 3: with the clock ahead, the refresh-token grant's answers were thrown away (their ID token).
    it.concurrent(`${kind}: every request through every adapter succeeds for 2.5 token lifetimes, refreshing at the usual rhythm`, async () => {
      // A bearer token obtained elsewhere (before this process saw it).
      const issued: { tokens: { accessToken: string; refreshToken: string; expiresIn: number } }[] = [];
      if (kind === 'bearerToken') {
        for (const _ of adapters) issued.push(await ask({ type: 'issue' }, 'tokens'));
      }
      const auths: Auth[] = [];
      const events = new Map<string, AuthEvent[]>();
      const clients = adapters.map((adapter, index) => {
        const log: AuthEvent[] = [];
        events.set(adapter.name, log);
        const credentials: Credentials =
          kind === 'oidcPassword'
            ? oidcPassword(ready.users.admin)
            : kind === 'clientCredentials'
              ? clientCredentials(ready.clients.service)
              : bearerToken(issued[index]!.tokens);
        const auth = createAuth({ baseUrl: ready.url, credentials, onEvent: (event) => log.push(event) });
        auths.push(auth);
        return adapter.create(auth, ready.url);
      });
      const statuses = await Promise.all(
        clients.map((client) =>
          traffic(DURATION, () => client.request('/v1/objects'), { concurrency: 2, pause: 100 }),
        ),
      ).finally(() => Promise.all(auths.map((auth) => auth.close())));

      for (const [index, adapter] of adapters.entries()) {
        expect(statuses[index]!.length, adapter.name).toBeGreaterThan(20);
        expect(new Set(statuses[index]), adapter.name).toEqual(new Set([200]));
        const log = events.get(adapter.name) ?? [];
        const refreshed = log.filter((event) => event.type === 'refresh-succeeded').length;
        // 2 s tokens for 5 s: at least 2
        // renewals, and never more than the minimum spacing between token requests allows.
        expect(refreshed, adapter.name).toBeGreaterThanOrEqual(2);
        expect(refreshed, adapter.name).toBeLessThanOrEqual(DURATION / MIN_REFRESH_INTERVAL_MS + 1);
        expect(
          log.filter((event) => event.type === 'refresh-failed'),
          adapter.name,
        ).toEqual([]);
        // Whole-second `exp` claims can make a token die up to 1 s early; such a 401 is retried once. A
        // client that trusted the JWT's `exp` against a skewed clock would meet a 401 on every request.
        expect(log.filter((event) => event.type === 'unauthorized').length, adapter.name).toBeLessThanOrEqual(
          4,
        );
      }
    }, 30_000);
  }
});
