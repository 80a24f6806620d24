import { describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ItemTable } from '../../src/core/item-table';
import { parseManifest } from '../../src/core/manifest';
import { InvalidArgumentError, ModelFormatError } from '../../src/core/errors';
import { topK } from '../../src/core/rank';
import { FIXTURE, readJSON, rng } from '../support/helpers';

/** Quantises float tokens per row the way the contract says and lays out items.bin. */
function buildItemsBin(
  tokens: number[][],
  dim: number,
  pad = 0,
): { bytes: Uint8Array; scaleOffset: number; q: Int8Array; scale: Float32Array } {
  const rows = tokens.length;
  const q = new Int8Array(rows * dim);
  const scale = new Float32Array(rows);
  tokens.forEach((t, j) => {
    const m = Math.max(...t.map(Math.abs));
    scale[j] = m > 0 ? m / 127 : 0;
    t.forEach((v, k) => {
      q[j * dim + k] = scale[j]! > 0 ? Math.round(v / scale[j]!) : 0;
    });
  });
  const scaleOffset = Math.ceil((pad + rows * dim) / 4) * 4;
  const bytes = new Uint8Array(scaleOffset + rows * 4);
  bytes.set(new Uint8Array(q.buffer), pad);
  const dv = new DataView(bytes.buffer);
  scale.forEach((s, j) => {
    dv.setFloat32(scaleOffset + 4 * j, s, true);
  });
  return { bytes, scaleOffset, q, scale };
}

