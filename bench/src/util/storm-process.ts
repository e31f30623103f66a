import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerInfo } from '../sections/storm-contenders.js';
import type { IssuedTokens } from './storm-server.js';

/** One wave as a storm child measured it. */
export interface WaveSummary {
  failed: number;
  p50: number;
  p99: number;
  /** ms the child's main thread ran (event-loop utilisation, active time). */
  busy: number;
  /** ms of CPU the child process used (`process.cpuUsage()`, user + system). */
  cpu: number;
  firstError?: string;
}

export type ChildCommand =
  | {
      id: number;
      op: 'prepare';
      name: string;
      server: ServerInfo;
      tokens: IssuedTokens;
      count: number;
      pool: number;
    }
  | { id: number; op: 'baseline'; token: string }
  | { id: number; op: 'storm' };

export type ChildReply = { id: number; value?: unknown; error?: string };

type Command = ChildCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** A forked process that runs one storm client at a time (src/util/storm-child.ts). */
export interface StormChild {
  /** Builds the named client around a stale token; resolves when it is ready for the waves. */
  prepare(name: string, server: ServerInfo, tokens: IssuedTokens, count: number, pool: number): Promise<void>;
  /** The same number of requests through the same transport, no auth layer, a valid token. */
  baseline(token: string): Promise<WaveSummary>;
  /** Every request at once through the client; the client is closed afterwards. */
  storm(): Promise<WaveSummary & { events: [string, number][] }>;
  close(): Promise<void>;
}

/**
 * Forks a storm child. It runs the bench's TypeScript sources through tsx with the `@auth/source`
 * condition, as the bench itself does, whether the bench runs under tsx or under vitest.
 */
export async function forkStormChild(): Promise<StormChild> {
  const file = fileURLToPath(new URL('./storm-child.ts', import.meta.url));
  const child: ChildProcess = fork(file, [], {
    execArgv: ['--conditions=@auth/source', '--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  child.on('message', (reply: ChildReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(reply.error));
    else waiter.resolve(reply.value);
  });
  child.on('error', fail);
  child.on('exit', (code, signal) => fail(new Error(`storm child exited (${signal ?? code})`)));
  const started = new Promise<unknown>((resolve, reject) => pending.set(0, { resolve, reject }));
  const call = <T>(command: Command): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...command, id });
    });
  };
  await started;
  return {
    prepare: async (name, server, tokens, count, pool) => {
      await call<null>({ op: 'prepare', name, server, tokens, count, pool });
    },
    baseline: (token) => call<WaveSummary>({ op: 'baseline', token }),
    storm: () => call<WaveSummary & { events: [string, number][] }>({ op: 'storm' }),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
