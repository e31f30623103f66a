import { startWeaviateServer, type WeaviateServer, type WeaviateServerOptions } from '@auth/testing';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { LeakCheck } from './leaks.js';

/**
 * The embedded Weaviate server of one test file: started before its tests and handed to `use`, its stats and
 * faults reset before each test, closed after them once the returned leak check found none of the server's
 * secrets (its API keys, passwords and client secret, plus what the file adds) in anything the file watched.
 */
export function embeddedServerForFile(
  options: WeaviateServerOptions | undefined,
  use: (server: WeaviateServer) => void,
): LeakCheck {
  const leaks = new LeakCheck();
  let server: WeaviateServer | undefined;
  beforeAll(async () => {
    server = await startWeaviateServer(options);
    const { keys, users, clients } = server;
    leaks.secret(
      keys.admin,
      keys.readOnly,
      users.admin.password,
      users.readOnly.password,
      clients.service.clientSecret,
    );
    use(server);
  });
  beforeEach(() => {
    server?.stats.reset();
    server?.faults.reset();
  });
  afterAll(async () => {
    leaks.assertClean();
    await server?.close();
  });
  return leaks;
}
