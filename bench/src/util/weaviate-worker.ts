import { parentPort, workerData } from 'node:worker_threads';
import { startWeaviateServer, type WeaviateServerOptions } from '@auth/testing';

/**
 * Runs `startWeaviateServer()` in a worker thread so that the clients under test (main thread) and the
 * server each get a core. The main thread drives it with small request/response messages.
 */
type Command =
  | { id: number; op: 'stats' }
  | { id: number; op: 'reset' }
  | { id: number; op: 'issueTokens' }
  | { id: number; op: 'revokeAllTokens' }
  | { id: number; op: 'close' };

const port = parentPort;
if (!port) throw new Error('weaviate-worker.ts must run in a worker thread');
const server = await startWeaviateServer(workerData as WeaviateServerOptions);

function snapshot() {
  const { tokenRequests, discoveryRequests, requests } = server.stats;
  return {
    tokenRequests: { ...tokenRequests },
    discoveryRequests,
    requests: { ...requests },
  };
}

port.on('message', async (command: Command) => {
  try {
    switch (command.op) {
      case 'stats':
        port.postMessage({ id: command.id, value: snapshot() });
        break;
      case 'reset':
        server.stats.reset();
        port.postMessage({ id: command.id, value: null });
        break;
      case 'issueTokens':
        port.postMessage({ id: command.id, value: await server.issueTokens() });
        break;
      case 'revokeAllTokens':
        server.faults.revokeAllTokens();
        port.postMessage({ id: command.id, value: null });
        break;
      case 'close':
        await server.close();
        port.postMessage({ id: command.id, value: null });
        port.close();
        break;
    }
  } catch (error) {
    port.postMessage({ id: command.id, error: error instanceof Error ? error.message : String(error) });
  }
});

port.postMessage({
  ready: {
    url: server.url,
    issuer: server.issuer,
    tokenEndpoint: server.tokenEndpoint,
    clientId: server.clientId,
    adminKey: server.keys.admin,
    user: { ...server.users.admin },
  },
});
