import http from 'node:http';

type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch that keeps at most `max` requests on the wire and queues the rest, like a connection pool
 * (Node's fetch and http.Agent have no per-origin cap by default; 10,000 sockets would measure the kernel,
 * not the auth layer). Every fetch-based contender in the storm goes through one of these; axios gets
 * an http.Agent with the same `maxSockets`.
 */
export function limitFetch(
  max: number,
  inner: FetchFunction = (input, init) => globalThis.fetch(input, init),
) {
  let active = 0;
  const queue: (() => void)[] = [];
  const limited = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (active >= max) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await inner(input, init);
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
  return limited;
}

export function pooledAgent(max: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: max });
}
