import { describe, expect, it } from 'vitest';
import { goals } from './goals.js';
import { ourRowName } from './util/adapters.js';
import { medianInterval } from './util/stats.js';
import { newTable } from './util/table.js';

describe('medianInterval', () => {
  it('gives the order statistics of a distribution-free interval of the median', () => {
    const values = (n: number) => [...Array(n).keys()].map((i) => n - i); // unsorted on purpose
    expect(medianInterval(values(9))).toEqual({ low: 2, high: 8, confidence: 1 - 20 / 512 });
    expect(medianInterval(values(12))).toMatchObject({ low: 3, high: 10 });
    expect(medianInterval(values(20))).toMatchObject({ low: 6, high: 15 });
    // Fewer than 6 values: the whole range, at a lower level.
    expect(medianInterval(values(5))).toEqual({ low: 1, high: 5, confidence: 1 - 2 / 32 });
    expect(medianInterval([])).toMatchObject({ low: Number.NaN, high: Number.NaN });
  });
});

describe('the throughput goal', () => {
  /** A throughput table whose adapters have these medians and intervals. */
  const throughput = (ratios: Record<string, [median: number, low: number, high: number]>) => {
    const table = newTable('throughput', 'throughput', '', []);
    for (const name of Object.values(ourRowName)) {
      const [median, low, high] = ratios[name] ?? [1, 0.99, 1.01];
      Object.assign(table.data, {
        [`${name} ratio`]: median,
        [`${name} ratio low`]: low,
        [`${name} ratio high`]: high,
      });
    }
    table.data['ratio confidence'] = 0.96;
    return goals(new Map([['throughput', table]]))[0];
  };

  it('is reached when every interval clears 0.97x', () => {
    expect(throughput({})).toMatchObject({ reached: true, verdict: '5 of 5' });
    expect(throughput({})?.missed).toBeUndefined();
  });

  it('is not reached, without calling it missed, when a median clears the goal but its interval does not', () => {
    const goal = throughput({ [ourRowName.fetch]: [0.99, 0.95, 1.02] });
    expect(goal).toMatchObject({ reached: false, verdict: "4 of 5 (1 more within the run's noise)" });
    expect(goal?.missed).toBe(
      "throughput within the run's noise @auth/fetch 0.990x (96 % interval 0.950–1.020x) (goal 0.97x)",
    );
  });

  it('calls a goal missed only when the whole interval misses it', () => {
    const goal = throughput({
      [ourRowName['ky 1']]: [0.92, 0.9, 0.94],
      [ourRowName.fetch]: [0.96, 0.95, 0.98],
    });
    expect(goal).toMatchObject({ reached: false, verdict: "3 of 5 (1 more within the run's noise)" });
    expect(goal?.missed).toMatch(
      /^throughput @auth\/ky on ky 1 0\.920x .*; within the run's noise @auth\/fetch 0\.960x/,
    );
  });
});
