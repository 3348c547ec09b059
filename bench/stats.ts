/** Median, spread and percentiles of repeated measurements. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
};

export const spread = (values: number[]): Spread => ({
  median: quantile(values, 0.5),
  min: Math.min(...values),
  max: Math.max(...values),
});

export const latency = (ms: number[]) => ({ p50: quantile(ms, 0.5), p95: quantile(ms, 0.95) });
