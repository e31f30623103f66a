import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AuthEvent, apiKey } from '@auth/core';
import { withAuth } from '@auth/fetch';
import { statusWith, test } from '@auth/test-utils';
import { describe, expect } from 'vitest';
import { runCli } from './__test__/bin.js';

test.override('serverOptions', { scope: 'file' }, { authorization: 'rbac' });

/** Replaces the secret file in one step, as a secret manager (or a mounted Kubernetes secret) does. */
async function writeKey(file: string, key: string): Promise<void> {
  await writeFile(`${file}.new`, `${key}\n`, { mode: 0o600 });
  await rename(`${file}.new`, file);
}

/** Resolves once `condition()` holds (checked every 10 ms). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

describe('rotation without downtime', () => {
  test('an app on apiKey(() => readKey()) keeps working while the CLI rotates its key: 0 failed requests', async ({
    server,
    createAuth,
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'weaviate-rotation-'));
    const keyFile = join(dir, 'weaviate-api-key');
    const admin = { env: { WEAVIATE_API_KEY: server.keys.admin } };
    try {
      const created = await runCli(['keys', 'create', 'app', '--role', 'admin', '--url', server.url], admin);
      expect(created.code).toBe(0);
      const oldKey = created.stdout.trim();
      await writeKey(keyFile, oldKey);

      // The app, as core's README shows it: the key is read from the secret file, and after a 401 the
      // function waits (a little) for the rotated key to land there.
      let lastKey: string | undefined;
      const readKey = async (): Promise<string> => {
        for (let waited = 0; ; waited += 100) {
          const key = (await readFile(keyFile, 'utf8')).trim();
          if (key !== lastKey || waited >= 5_000) {
            lastKey = key;
            return key;
          }
          await sleep(100);
        }
      };
      const events: AuthEvent[] = [];
      const auth = createAuth({
        baseUrl: server.url,
        credentials: apiKey(readKey),
        onEvent: (event) => events.push(event),
      });
      const appFetch = withAuth(fetch, auth);

      // Four workers, each reading and writing in a loop until told to stop.
      const statuses: number[] = [];
      let stop = false;
      const worker = async (id: number) => {
        for (let i = 0; !stop; i++) {
          const write = i % 2 === 1;
          const response = await appFetch(`${server.url}/v1/objects`, {
            method: write ? 'POST' : 'GET',
            ...(write
              ? {
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ class: 'Event', properties: { worker: id, i } }),
                }
              : {}),
          });
          await response.body?.cancel();
          statuses.push(response.status);
        }
      };
      const app = Promise.all([0, 1, 2, 3].map(worker));
      await until(() => statuses.length >= 40);

      // Mid-loop: the rotation job. The CLI rotates (the old key is refused from that moment), then the
      // new key goes to the secret store.
      server.stats.reset();
      events.length = 0;
      const rotated = await runCli(['keys', 'rotate', 'app', '--url', server.url], admin);
      expect(rotated.code).toBe(0);
      const newKey = rotated.stdout.trim();
      await writeKey(keyFile, newKey);
      const rotatedAt = statuses.length;
      await until(() => statuses.length >= rotatedAt + 40);
      stop = true;
      await app;

      // 0 failed requests, before, during and after the rotation.
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
      // The old key was refused mid-loop, at most once per worker, and each 401 was retried once.
      const objects = server.stats.byPath('/v1/objects');
      expect(objects[401]).toBeGreaterThanOrEqual(1);
      expect(objects[401]).toBeLessThanOrEqual(4);
      expect(objects.total).toBe(objects[200] + objects[401]);
      // One key read for all the 401s, and it brought the new key.
      const renewals = events.filter((event) => event.type === 'refresh-started');
      expect(renewals).toEqual([{ type: 'refresh-started', grant: 'api_key', reason: 'unauthorized' }]);
      expect(await auth.authorize(`${server.url}/v1/meta`)).toEqual({ Authorization: `Bearer ${newKey}` });
      expect(await statusWith(server, oldKey)).toBe(401);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
