/** Builds the `history` input tensor of model.onnx (docs/model-format.md). */

/**
 * Right-aligned, left-padded (0) int64 data for a batch of histories (model indices, oldest
 * first). Each row keeps its most recent `maxHistory` items; length = the longest kept row,
 * at least 1 (an empty history is one pad column).
 */
export function historyTensorData(
  rows: readonly (readonly number[])[],
  maxHistory: number,
): { data: BigInt64Array; dims: [number, number] } {
  const cap = Math.max(1, Math.floor(maxHistory));
  let length = 1;
  for (const r of rows) length = Math.max(length, Math.min(r.length, cap));
  const data = new BigInt64Array(rows.length * length);
  rows.forEach((r, b) => {
    const kept = Math.min(r.length, length);
    const start = r.length - kept;
    const base = b * length + (length - kept);
    for (let j = 0; j < kept; j++) data[base + j] = BigInt(r[start + j]!);
  });
  return { data, dims: [rows.length, length] };
}