describe('ItemTable', () => {
  const r = rng(11);
  const rows = 30;
  const dim = 7; // odd: the scales are not naturally aligned
  const tokens = Array.from({ length: rows }, (_, j) =>
    j === 0 ? new Array(dim).fill(0) : Array.from({ length: dim }, () => r() * 2 - 1),
  );
  const built = buildItemsBin(tokens, dim, 3);
  const spec = { file: 'items.bin', rows, dim, dtype: 'int8' as const, dataOffset: 3, scaleOffset: built.scaleOffset };

  it('round-trips: token(j) = q[j] * scale[j], close to the original', () => {
    // read from a view at an odd byte offset inside a larger buffer
    const big = new Uint8Array(built.bytes.length + 5);
    big.set(built.bytes, 5);
    const t = ItemTable.fromBytes(big.subarray(5), spec);
    expect(t.rows).toBe(rows);
    expect(t.baseRows).toBe(rows);
    expect(t.dim).toBe(dim);
    for (let j = 0; j < rows; j++) {
      const tok = t.token(j);
      for (let k = 0; k < dim; k++) {
        expect(tok[k]).toBe(Math.fround(built.q[j * dim + k]! * built.scale[j]!));
        expect(Math.abs(tok[k]! - tokens[j]![k]!)).toBeLessThanOrEqual(built.scale[j]! / 2 + 1e-6);
      }
    }
    expect(Array.from(t.token(0))).toEqual(new Array(dim).fill(0));
  });

  it('scoreAll is the dot product with every dequantised token', () => {
    const t = ItemTable.fromBytes(built.bytes, spec);
    const user = Float32Array.from({ length: dim }, () => r() * 2 - 1);
    const s = t.scoreAll(user);
    expect(s.length).toBe(rows);
    for (let j = 0; j < rows; j++) {
      const tok = t.token(j);
      const want = tok.reduce((a, v, k) => a + v * user[k]!, 0);
      expect(s[j]).toBeCloseTo(want, 5);
    }
    const out = new Float32Array(rows + 3).fill(42);
    expect(t.scoreAll(user, out)).toBe(out);
    expect(out[rows]).toBe(42);
    expect(() => t.scoreAll(new Float32Array(dim + 1))).toThrow(InvalidArgumentError);
    expect(() => t.scoreAll(user, new Float32Array(rows - 1))).toThrow(InvalidArgumentError);
  });

  it('appends float tokens for page-added items and scores them', () => {
    const t = ItemTable.fromBytes(built.bytes, spec);
    const a = Float32Array.from({ length: dim }, (_, k) => k / 10);
    const b = Float32Array.from({ length: dim }, (_, k) => -k / 3);
    expect(t.append([a, b])).toEqual([rows, rows + 1]);
    expect(t.rows).toBe(rows + 2);
    expect(Array.from(t.token(rows + 1))).toEqual(Array.from(b));
    const user = Float32Array.from({ length: dim }, (_, k) => 1 - k / dim);
    const s = t.scoreAll(user);
    expect(s.length).toBe(rows + 2);
    expect(s[rows]).toBeCloseTo(
      a.reduce((x, v, k) => x + v * user[k]!, 0),
      5,
    );
    expect(t.append([Float32Array.from({ length: dim }, () => 1)])).toEqual([rows + 2]);
    t.replace(rows, b);
    expect(Array.from(t.token(rows))).toEqual(Array.from(b));
    expect(() => t.replace(3, b)).toThrow(InvalidArgumentError);
    expect(() => t.append([new Float32Array(dim + 1)])).toThrow(InvalidArgumentError);
    expect(() => t.token(rows + 3)).toThrow(InvalidArgumentError);
  });

  it('similar() ranks by cosine similarity, skipping the item, pad and exclusions', () => {
    const t = ItemTable.fromBytes(built.bytes, spec);
    const copy = t.token(5).map((v) => v * 3); // same direction, different norm
    const [added] = t.append([copy]);
    const res = t.similar(5, 4, new Set([7]));
    expect(res[0]!.index).toBe(added);
    expect(res[0]!.score).toBeCloseTo(1, 5);
    const ids = res.map((x) => x.index);
    expect(ids).not.toContain(5);
    expect(ids).not.toContain(0);
    expect(ids).not.toContain(7);
    // reference cosine
    const q = t.token(5);
    const cos = (u: Float32Array, v: Float32Array) =>
      u.reduce((a, x, k) => a + x * v[k]!, 0) / Math.hypot(...u) / Math.hypot(...v);
    const ref = Array.from({ length: t.rows }, (_, j) => (j === 0 || j === 5 || j === 7 ? NaN : cos(q, t.token(j))));
    expect(ids).toEqual(topK(ref, 4).map((x) => x.index));
    expect(t.similar(0, 3)).toEqual([]);
  });

  it('nearest() picks, per target, the most similar row among the given ones (ties to the later one)', () => {
    const t = ItemTable.fromBytes(built.bytes, spec);
    const cos = (u: Float32Array, v: Float32Array) =>
      u.reduce((a, x, k) => a + x * v[k]!, 0) / Math.hypot(...u) / Math.hypot(...v);
    const among = [4, 9, 0, 17, 23, 2];
    const targets = [1, 5, 9, 29, 0];
    const ref = targets.map((x) => {
      if (x === 0) return -1; // a zero token has no direction
      let best = -1;
      let bestSim = -Infinity;
      for (let a = among.length - 1; a >= 0; a--) {
        const j = among[a]!;
        if (j === 0) continue;
        const s = cos(t.token(x), t.token(j));
        if (s > bestSim) [best, bestSim] = [j, s];
      }
      return best;
    });
    expect(t.nearest(targets, among)).toEqual(ref);
    expect(ref[2]).toBe(9); // itself, when among
    // two added rows with the same token tie: the later one wins
    const [a1, a2] = t.append([t.token(17), t.token(17)]);
    expect(t.nearest([17], [a1!, a2!])).toEqual([a2]);
    expect(t.nearest([17], [a2!, a1!])).toEqual([a1]);
    expect(t.nearest([3], [0])).toEqual([-1]);
    expect(t.nearest([], among)).toEqual([]);
    // only the rows involved are decoded, never the whole table's norms (a 1M-row pq table would
    // decode every row on each answer)
    const fresh = ItemTable.fromBytes(built.bytes, spec);
    const decode = vi.spyOn(fresh, 'tokenInto');
    const allNorms = vi.spyOn(fresh as unknown as { getNorms(): Float32Array }, 'getNorms');
    expect(fresh.nearest(targets, among)).toEqual(ref);
    expect(decode).toHaveBeenCalledTimes(targets.length + among.length);
    expect(allNorms).not.toHaveBeenCalled();
  });
  it('refuses a truncated file or a bad spec', () => {
    expect(() => ItemTable.fromBytes(built.bytes.subarray(0, built.bytes.length - 1), spec)).toThrow(ModelFormatError);
    expect(() => ItemTable.fromBytes(built.bytes, { ...spec, scaleOffset: spec.scaleOffset + 2 })).toThrow(
      ModelFormatError,
    );
    expect(() => ItemTable.fromBytes(built.bytes, { ...spec, rows: rows + 5 })).toThrow(ModelFormatError);
  });

  it('reads the fixture items.bin: identity-like tokens', () => {
    const m = parseManifest(readJSON(join(FIXTURE, 'manifest.json')));
    const t = ItemTable.fromBytes(new Uint8Array(readFileSync(join(FIXTURE, 'items.bin'))), m.itemTable);
    expect(t.rows).toBe(25);
    const tok = t.token(7);
    expect(tok[6]).toBeCloseTo(1, 6);
    expect(tok.reduce((a, v) => a + Math.abs(v), 0)).toBeCloseTo(1, 6);
  });
});
