import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startWeaviateServer, type WeaviateServerOptions } from '@auth/testing';

export interface StatsSnapshot {
  tokenRequests: { total: number; password: number; refresh_token: number; client_credentials: number };
  discoveryRequests: number;
  requests: { total: number; 200: number; 401: number; 403: number };
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** The parts of `@auth/testing`'s server the storm needs, the same whether it runs here or in a worker. */
export interface StormServer {
  url: string;
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  adminKey: string;
  user: { username: string; password: string };
  /** 'worker' when the server has its own thread (and core), 'inline' when it shares the main thread. */
  where: 'worker' | 'inline';
  stats(): Promise<StatsSnapshot>;
  resetStats(): Promise<void>;
  issueTokens(): Promise<IssuedTokens>;
  close(): Promise<void>;
}

export async function startInlineServer(options: WeaviateServerOptions): Promise<StormServer> {
  const server = await startWeaviateServer(options);
  return {
    url: server.url,
    issuer: server.issuer,
    tokenEndpoint: server.tokenEndpoint,
    clientId: server.clientId,
    adminKey: server.keys.admin,
    user: { ...server.users.admin },
    where: 'inline',
    stats: async () => ({
      tokenRequests: { ...server.stats.tokenRequests },
      discoveryRequests: server.stats.discoveryRequests,
      requests: { ...server.stats.requests },
    }),
    resetStats: async () => server.stats.reset(),
    issueTokens: () => server.issueTokens(),
    close: () => server.close(),
  };
}

interface Ready {
  url: string;
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  adminKey: string;
  user: { username: string; password: string };
}

/**
 * Starts the server in a worker thread. The worker registers tsx itself (workers do not inherit the
 * loader), so this works when the bench runs under `tsx --conditions=@auth/source`.
 */
export async function startWorkerServer(options: WeaviateServerOptions): Promise<StormServer> {
  const target = new URL('./weaviate-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(target)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: options });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const ready = await new Promise<Ready>((resolve, reject) => {
    worker.on('message', (message: { ready?: Ready; id?: number; value?: unknown; error?: string }) => {
      if (message.ready) return resolve(message.ready);
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter || message.id === undefined) return;
      pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.value);
    });
    worker.on('error', (error) => {
      failure = error;
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  });
  const call = <T>(op: string): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, op });
    });
  };
  return {
    ...ready,
    where: 'worker',
    stats: () => call<StatsSnapshot>('stats'),
    resetStats: () => call<void>('reset'),
    issueTokens: () => call<IssuedTokens>('issueTokens'),
    close: async () => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      await call<void>('close').catch(() => undefined);
      const timer = setTimeout(() => void worker.terminate(), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** True when running under tsx with the source condition (the `pnpm bench` command), where a worker works. */
export function canUseWorker(): boolean {
  return (
    process.execArgv.some((arg) => arg.includes('tsx')) && fileURLToPath(import.meta.url).endsWith('.ts')
  );
}
