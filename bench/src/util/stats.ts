/** Median of a list of numbers (NaN for an empty list). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile (0-100) with linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? Number.NaN;
  return lowValue + (highValue - lowValue) * (rank - low);
}

/**
 * A distribution-free confidence interval of the median: from the k-th smallest to the k-th largest value, k
 * the largest for which the chance that k or more values lie on one side of the true median by luck alone is
 * at most 2.5 % (Binomial(n, 1/2)). For 9 values the 2nd to the 8th, 96 %; with fewer than 6 values the
 * whole range, which then says less. `confidence` is the level reached.
 */
export function medianInterval(values: readonly number[]): { low: number; high: number; confidence: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // `tail` is P(B <= k - 1), `term` P(B = k), for B ~ Binomial(n, 1/2).
  let k = 0;
  let tail = 0;
  let term = 0.5 ** n;
  for (; k < n / 2 && tail + term <= 0.025; k++) {
    tail += term;
    term = (term * (n - k)) / (k + 1);
  }
  if (k === 0) {
    k = 1;
    tail = 0.5 ** n;
  }
  return {
    low: sorted[k - 1] ?? Number.NaN,
    high: sorted[n - k] ?? Number.NaN,
    confidence: n === 0 ? Number.NaN : 1 - 2 * tail,
  };
}

/** Min and max of a list, for the spread column. */
export function range(values: readonly number[]): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 12,345 */
export function fmtInt(value: number): string {
  return Number.isFinite(value) ? integer.format(value) : 'n/a';
}

/** 12.3 (or 12,345 for large values) */
export function fmtNum(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return Math.abs(value) >= 100 ? integer.format(value) : oneDecimal.format(value);
}

/** 1.23x */
export function fmtRatio(value: number): string {
  return Number.isFinite(value) ? `${twoDecimals.format(value)}x` : 'n/a';
}

/** The level of a {@link medianInterval}: "96 % interval" ("interval" when unknown). */
export function fmtConfidence(level: number | undefined): string {
  return level !== undefined && Number.isFinite(level) ? `${Math.floor(level * 100)} % interval` : 'interval';
}

/** Milliseconds with a sign when asked: +12.3 ms */
export function fmtMs(value: number, signed = false): string {
  if (!Number.isFinite(value)) return 'n/a';
  const text = `${fmtNum(value)} ms`;
  return signed && value >= 0 ? `+${text}` : text;
}

/** Bytes as 12,345 B */
export function fmtBytes(value: number): string {
  return Number.isFinite(value) ? `${integer.format(value)} B` : 'n/a';
}

/** Sleep that does not keep the process alive on its own. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
