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
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        subject.ready,
        new Promise((resolve) => {
          timer = setTimeout(resolve, 10_000);
        }),
      ]);
      clearTimeout(timer);
      return null;
    }
    case 'baseline': {
      if (!current) throw new Error('storm child: baseline before prepare');
      const { bare } = current;
      return summarize(await timedWave(current.count, () => bare(command.token)));
    }
    case 'storm': {
      if (!current) throw new Error('storm child: storm before prepare');
      debugEvents.clear();
      markStormStart();
      const result = summarize(await timedWave(current.count, current.subject.send));
      await current.subject.close();
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
