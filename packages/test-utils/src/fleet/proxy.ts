import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy in front of one server whose answers can be held back (a stalled process, seen from Redis). */
export interface HoldingProxy {
  /** `redis://127.0.0.1:PORT`: give it to the process to stall. */
  readonly url: string;
  /** From now on, what the server answers is kept back (requests still reach it, in order). */
  hold(): void;
  /** Resolves once an answer is kept back (the server has run a command the client does not know about). */
  holding(): Promise<void>;
  /** Delivers everything kept back, and stops holding. */
  release(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy on a free loopback port that forwards to `target` (`redis://host:port`). While held, the
 * server's answers wait in the proxy: the client has sent its command, the server has run it, and the client
 * learns the answer only at {@link HoldingProxy.release} — as if its event loop had stalled right after the
 * command.
 */
export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const { hostname, port } = new URL(target);
  let held: (() => void)[] | undefined;
  let onHeld: (() => void) | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      const deliver = () => client.write(chunk);
      if (!held) return void deliver();
      held.push(deliver);
      onHeld?.();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the proxy has no port');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    hold: () => {
      held ??= [];
    },
    holding: () =>
      new Promise<void>((resolve) => {
        if (held?.length) return resolve();
        onHeld = () => {
          onHeld = undefined;
          resolve();
        };
      }),
    release: () => {
      const pending = held ?? [];
      held = undefined;
      for (const deliver of pending) deliver();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
