import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RedisAddress, redisGroup, spawnRedisNode, until } from './redis-node.js';

/** Options of {@link startRedisSentinel}. */
export interface RedisSentinelOptions {
  /** The name the sentinel monitors the primary under. @default 'auth-primary' */
  readonly name?: string | undefined;
  /** `down-after-milliseconds`: how long the primary may be silent before it counts as down. @default 1000 */
  readonly downAfter?: number | undefined;
}

/** What {@link startRedisSentinel} returns: a primary, its replica and a sentinel on loopback ports. */
export interface RedisSentinelSetup {
  /** The primary's name for clients (`name` in node-redis's `createSentinel`, ioredis's `new Redis`). */
  readonly name: string;
  /** The sentinel, to give to clients (`sentinelRootNodes`, `sentinels`). */
  readonly sentinels: readonly RedisAddress[];
  /** The two data nodes (which one is the primary changes with each failover). */
  readonly nodes: readonly RedisAddress[];
  /** The primary now, as the sentinel names it. */
  primary(): Promise<RedisAddress>;
  /**
   * Forces a failover (`SENTINEL FAILOVER`): the replica becomes the primary. Resolves when the sentinel
   * names the new primary (clients that follow the sentinel switch now). The sentinel turns the old primary
   * into a replica of the new one at its next check of it, up to 10 s later: until then it still takes writes
   * from clients that did not switch, and drops them then.
   */
  failover(): Promise<RedisAddress>;
  /** Runs one command on one node (or the sentinel) through `redis-cli`; returns its raw output. */
  command(node: RedisAddress, ...args: string[]): Promise<string>;
  /** Kills every process and removes their files. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a Sentinel setup on free 127.0.0.1 ports: a primary, one replica of it, and one sentinel
 * (`redis-server --sentinel`) monitoring them with a quorum of 1, and waits until the sentinel knows the
 * replica (a failover needs one). Nothing is persisted. `REDIS_SERVER` and `REDIS_CLI` name other binaries.
 *
 * @example
 * ```ts
 * import { startRedisSentinel } from '@auth/testing';
 * import { createSentinel } from 'redis';
 *
 * await using setup = await startRedisSentinel();
 * const client = createSentinel({ name: setup.name, sentinelRootNodes: [...setup.sentinels] });
 * await client.connect();
 * await setup.failover(); // the client follows the new primary
 * await client.destroy();
 * ```
 */
export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelSetup> {
  const name = options.name ?? 'auth-primary';
  const downAfter = options.downAfter ?? 1000;
  if (!/^[\w-]+$/.test(name)) {
    throw new Error('startRedisSentinel(): `name` must be letters, digits, `_` or `-`.');
  }
  const { dir, processes, command, stop } = await redisGroup('redis-sentinel');
  let sentinel: RedisAddress;
  let nodes: RedisAddress[];

  try {
    // Their files (a replica's copy of the primary's data during a sync) go to the setup's directory.
    const home = async (name: string) => {
      const path = join(dir, name);
      await mkdir(path, { recursive: true }); // a start again on another port asks for it again
      return ['--dir', path];
    };
    const primary = await spawnRedisNode(() => home('primary'));
    processes.push(primary);
    const replica = await spawnRedisNode(() => [
      '--replicaof',
      primary.host,
      String(primary.port),
      '--dir',
      dir,
    ]);
    processes.push(replica);
    nodes = [primary, replica].map(({ host, port }) => ({ host, port }));
    // Synced, and streaming: a write on the primary shows on the replica (right after the initial sync the
    // primary holds writes back until the replica's first acknowledgement, and WAIT may not tell).
    let probe = 0;
    await until(async () => {
      probe++;
      await command(primary, 'SET', 'auth-testing:probe', String(probe));
      return (await command(replica, 'GET', 'auth-testing:probe')) === String(probe);
    }, 'the replica to sync with the primary');
    await command(primary, 'DEL', 'auth-testing:probe');
    // A sentinel rewrites its configuration file: one of its own.
    const config = join(dir, 'sentinel.conf');
    await writeFile(
      config,
      [
        `sentinel monitor ${name} ${primary.host} ${primary.port} 1`,
        `sentinel down-after-milliseconds ${name} ${downAfter}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    const watcher = await spawnRedisNode(() => [config, '--sentinel', '--dir', dir]);
    processes.push(watcher);
    sentinel = { host: watcher.host, port: watcher.port };
    // Known, and heard from directly (its INFO says the link to the primary is up): fit to be promoted.
    await until(async () => {
      const known = await command(sentinel, 'SENTINEL', 'REPLICAS', name);
      return known.includes(String(replica.port)) && /master-link-status\nok/.test(known);
    }, 'the sentinel to know the replica as fit to be promoted');
  } catch (error) {
    await stop();
    throw error;
  }

  const current = async (): Promise<RedisAddress> => {
    const [host, port] = (await command(sentinel, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)).split('\n');
    return { host: host!, port: Number(port) };
  };

  return {
    name,
    sentinels: [sentinel],
    nodes,
    primary: current,
    command,
    async failover() {
      const before = await current();
      let reply = '';
      // Right after a failover the sentinel needs a moment before the old primary counts as a fit replica.
      await until(async () => {
        reply = await command(sentinel, 'SENTINEL', 'FAILOVER', name);
        return reply.startsWith('OK');
      }, `the sentinel to accept SENTINEL FAILOVER (last answer: ${reply})`);
      let after = before;
      await until(async () => {
        after = await current();
        if (after.port === before.port) return false;
        const [role] = (await command(after, 'ROLE')).split('\n');
        return role === 'master';
      }, 'the sentinel to name a new primary');
      return after;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
