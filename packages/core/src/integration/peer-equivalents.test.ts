import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WeaviateServer } from '@auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedServerForFile } from '../__test__/embedded-server.js';
import { send } from '../__test__/leaks.js';
import { createAuth } from '../create-auth.js';
import { oidcPassword } from '../credentials/oidc-password.js';
import type { AuthEvent } from '../events.js';
import type { StoredToken, TokenStore } from '../store.js';

// The rows of core's README "Coming from axios-auth-refresh, @badgateway/oauth2-client or
// google-auth-library" that no other test runs as a user of those libraries would: persisting tokens in a
// TokenStore (badgateway's storeToken/getStoredToken, google's on('tokens')) and the refresh-ahead threshold
// (google's eagerRefreshThresholdMillis). The README names the tests of the other rows.

let server: WeaviateServer;
// Tokens live 5 minutes at the provider: the stored token's times below are rewritten, the JWT stays valid.
const leaks = embeddedServerForFile({ accessTokenTtl: 300 }, (started) => {
  server = started;
});

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'auth-peer-equivalents-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A token store in a JSON file, read once per store: what an app that persists its tokens writes. */
function fileStore(path: string): TokenStore {
  let tokens: Promise<Record<string, StoredToken>> | undefined;
  const load = () => {
    tokens ??= readFile(path, 'utf8')
      .catch(() => '{}') // no file yet
      .then((text) => JSON.parse(text) as Record<string, StoredToken>);
    return tokens;
  };
  const save = async (change: (all: Record<string, StoredToken>) => void) => {
    const all = await load();
    change(all);
    await writeFile(path, JSON.stringify(all), { mode: 0o600 });
  };
  return {
    get: async (key) => (await load())[key],
    set: (key, token) => {
      leaks.secret(token.accessToken, token.refreshToken);
      return save((all) => {
        all[key] = token;
      });
    },
    delete: (key) =>
      save((all) => {
        delete all[key];
      }),
  };
}

const admin = () =>
  leaks.watch(oidcPassword({ username: server.users.admin.username, password: server.users.admin.password }));

/** One run of an app: an auth object on the token file, its events kept; `seen(type)` waits for one. */
function run(path: string, refreshAhead?: number) {
  const events: AuthEvent[] = [];
  const waiting: (() => void)[] = [];
  const seen = (type: AuthEvent['type']) =>
    new Promise<void>((resolve) => {
      const check = () => (events.some((event) => event.type === type) ? resolve() : waiting.push(check));
      check();
    });
  const auth = leaks.watch(
    createAuth({
      baseUrl: server.url,
      credentials: admin(),
      store: fileStore(path),
      refreshAhead,
      onEvent: (event) => {
        leaks.onEvent(event);
        events.push(event);
        for (const check of waiting.splice(0)) check();
      },
    }),
  );
  return { auth, events, seen };
}

/** Rewrites the times of every token in the file: obtained `age` ms ago, expiring in `left` ms. */
async function age(path: string, ageMs: number, leftMs: number): Promise<void> {
  const tokens = JSON.parse(await readFile(path, 'utf8')) as Record<string, StoredToken>;
  const now = Date.now();
  for (const [key, token] of Object.entries(tokens)) {
    tokens[key] = { ...token, obtainedAt: now - ageMs, expiresAt: now + leftMs };
  }
  await writeFile(path, JSON.stringify(tokens));
}

describe('badgateway storeToken / getStoredToken, google on("tokens"): a TokenStore persists the token', () => {
  it('a restarted app sends the stored token without signing in again; signing out removes it', async () => {
    const path = join(folder, 'restart.json');
    const first = run(path);
    expect((await send(first.auth, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.password).toBe(1);
    await first.auth.close();
    expect(Object.keys(JSON.parse(await readFile(path, 'utf8')))).toHaveLength(1);

    const second = run(path); // the next start: a new credential object, a new store on the same file
    expect((await send(second.auth, leaks, '/v1/meta')).status).toBe(200);
    expect(server.stats.tokenRequests.total).toBe(1);
    await second.auth.signOut({ revoke: false });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({});
  });
});

describe('google eagerRefreshThresholdMillis, badgateway scheduleRefresh: refreshAhead', () => {
  it('moves the background refresh earlier: the stored token is served while one refresh runs', async () => {
    const path = join(folder, 'refresh-ahead.json');
    const signIn = run(path);
    await signIn.auth.authorize('/v1/meta');
    await signIn.auth.close();
    // 60 s old, 40 s left: the default window (the last quarter, 25 s before the 10 s margin) opens in 5 s.
    await age(path, 60_000, 40_000);
    server.stats.reset();

    const byDefault = run(path);
    expect((await send(byDefault.auth, leaks, '/v1/meta')).status).toBe(200);
    await byDefault.auth.close();
    expect(byDefault.events.filter((event) => event.type === 'refresh-started')).toEqual([]);
    expect(server.stats.tokenRequests.total).toBe(0);

    // refreshAhead: 40 s: the window opened 10 s ago.
    const early = run(path, 40_000);
    const stored = Object.values(JSON.parse(await readFile(path, 'utf8')) as Record<string, StoredToken>);
    const headers = await early.auth.authorize('/v1/meta');
    expect(headers).toEqual({ Authorization: `Bearer ${stored[0]?.accessToken}` }); // served, not waited for
    await early.seen('refresh-succeeded');
    expect(early.events).toContainEqual({
      type: 'refresh-started',
      grant: 'refresh_token',
      reason: 'refresh-ahead',
    });
    expect(server.stats.tokenRequests.refresh_token).toBe(1);
    expect(server.stats.tokenRequests.total).toBe(1);
    expect(await early.auth.authorize('/v1/meta')).not.toEqual(headers);
    expect((await send(early.auth, leaks, '/v1/meta')).status).toBe(200);
    await early.auth.close();
  });
});
