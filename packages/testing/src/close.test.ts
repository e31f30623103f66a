import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { startWeaviateServer } from './index.js';
import { passwordGrant } from './test-helpers.js';

describe('close()', () => {
  /** Tracks the servers, sockets and 60 s timers created from now on, until they are released. */
  function track(): { live: Map<number, string>; stop: () => void } {
    const live = new Map<number, string>();
    const hook = createHook({
      init(asyncId, type, _trigger, resource) {
        const idle = (resource as { _idleTimeout?: number })._idleTimeout;
        if (type === 'TCPSERVERWRAP' || type === 'TCPWRAP' || (type === 'Timeout' && idle === 60_000)) {
          live.set(asyncId, type);
        }
      },
      destroy(asyncId) {
        live.delete(asyncId);
      },
    });
    hook.enable();
    return { live, stop: () => hook.disable() };
  }

  it('leaves no listening server, socket or timer behind, even with a hanging token request', async () => {
    const { live, stop } = track();
    try {
      const server = await startWeaviateServer();
      await server.issueTokens();
      server.faults.hangTokenRequests(60_000);
      const hanging = passwordGrant(server).catch((error: unknown) => error);
      // Wait until the hanging request has reached the server.
      await expect.poll(() => server.stats.tokenRequests.total).toBe(2);
      expect([...live.values()].filter((type) => type === 'Timeout')).toHaveLength(1);
      expect([...live.values()].filter((type) => type === 'TCPSERVERWRAP')).toHaveLength(2);
      await server.close();
      await server.close();
      expect(await hanging).toBeInstanceOf(Error);
      // Handles are released on the next turns of the event loop, hence poll.
      await expect.poll(() => [...live.values()], { timeout: 2000 }).toEqual([]);
    } finally {
      stop();
    }
  });

  it('a hanging token request whose client gives up leaves no timer behind, before close()', async () => {
    const { live, stop } = track();
    const server = await startWeaviateServer();
    try {
      server.faults.hangTokenRequests(60_000);
      await expect(
        passwordGrant(server, server.users.admin, 'openid', AbortSignal.timeout(300)),
      ).rejects.toThrow();
      await expect
        .poll(() => [...live.values()].filter((type) => type === 'Timeout'), { timeout: 2000 })
        .toEqual([]);
      expect(server.stats.tokenRequests.password).toBe(1);
      expect((await passwordGrant(server)).status).toBe(200);
    } finally {
      stop();
      await server.close();
    }
  });

  it('supports await using', async () => {
    let url = '';
    {
      await using server = await startWeaviateServer({ oidc: false });
      url = server.url;
      expect((await fetch(`${url}/v1/.well-known/ready`)).status).toBe(200);
    }
    await expect(fetch(`${url}/v1/.well-known/ready`)).rejects.toThrow();
  });
});
