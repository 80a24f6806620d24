import { describe, expect, it } from 'vitest';
import { ItemTable, SIMD_MIN_ROWS } from '../../src/core/item-table';
import { Int8Scorer } from '../../src/core/simd';
import { rng } from '../support/helpers';

/** out[j] = scale[j] · Σ q[j,k] u[k] in float64, the definition. */
function reference(q: Int8Array, scale: Float32Array, u: ArrayLike<number>, rows: number, dim: number): Float64Array {
  const out = new Float64Array(rows);
  for (let j = 0; j < rows; j++) {
    let a = 0;
    for (let k = 0; k < dim; k++) a += q[j * dim + k]! * u[k]!;
    out[j] = a * scale[j]!;
  }
  return out;
}

function randomTable(rows: number, dim: number, seed: number) {
  const r = rng(seed);
  const q = Int8Array.from({ length: rows * dim }, () => Math.floor(r() * 256) - 128);
  q[0] = -128; // the extremes of int8
  q[1] = 127;
  const scale = Float32Array.from({ length: rows }, (_, j) => (j % 13 === 0 ? 0 : r() * 0.05));
  const u = Float32Array.from({ length: dim }, () => r() * 4 - 2);
  return { q, scale, u };
}

describe('Int8Scorer (WebAssembly SIMD)', () => {
  for (const [rows, dim] of [
    [1, 16],
    [7, 64],
    [333, 32],
    [2000, 64],
    [50, 128],
  ] as const) {
    it(`scores like the float64 definition (rows ${rows}, dim ${dim})`, () => {
      const { q, scale, u } = randomTable(rows, dim, rows + dim);
      const s = Int8Scorer.create(q, scale, rows, dim);
      expect(s).not.toBeNull();
      const out = new Float32Array(rows).fill(NaN);
      s!.score(u, out);
      const ref = reference(q, scale, u, rows, dim);
      // float32 sums of dim products: error far below the spread of the scores
      let bound = 0;
      for (let j = 0; j < rows; j++) bound = Math.max(bound, Math.abs(ref[j]!));
      for (let j = 0; j < rows; j++)
        expect(Math.abs(out[j]! - ref[j]!)).toBeLessThanOrEqual(1e-5 * Math.max(bound, 1e-3));
      // a second call with another user vector reuses the module
      const u2 = u.map((x) => -x);
      s!.score(u2, out);
      for (let j = 0; j < rows; j++) expect(out[j]).toBeCloseTo(-ref[j]!, 4);
    });
  }

  it('declines shapes it does not handle (the caller keeps its JavaScript loop)', () => {
    const { q, scale } = randomTable(10, 24, 1);
    expect(Int8Scorer.create(q, scale, 10, 24)).toBeNull(); // dim not a multiple of 16
    expect(Int8Scorer.create(q, scale, 0, 16)).toBeNull();
    expect(Int8Scorer.create(q.subarray(0, 20), scale, 10, 16)).toBeNull(); // too few values
  });

  it('ItemTable uses it for large int8 tables: scores, appended rows and similar() agree with the definition', () => {
    const rows = SIMD_MIN_ROWS + 77;
    const dim = 64;
    const { q, scale, u } = randomTable(rows, dim, 99);
    q.fill(0, 0, dim); // row 0: the pad
    const scaleOffset = Math.ceil((rows * dim) / 4) * 4;
    const bytes = new Uint8Array(scaleOffset + rows * 4);
    bytes.set(new Uint8Array(q.buffer));
    new Float32Array(bytes.buffer, scaleOffset, rows).set(scale);
    const t = ItemTable.fromBytes(bytes, { file: 'items.bin', rows, dim, dtype: 'int8', dataOffset: 0, scaleOffset });
    const extra = Float32Array.from({ length: dim }, (_, k) => Math.cos(k));
    t.append([extra]);
    const s = t.scoreAll(u);
    const ref = reference(q, scale, u, rows, dim);
    for (let j = 0; j < rows; j++) expect(s[j]).toBeCloseTo(ref[j]!, 4);
    let e = 0;
    for (let k = 0; k < dim; k++) e += extra[k]! * u[k]!;
    expect(s[rows]).toBeCloseTo(e, 4);
    // similar(): cosine over the kernel's scores, the same neighbours as computed from the definition
    const tok = t.token(5);
    const norms = Array.from({ length: rows }, (_, j) => Math.hypot(...Array.from(t.token(j))));
    const cos = reference(q, scale, tok, rows, dim).map((v, j) =>
      norms[j]! > 0 && j !== 5 && j !== 0 ? v / (norms[j]! * norms[5]!) : -Infinity,
    );
    const want = Array.from(cos.keys())
      .sort((a, b) => cos[b]! - cos[a]!)
      .slice(0, 5);
    expect(t.similar(5, 5).map((x) => x.index)).toEqual(want);
  });
});
