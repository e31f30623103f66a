import { apiKey, createAuth } from '@auth/core';
import type { WeaviateServer } from '@auth/testing';
import { adapters, createDemoClient } from './clients.js';
import { type CredentialKind, credentialKinds, type Row, runScenario, type Target } from './scenario.js';

/** Runs every adapter with every credential kind against `target`, concurrently; `onRow` sees each row as it ends. */
export async function runAll(
  target: Target,
  onRow: (row: Row) => void = () => {},
  kinds: readonly CredentialKind[] = credentialKinds,
): Promise<Row[]> {
  const runId = Math.random().toString(36).slice(2, 8);
  const sharedClass = target.adminKey ? await seedSharedClass(target, runId) : undefined;
  const scenarios = adapters.flatMap((adapter) =>
    kinds.map(async (kind) => {
      const row = await runScenario(adapter, kind, { ...target, sharedClass }, runId);
      onRow(row);
      return row;
    }),
  );
  return Promise.all(scenarios);
}

/** Writes one object with the admin key, for the read-only key's scenarios to read. */
async function seedSharedClass(target: Target, runId: string): Promise<string> {
  const name = `DemoShared${runId}`;
  const auth = createAuth({ baseUrl: target.url, credentials: apiKey(target.adminKey!) });
  const status = await createDemoClient('fetch', target.url, auth)
    .createObject(name, { title: 'shared' })
    .finally(() => auth.close());
  if (status !== 200)
    throw new Error(`could not write the shared object with the admin key (HTTP ${status})`);
  return name;
}

/**
 * The embedded server's demo credentials, one of each kind, as a target. `pause` (seconds) should outlast
 * the server's token lifetime, so that every OIDC scenario sees a refresh.
 */
export function embeddedTarget(server: WeaviateServer, pause: number): Target {
  return {
    url: server.url,
    adminKey: server.keys.admin,
    readOnlyKey: server.keys.readOnly,
    username: server.users.admin.username,
    password: server.users.admin.password,
    clientId: server.clients.service.clientId,
    clientSecret: server.clients.service.clientSecret,
    bearerTokens: () => server.issueTokens(),
    pause,
    expectRefresh: true,
  };
}

/**
 * Hands rows to `emit` in table order (by adapter, then by credential kind), each as soon as every row before
 * it is done: scenarios run concurrently and end in any order.
 */
export function inTableOrder(
  emit: (row: Row) => void,
  kinds: readonly CredentialKind[] = credentialKinds,
): (row: Row) => void {
  const order = adapters.flatMap((adapter) => kinds.map((kind) => `${adapter}/${kind}`));
  const done = new Map<string, Row>();
  let next = 0;
  return (row) => {
    done.set(`${row.adapter}/${row.credential}`, row);
    for (let ready = done.get(order[next]!); ready !== undefined; ready = done.get(order[next]!)) {
      emit(ready);
      next++;
    }
  };
}

/** Counts by outcome. */
export function summarize(rows: Row[]) {
  const count = (outcome: Row['outcome']) => rows.filter((row) => row.outcome === outcome).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), total: rows.length };
}
