// One client of the 401 storm in a process of its own (forked by storm-process.ts): it builds the client
// the parent names around the stale token it is sent, runs the baseline wave and the storm wave when told,
// and reports latencies with its own CPU time, so that nothing else in the bench (the server, the other
// clients, the bench's bookkeeping) is counted in it.
import {
  contenders,
  debugEvents,
  markStormStart,
  type Subject,
  summarize,
  timedWave,
  weaviateClientSpec,
} from '../sections/storm-contenders.js';
import type { ChildCommand, ChildReply } from './storm-process.js';

const { specs, fetchBare } = contenders();
/** `BENCH_CPU_PROF=<dir>`: a V8 CPU profile of each wave (and of nothing else) is written there. */
const profileDir = process.env.BENCH_CPU_PROF;
let waves = 0;

/** Runs `work` under the V8 CPU profiler when BENCH_CPU_PROF is set, and writes `<dir>/<label>.cpuprofile`. */
async function profiled<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!profileDir) return work();
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = `${profileDir}/${process.pid}-${String(++waves).padStart(2, '0')}-${label}.cpuprofile`;
    await writeFile(file, JSON.stringify(profile));
  }
}
let current: { subject: Subject; bare: (token: string) => Promise<unknown>; count: number } | undefined;

async function handle(command: ChildCommand): Promise<unknown> {
  switch (command.op) {
    case 'prepare': {
      const { name, server, tokens, count, pool } = command;
      const spec = specs.find((entry) => entry.name === name);
      const subject = spec
        ? spec.create(server, tokens, 3600, 'unauthorized', pool)
        : name === weaviateClientSpec.name
          ? await weaviateClientSpec.create(server, tokens, 3600)
          : undefined;
      if (!subject) throw new Error(`storm child: no client named ${name}`);
      current = { subject, bare: (spec?.bare ?? fetchBare)(server, pool), count };
      // Ours: the token session started and the provider was discovered, as in an app that has been running.
      await subject.ready;
      return null;
    }
    case 'baseline': {
      if (!current) throw new Error('storm child: baseline before prepare');
      const { bare, count } = current;
      return summarize(await profiled('baseline', () => timedWave(count, () => bare(command.token))));
    }
    case 'storm': {
      if (!current) throw new Error('storm child: storm before prepare');
      debugEvents.clear();
      markStormStart();
      const { subject, count } = current;
      const result = summarize(await profiled('storm', () => timedWave(count, subject.send)));
      await subject.close();
      current = undefined;
      return { ...result, events: [...debugEvents] };
    }
  }
}

process.on('message', (command: ChildCommand) => {
  handle(command).then(
    (value) => process.send?.({ id: command.id, value } satisfies ChildReply),
    (error: unknown) =>
      process.send?.({
        id: command.id,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      } satisfies ChildReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, value: 'ready' } satisfies ChildReply);
