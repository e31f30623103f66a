/**
 * Timers that do not keep the process alive unless someone waits for them. A module of its own, apart from
 * `abort.ts`: `memoryStore()` (a public export) needs only these, and a bundler that follows every import of
 * `@auth/core`'s index (esbuild's code splitting does) would otherwise put `abort.ts` and what it imports into
 * the chunk every app loads.
 */

/** Deno's timers are numbers, ref'd and unref'd through `Deno.refTimer` / `Deno.unrefTimer`. */
interface DenoTimers {
  refTimer?(id: number): void;
  unrefTimer?(id: number): void;
}

/** Makes a timer keep the process alive, or not, where the platform can tell (Node, Bun, Deno). */
export function keepAlive(timer: unknown, alive: boolean): void {
  if (typeof timer === 'number') {
    const deno = (globalThis as { Deno?: DenoTimers }).Deno;
    if (alive) deno?.refTimer?.(timer);
    else deno?.unrefTimer?.(timer);
    return;
  }
  const handle = timer as { ref?: () => void; unref?: () => void } | undefined;
  if (alive) handle?.ref?.();
  else handle?.unref?.();
}

/** Lets the process exit while `timer` runs, where the platform can tell (Node, Bun, Deno); browsers cannot. */
export function unref(timer: unknown): void {
  keepAlive(timer, false);
}
