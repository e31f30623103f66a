import { it, type TestContext } from 'vitest';
import { type Adapter, type AdapterName, adapters } from './harness.js';

/**
 * Bugs the reliability tests found that are not fixed yet (details, failing tests and suggested fixes:
 * RELIABILITY.md, "Open bugs"). A test of an open bug runs as `it.fails`: it keeps asserting the right
 * behaviour, stays green while the bug is there, and turns red the day the bug is fixed. Then delete the
 * entry here, and the test runs as a plain test again.
 */
export const KNOWN_BUGS = {} as const satisfies Record<number, string>;

export type BugId = keyof typeof KNOWN_BUGS;

/** `it`, or `it.fails` while the bug is open. */
export const itUnless = (bug: BugId | undefined) => (bug === undefined ? it : it.fails);

/** `it.concurrent`, or `it.concurrent.fails` while the bug is open. */
export const itConcurrentUnless = (bug: BugId | undefined) =>
  bug === undefined ? it.concurrent : it.concurrent.fails;

/**
 * `it.concurrent.each(adapters)` (or `it.each`), with the adapters an open bug breaks run as `.fails` and
 * named `[open bug N]`. The title may start with `$name: ` like an `.each` title.
 */
export function eachAdapter(
  bugs: Partial<Record<AdapterName, BugId>> = {},
  { concurrent = true }: { concurrent?: boolean } = {},
) {
  return (title: string, fn: (adapter: Adapter, context: TestContext) => unknown, timeout?: number): void => {
    for (const adapter of adapters) {
      const bug = bugs[adapter.name];
      const base = concurrent ? it.concurrent : it;
      const test = bug === undefined ? base : base.fails;
      const name = `${adapter.name}: ${title.replace(/^\$name: /, '')}${bug === undefined ? '' : ` [open bug ${bug}]`}`;
      test(
        name,
        async (context) => {
          await fn(adapter, context);
        },
        timeout,
      );
    }
  };
}
