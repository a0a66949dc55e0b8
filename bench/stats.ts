/** @module Percentiles and the summary of repeated trials: every figure is reported over trials, never one run. */

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The middle value; for an even count, the mean of the two middle ones (two trials must not report the lower). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One statistic measured once per trial: the median over the trials, and their spread. */
export interface OverTrials {
  median: number;
  min: number;
  max: number;
  trials: number;
}

/** Trials that measured nothing (no stream ended in the window) are left out rather than poisoning the median. */
export function overTrials(values: readonly number[]): OverTrials {
  const measured = values.filter((value) => Number.isFinite(value));
  return { median: round(median(measured)), min: round(Math.min(...measured)), max: round(Math.max(...measured)), trials: measured.length };
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** engine / baseline, or null when the baseline is zero or missing. */
export function ratio(value: number, baseline: number): number | null {
  return baseline > 0 && Number.isFinite(value) ? round(value / baseline) : null;
}
