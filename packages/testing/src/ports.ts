import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it). Another process may take it before
 * a server binds it (another test's server, the local end of any outgoing connection), so a server started
 * on it goes through {@link onFreePort}.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** A server that could not bind a port it was given: {@link onFreePort} starts it again on another one. */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
}

/** Whether a server's log says that a port it was given is taken (redis-server, Glewlwyd's libmicrohttpd). */
export function saysPortTaken(log: string): boolean {
  return /address already in use|EADDRINUSE/i.test(log);
}

/**
 * Starts a server on a free port with `start`, and again on another port while `start` fails with a
 * {@link PortTakenError}, up to `tries` times in all: the port can be taken between the moment it was found
 * free and the moment the server binds it. `next` gives each port (tests give a taken one first).
 */
export async function onFreePort<T>(
  start: (port: number) => Promise<T>,
  tries = 5,
  next: () => Promise<number> = freePort,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await next());
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= tries) throw error;
    }
  }
}
