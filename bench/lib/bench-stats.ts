/** Small helpers of `npm run bench`: percentiles, formatting, targets. */

/** Nearest-rank percentile (p in 0..100) of a sample; NaN for an empty sample. */
export function percentile(sample: number[], p: number): number {
  if (!sample.length) return NaN;
  const s = [...sample].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))]!;
}

export function ms(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function bytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}

/** "✓ (≤ 5)" when met, "✗ +3.1 ms over 5" when missed (for an upper-bound target). */
export function target(value: number, limit: number, unit: string): string {
  if (!Number.isFinite(value)) return `– (target ≤ ${limit}${unit})`;
  if (value <= limit) return `met (≤ ${limit}${unit})`;
  const over = value - limit;
  return `**missed by ${unit === '×' ? over.toFixed(2) : ms(over)}${unit}** (target ≤ ${limit}${unit}, ${((value / limit - 1) * 100).toFixed(0)}% over)`;
}
