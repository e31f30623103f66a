import type { StoredToken } from '@auth/core';
import { type RedisServer, startRedisServer } from '@auth/testing';
import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { redisKeys } from './codec.js';
import { type RedisClientLike, redisStore } from './index.js';

// What a failover takes from the refresh lock, step by step. A primary and its replica are real redis-servers;
// the replica is promoted as Sentinel does it (`REPLICAOF NO ONE`), and the process's client follows to it when
// the test says, as a Sentinel client does when the switch is announced (about a second after the promotion).
// Until then the old primary still takes writes, and drops them when it is turned into a replica.

function newClient(server: RedisServer) {
  const client = createClient({ url: server.url });
  client.on('error', () => {});
  return client;
}
type Client = ReturnType<typeof newClient>;

let primary: RedisServer;
let replica: RedisServer;
const clients: Client[] = [];

async function connect(server: RedisServer): Promise<Client> {
  const client = newClient(server);
  await client.connect();
  clients.push(client);
  return client;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The primary's replicas in sync. */
const replicas = async (client: Client) =>
  String(await client.sendCommand(['INFO', 'replication'])).split('state=online').length - 1;

/** A client of one process that follows a failover when `follow()` is called. */
function following(first: Client) {
  let current = first;
  const client: RedisClientLike = {
    sendCommand: (args) => current.sendCommand(args),
    get isReady() {
      return current.isReady;
    },
  };
  return { client, follow: (next: Client) => (current = next) };
}

const token = (accessToken: string): StoredToken => {
  const obtainedAt = Date.now();
  return { accessToken, refreshToken: `rt-${accessToken}`, obtainedAt, expiresAt: obtainedAt + 60_000 };
};

let onPrimary: Client;
let onReplica: Client;

beforeEach(async () => {
  [primary, replica] = await Promise.all([startRedisServer(), startRedisServer()]);
  [onPrimary, onReplica] = await Promise.all([connect(primary), connect(replica)]);
  await onReplica.sendCommand(['REPLICAOF', '127.0.0.1', String(primary.port)]);
  await until(async () => (await replicas(onPrimary)) === 1, 'the replica to be in sync');
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  replica?.resume();
  await Promise.all([primary?.stop(), replica?.stop()]);
});

/** Promotes the replica; returns once the old primary has noticed (it still takes writes). */
async function promote(): Promise<void> {
  await onReplica.sendCommand(['REPLICAOF', 'NO', 'ONE']);
  await until(async () => (await replicas(onPrimary)) === 0, 'the old primary to lose its replica');
}

describe('a failover while a process holds the refresh lock', () => {
  test('its release (with its token) that the old primary took is made again on the new one', async () => {
    const a = following(onPrimary);
    const store = redisStore({ client: a.client });
    const other = redisStore({ client: onReplica }); // a process whose client switched already
    const key = 'a credential';
    const { lock } = await redisKeys('auth:', key);
    await store.set(key, token('before'));
    await store.lock(
      key,
      async () => {
        await promote();
        await store.set(key, token('refreshed'));
        // The old primary frees the lock and takes the token; the client switches 200 ms later.
        setTimeout(() => a.follow(onReplica), 200);
      },
      new AbortController().signal,
    );
    expect(await onReplica.sendCommand(['EXISTS', lock])).toBe(0);
    expect(await other.get(key)).toMatchObject({ accessToken: 'refreshed' });
  });

  test('a lock the old primary gives after the promotion is let go: the task runs once the client follows', async () => {
    const a = following(onPrimary);
    const store = redisStore({ client: a.client });
    const key = 'a credential';
    // A first refresh: the process sees the primary with its replica.
    await store.lock(key, async () => {}, new AbortController().signal);
    await promote();
    let followed = false;
    setTimeout(() => {
      a.follow(onReplica);
      followed = true;
    }, 200);
    let ranAfterFollowing: boolean | undefined;
    await store.lock(
      key,
      async () => {
        ranAfterFollowing = followed;
      },
      new AbortController().signal,
    );
    expect(ranAfterFollowing).toBe(true);
  });

  test('a replica that never answers: the lock is taken once failoverWait has passed, and freed', async () => {
    const store = redisStore({ client: onPrimary, failoverWait: 1_000 });
    const key = 'a credential';
    replica.pause();
    const started = Date.now();
    let ran = false;
    await store.lock(
      key,
      async () => {
        ran = true;
      },
      new AbortController().signal,
    );
    expect(ran).toBe(true);
    // Each lock it took went unconfirmed (WAIT timed out) until failoverWait had passed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    // Its release is not confirmed either: tried again for failoverWait, then the lock is free for the next.
    expect(await onPrimary.sendCommand(['EXISTS', (await redisKeys('auth:', key)).lock])).toBe(0);
  });
});

test('one node without replicas: the lock is taken with no WAIT', async () => {
  const alone = await startRedisServer();
  try {
    const client = await connect(alone);
    const store = redisStore({ client });
    await store.lock('a credential', async () => {}, new AbortController().signal);
    const stats = String(await client.sendCommand(['INFO', 'commandstats']));
    // The lock taken, then freed (and renewed, on a machine too busy to finish the task in 3 s).
    expect(Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1])).toBeGreaterThanOrEqual(2);
    expect(stats).not.toMatch(/cmdstat_wait/);
  } finally {
    await alone.stop();
  }
});
