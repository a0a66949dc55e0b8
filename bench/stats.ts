/** @module Percentiles and the summary of repeated trials: every figure is reported over trials, never one run. */

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** One statistic measured once per trial: the median over the trials, and their spread. */
export interface OverTrials {
  median: number;
  min: number;
  max: number;
  trials: number;
}

export function overTrials(values: readonly number[]): OverTrials {
  return { median: round(median(values)), min: round(Math.min(...values)), max: round(Math.max(...values)), trials: values.length };
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** engine / baseline, or null when the baseline is zero or missing. */
export function ratio(value: number, baseline: number): number | null {
  return baseline > 0 && Number.isFinite(value) ? round(value / baseline) : null;
}
