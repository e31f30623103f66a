import { join } from 'node:path';
import { freePort } from './ports.js';
import { pause, type RedisAddress, redisGroup, spawnRedisNode, until } from './redis-node.js';

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Primaries; the slots are split evenly between them. @default 3 */
  readonly primaries?: number | undefined;
  /** Replicas per primary (a replica takes over when its primary is lost). @default 0 */
  readonly replicas?: number | undefined;
  /** `cluster-node-timeout` (ms): how long a node may be silent before it counts as failed. @default 1000 */
  readonly nodeTimeout?: number | undefined;
}

/** What {@link RedisCluster.nodeOf} answers: a node, its cluster id and whether it serves as a primary. */
export interface RedisClusterNode extends RedisAddress {
  readonly id: string;
  readonly primary: boolean;
}

/** What {@link startRedisCluster} returns: a Redis Cluster on loopback ports of the caller's own. */
export interface RedisCluster {
  /** Every node it was started with (give them all to a client as its root nodes). */
  readonly nodes: readonly RedisAddress[];
  /** The hash slot of `key` (CRC16 of its hash tag, as Redis computes it). */
  slotOf(key: string): Promise<number>;
  /** The primary that serves `key`'s slot now. */
  primaryOf(key: string): Promise<RedisClusterNode>;
  /**
   * Moves `key`'s slot to another primary as `redis-cli --cluster reshard` would: IMPORTING and MIGRATING,
   * then MIGRATE of every key in it, then the slot assigned to the new node. `midway` (ms) pauses after each
   * step, so that clients meet `ASK` (during) and `MOVED` (after). Returns the new primary.
   */
  moveSlot(key: string, options?: { midway?: number }): Promise<RedisClusterNode>;
  /**
   * Kills (SIGKILL) the primary of `key`'s slot and waits until its replica has taken over (needs
   * `replicas: 1`); then a new node takes the lost one's place (its port and cluster identity, no data) and
   * joins as the new primary's replica, and every node says `cluster_state:ok` again (before that, a node that
   * saw the primary fail answers CLUSTERDOWN). Returns the new primary.
   */
  losePrimary(key: string): Promise<RedisClusterNode>;
  /** Runs one command on one node through `redis-cli`; returns its raw output. */
  command(node: RedisAddress, ...args: string[]): Promise<string>;
  /** Kills every node and removes their files. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a Redis Cluster on free 127.0.0.1 ports: `redis-server --cluster-enabled yes` per node, then
 * `redis-cli --cluster create`, and waits until every node reports `cluster_state:ok`. Nothing is persisted.
 * `REDIS_SERVER` and `REDIS_CLI` name other binaries (Valkey's). Needs redis-server and redis-cli (Debian:
 * `apt-get install redis-server redis-tools`).
 *
 * @example
 * ```ts
 * import { startRedisCluster } from '@auth/testing';
 * import { createCluster } from 'redis';
 *
 * await using cluster = await startRedisCluster({ primaries: 3 });
 * const client = createCluster({ rootNodes: cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
 * await client.connect();
 * await client.set('{user:1}:name', 'ada');
 * await client.destroy();
 * ```
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicas ?? 0;
  const nodeTimeout = options.nodeTimeout ?? 1000;
  if (!Number.isInteger(primaries) || primaries < 3) {
    throw new Error('startRedisCluster(): `primaries` must be an integer of at least 3 (redis-cli needs 3).');
  }
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error('startRedisCluster(): `replicas` must be a whole number (replicas per primary).');
  }
  const { dir, processes, command, stop } = await redisGroup('redis-cluster');
  const busPorts = new Map<number, number>();
  const nodeArgs = async (port: number) => {
    // The bus port must be free too (port + 10000, the default, may be taken or above 65535).
    const bus = busPorts.get(port) ?? (await freePort());
    busPorts.set(port, bus);
    return [
      ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
      ...['--cluster-port', String(bus), '--cluster-node-timeout', String(nodeTimeout), '--dir', dir],
    ];
  };

  // A node whose view of the cluster is not `ok` answers every key with CLUSTERDOWN.
  const serving = (nodes: RedisAddress[], what: string) =>
    until(
      async () =>
        (await Promise.all(nodes.map((node) => command(node, 'CLUSTER', 'INFO')))).every((info) =>
          info.includes('cluster_state:ok'),
        ),
      what,
    );

  try {
    // Every node that started is kept for `stop()`, also when another failed to start.
    const started = await Promise.allSettled(
      Array.from({ length: primaries * (1 + replicas) }, () => spawnRedisNode(nodeArgs)),
    );
    for (const result of started) if (result.status === 'fulfilled') processes.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const spawned = [...processes];
    await command(
      spawned[0]!,
      '--cluster',
      'create',
      ...spawned.map(({ host, port }) => `${host}:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    );
    await serving(spawned, 'every node of the new cluster to report cluster_state:ok');
    // A replica that never synced cannot take over (its data counts as too old).
    await until(
      async () =>
        (await Promise.all(spawned.map((node) => command(node, 'INFO', 'replication')))).every(
          (info) => info.includes('role:master') || info.includes('master_link_status:up'),
        ),
      'every replica to sync with its primary',
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const alive = () => processes.filter((node) => node.running);
  /** The cluster's view from a live node: each node, and the slot ranges each primary serves. */
  const view = async () => {
    const text = await command(alive()[0]!, 'CLUSTER', 'NODES');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [id, address, flags, , , , , , ...slots] = line.split(' ');
        const [host, port] = address!.split('@')[0]!.split(':');
        return {
          id: id!,
          host: host!,
          port: Number(port),
          primary: flags!.includes('master') && !flags!.includes('fail'),
          slots: slots.filter((s) => !s.startsWith('[')).map((s) => s.split('-').map(Number)),
        };
      });
  };
  const slotOf = async (key: string) => Number(await command(alive()[0]!, 'CLUSTER', 'KEYSLOT', key));
  const primaryOf = async (key: string): Promise<RedisClusterNode> => {
    const slot = await slotOf(key);
    const owner = (await view()).find(
      (node) => node.primary && node.slots.some(([from, to]) => slot >= from! && slot <= (to ?? from!)),
    );
    if (!owner) throw new Error(`no primary serves slot ${slot}`);
    const { id, host, port, primary } = owner;
    return { id, host, port, primary };
  };

  return {
    nodes: processes.map(({ host, port }) => ({ host, port })),
    slotOf,
    primaryOf,
    command,
    async moveSlot(key, { midway = 0 } = {}) {
      const slot = String(await slotOf(key));
      const from = await primaryOf(key);
      const to = (await view()).find((node) => node.primary && node.id !== from.id)!;
      await command(to, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', from.id);
      await command(from, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', to.id);
      await pause(midway);
      const keys = (await command(from, 'CLUSTER', 'GETKEYSINSLOT', slot, '1000'))
        .split('\n')
        .filter(Boolean);
      if (keys.length > 0) {
        await command(from, 'MIGRATE', to.host, String(to.port), '', '0', '5000', 'KEYS', ...keys);
      }
      await pause(midway);
      for (const node of [to, from, ...(await view()).filter((n) => n.primary)]) {
        await command(node, 'CLUSTER', 'SETSLOT', slot, 'NODE', to.id);
      }
      return { id: to.id, host: to.host, port: to.port, primary: true };
    },
    async losePrimary(key) {
      const lost = await primaryOf(key);
      const index = processes.findIndex((node) => node.port === lost.port);
      await processes[index]?.kill();
      let next: RedisClusterNode | undefined;
      await until(
        async () => {
          next = await primaryOf(key);
          return next.id !== lost.id;
        },
        `a replica to take over slot ${await slotOf(key)} from the lost primary`,
      );
      const replacement = await spawnRedisNode(nodeArgs, lost.port);
      processes[index] = replacement;
      await until(
        async () => (await command(replacement, 'INFO', 'replication')).includes('master_link_status:up'),
        'the replacement node to sync as a replica of the new primary',
      );
      // A node that saw the primary fail answers CLUSTERDOWN until it has seen the failover too.
      await serving(processes, 'every node to report cluster_state:ok after the failover');
      return next!;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
