import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/core/errors';
import { ItemTable } from '../../src/core/item-table';
import { parseManifest } from '../../src/core/manifest';
import { adcScan, PQ_CENTROIDS, PqCodes } from '../../src/core/pq';
import { topK } from '../../src/core/rank';
import { FIXTURE, readJSON, rng } from '../support/helpers';

/** A random PQ table laid out as items.bin: codes at `pad`, codebooks (and scales) 4-aligned after. */
function buildPq(rows: number, dim: number, m: number, withScale: boolean, seed: number, pad = 0) {
  const r = rng(seed);
  const sub = dim / m;
  const codes = new Uint8Array(rows * m);
  for (let j = 1; j < rows; j++) for (let x = 0; x < m; x++) codes[j * m + x] = Math.floor(r() * PQ_CENTROIDS);
  // few distinct centroid values -> tied scores
  const codebook = Float32Array.from({ length: m * PQ_CENTROIDS * sub }, () => Math.round((r() * 2 - 1) * 8) / 8);
  for (let x = 0; x < m; x++) codebook.fill(0, x * PQ_CENTROIDS * sub, x * PQ_CENTROIDS * sub + sub); // centroid 0 = zero
  const scale = withScale ? Float32Array.from({ length: rows }, () => 0.5 + r()) : null;
  const codebookOffset = Math.ceil((pad + codes.length) / 4) * 4;
  const scaleOffset = codebookOffset + codebook.length * 4;
  const bytes = new Uint8Array(scaleOffset + (scale ? rows * 4 : 0));
  bytes.set(codes, pad);
  const dv = new DataView(bytes.buffer);
  codebook.forEach((v, i) => {
    dv.setFloat32(codebookOffset + 4 * i, v, true);
  });
  scale?.forEach((v, i) => {
    dv.setFloat32(scaleOffset + 4 * i, v, true);
  });
  const spec = {
    file: 'items.bin',
    rows,
    dim,
    dtype: 'pq' as const,
    dataOffset: pad,
    subspaces: m,
    centroids: 256,
    codebookOffset,
    ...(scale ? { scaleOffset } : {}),
  };
  /** reference decode, straight from the definition */
  const token = (j: number): number[] =>
    Array.from({ length: dim }, (_, k) => {
      const x = Math.floor(k / sub);
      return codebook[(x * PQ_CENTROIDS + codes[j * m + x]!) * sub + (k % sub)]! * (scale ? scale[j]! : 1);
    });
  return { bytes, spec, codes, codebook, scale, token };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe('PQ item table', () => {
  for (const [m, dim, withScale] of [
    [16, 64, false],
    [8, 32, true],
    [32, 64, false],
    [3, 12, true],
    [1, 5, false],
  ] as const) {
    it(`decodes and scores like the reference (M=${m}, dim=${dim}, scales=${withScale})`, () => {
      const rows = 300;
      const b = buildPq(rows, dim, m, withScale, 100 + m, 3);
      const t = ItemTable.fromBytes(b.bytes, b.spec);
      expect(t.dtype).toBe('pq');
      expect(t.rows).toBe(rows);
      expect(t.dim).toBe(dim);
      expect(Array.from(t.token(0))).toEqual(new Array(dim).fill(0)); // pad decodes to zero
      for (const j of [1, 7, rows - 1]) expect(Array.from(t.token(j))).toEqual(b.token(j).map(Math.fround));
      const r = rng(m);
      const user = Float32Array.from({ length: dim }, () => r() * 2 - 1);
      const s = t.scoreAll(user);
      for (let j = 0; j < rows; j++) expect(s[j]).toBeCloseTo(dot(user, b.token(j)), 4);
      // into a caller's buffer, and the ranking agrees with a full sort of the reference scores
      const buf = new Float32Array(rows + 5);
      t.scoreAll(user, buf);
      expect(Array.from(buf.subarray(0, rows))).toEqual(Array.from(s));
      const exclude = new Set([1, 2, 3, 50]);
      const ref = Array.from({ length: rows }, (_, j) => j)
        .filter((j) => j >= 1 && !exclude.has(j))
        .sort((a, c) => s[c]! - s[a]! || a - c)
        .slice(0, 20);
      expect(topK(s, 20, { from: 1, exclude }).map((x) => x.index)).toEqual(ref);
    });
  }

  it('adcScan sums one lookup-table entry per subspace', () => {
    const r = rng(5);
    for (const m of [1, 2, 4, 8, 12, 16, 24, 32]) {
      const rows = 97;
      // at byte offset 0 (32-bit loads) and 1 (byte loads) of a larger buffer
      for (const off of [0, 1]) {
        const backing = new Uint8Array(rows * m + 8);
        const codes = backing.subarray(off, off + rows * m);
        for (let i = 0; i < codes.length; i++) codes[i] = Math.floor(r() * 256);
        const lut = Float32Array.from({ length: m * 256 }, () => r() - 0.5);
        const out = new Float32Array(rows);
        adcScan(codes, m, lut, rows, out);
        for (let j = 0; j < rows; j++) {
          let acc = 0;
          for (let x = 0; x < m; x++) acc += lut[x * 256 + codes[j * m + x]!]!;
          expect(out[j]).toBeCloseTo(acc, 5);
        }
      }
    }
  });

  it('appended float tokens and similar() work on a PQ table', () => {
    const b = buildPq(60, 16, 4, false, 9);
    const t = ItemTable.fromBytes(b.bytes, b.spec);
    const extra = Float32Array.from(b.token(5)); // the same direction as row 5
    const [idx] = t.append([extra]);
    expect(idx).toBe(60);
    const user = Float32Array.from({ length: 16 }, (_, k) => Math.sin(k + 1));
    expect(t.scoreAll(user)[60]).toBeCloseTo(dot(user, extra), 5);
    const sim = t.similar(60, 3);
    expect(sim[0]!.index).toBe(5);
    expect(sim[0]!.score).toBeCloseTo(1, 5);
    const tokenOut = new Float64Array(16);
    t.tokenInto(5, tokenOut);
    expect(Array.from(tokenOut)).toEqual(b.token(5).map(Math.fround));
  });

  it('refuses truncated or inconsistent bytes with ModelFormatError', () => {
    const b = buildPq(40, 8, 4, true, 3);
    expect(() => ItemTable.fromBytes(b.bytes.subarray(0, b.bytes.length - 4), b.spec)).toThrow(ModelFormatError);
    expect(() => ItemTable.fromBytes(b.bytes, { ...b.spec, codebookOffset: b.spec.codebookOffset + 2 })).toThrow(
      ModelFormatError,
    );
    expect(() => ItemTable.fromBytes(b.bytes, { ...b.spec, subspaces: 3 })).toThrow(ModelFormatError);
    const { codebookOffset: _, ...noCb } = b.spec;
    expect(() => ItemTable.fromBytes(b.bytes, noCb)).toThrow(ModelFormatError);
    const bad = b.bytes.slice();
    new DataView(bad.buffer).setFloat32(b.spec.codebookOffset + 4 * 7, NaN, true);
    expect(() => PqCodes.fromBytes(bad, b.spec)).toThrow(/not finite/);
  });
});

/** buildPq with exact rows: `exactRows` keep a random int8 token (slot k ↔ exactRows[k]), marked by scale -(k + 1). */
function buildPqExact(rows: number, dim: number, m: number, exactRows: number[], seed: number) {
  const b = buildPq(rows, dim, m, true, seed, 1);
  const r = rng(seed + 1);
  const E = exactRows.length;
  const q = Int8Array.from({ length: E * dim }, () => Math.floor(r() * 255) - 127);
  const es = Float32Array.from({ length: E }, () => 0.01 + r() * 0.05);
  const exactOffset = b.bytes.length;
  const exactScaleOffset = Math.ceil((exactOffset + E * dim) / 4) * 4;
  const bytes = new Uint8Array(exactScaleOffset + E * 4);
  bytes.set(b.bytes);
  bytes.set(new Uint8Array(q.buffer), exactOffset);
  const dv = new DataView(bytes.buffer);
  es.forEach((v, k) => {
    dv.setFloat32(exactScaleOffset + 4 * k, v, true);
  });
  exactRows.forEach((j, k) => {
    dv.setFloat32(b.spec.scaleOffset! + 4 * j, -(k + 1), true);
  });
  const spec = { ...b.spec, exactRows: E, exactOffset, exactScaleOffset };
  const token = (j: number): number[] => {
    const k = exactRows.indexOf(j);
    return k < 0 ? b.token(j) : Array.from(q.subarray(k * dim, (k + 1) * dim), (v) => v * es[k]!);
  };
  return { bytes, spec, token, scaleOffset: b.spec.scaleOffset! };
}

describe('PQ item table with exact (int8) rows', () => {
  const exactRows = [3, 17, 4, 99];
  const b = buildPqExact(120, 16, 4, exactRows, 31);

  it('decodes, scores, accumulates and ranks exact rows from their int8 tokens', () => {
    const t = ItemTable.fromBytes(b.bytes, b.spec);
    for (let j = 0; j < 120; j++) {
      const want = b.token(j).map(Math.fround);
      Array.from(t.token(j)).forEach((v, k) => {
        expect(v).toBeCloseTo(want[k]!, 6);
      });
    }
    const r = rng(5);
    const user = Float32Array.from({ length: 16 }, () => r() * 2 - 1);
    const s = t.scoreAll(user);
    for (let j = 0; j < 120; j++) expect(s[j]).toBeCloseTo(dot(user, b.token(j)), 4);
    expect(t.scaleOf(17)).toBeGreaterThan(0);
    // the adapter's weighted token sum: exact and PQ rows decoded
    const w = new Float64Array(120);
    w[3] = 0.25;
    w[5] = 0.5;
    w[99] = 0.25;
    const acc = new Float64Array(16);
    t.addWeighted(w, acc);
    for (let k = 0; k < 16; k++)
      expect(acc[k]).toBeCloseTo(0.25 * b.token(3)[k]! + 0.5 * b.token(5)[k]! + 0.25 * b.token(99)[k]!, 5);
    const sim = t.similar(99, 1);
    expect(sim[0]!.index).not.toBe(99);
    expect(Number.isFinite(sim[0]!.score)).toBe(true);
  });

  it('refuses exact-row marks that do not match the exact rows', () => {
    const withScale = (j: number, v: number) => {
      const bad = b.bytes.slice();
      new DataView(bad.buffer).setFloat32(b.scaleOffset + 4 * j, v, true);
      return bad;
    };
    expect(() => ItemTable.fromBytes(withScale(50, -5), b.spec)).toThrow(/not an exact-row mark/); // slot 4 of 4
    expect(() => ItemTable.fromBytes(withScale(50, -1.5), b.spec)).toThrow(/not an exact-row mark/);
    expect(() => ItemTable.fromBytes(withScale(50, -2), b.spec)).toThrow(/share exact slot 1/);
    expect(() => ItemTable.fromBytes(withScale(99, 1), b.spec)).toThrow(/exact slot 3 belongs to no row/);
    expect(() => ItemTable.fromBytes(b.bytes, { ...b.spec, exactScaleOffset: b.spec.exactScaleOffset + 2 })).toThrow(
      ModelFormatError,
    );
    expect(() => ItemTable.fromBytes(b.bytes.subarray(0, b.bytes.length - 1), b.spec)).toThrow(ModelFormatError);
    const { scaleOffset: _, ...noScale } = b.spec;
    expect(() => ItemTable.fromBytes(b.bytes, noScale)).toThrow(/exact rows need per-row scales/);
  });
});

describe('manifest with a pq item table', () => {
  const base = readJSON(`${FIXTURE}/manifest.json`) as Record<string, any>;
  const pqManifest = (edit: (m: Record<string, any>) => void = () => undefined) => {
    const m = structuredClone(base);
    const rows = m.itemCount + 1;
    const sub = 4;
    m.itemTable = {
      file: m.itemTable.file,
      rows,
      dim: m.dim,
      dtype: 'pq',
      subspaces: m.dim / sub,
      centroids: 256,
      dataOffset: 0,
      codebookOffset: Math.ceil((rows * m.dim) / sub / 4) * 4,
    };
    m.files.items.bytes = m.itemTable.codebookOffset + 256 * m.dim * 4;
    delete m.outputs.scores;
    delete m.inputs.withScores; // no scores output, so nothing to skip
    edit(m);
    return m;
  };

  it('parses: no scores output, codes and codebook ranges', () => {
    const m = parseManifest(pqManifest());
    expect(m.outputs.scores).toBeUndefined();
    expect(m.itemTable.dtype).toBe('pq');
    expect(m.itemTable.scaleOffset).toBeUndefined();
  });

  it('refuses bad pq fields, and a missing scores output for an int8 table', () => {
    expect(() => parseManifest(pqManifest((m) => (m.itemTable.subspaces = 5)))).toThrow(/subspaces must divide/);
    expect(() => parseManifest(pqManifest((m) => (m.itemTable.centroids = 16)))).toThrow(/centroids must be 256/);
    expect(() => parseManifest(pqManifest((m) => (m.itemTable.codebookOffset = 2)))).toThrow(
      /codebookOffset must be a multiple of 4|overlap/,
    );
    expect(() => parseManifest(pqManifest((m) => (m.files.items.bytes -= 1)))).toThrow(/smaller than the item table/);
    expect(() =>
      parseManifest(
        pqManifest((m) => {
          m.itemTable.dtype = 'int4';
          m.outputs.scores = base.outputs.scores;
        }),
      ),
    ).toThrow(/must be "int8" or "pq"/);
    expect(() =>
      parseManifest(
        pqManifest((m) => Object.assign(m.itemTable, { exactRows: 2, exactOffset: 0, exactScaleOffset: 8 })),
      ),
    ).toThrow(/exact rows need per-row scales/);
    expect(() =>
      parseManifest(
        pqManifest((m) => {
          const end = m.files.items.bytes;
          Object.assign(m.itemTable, {
            scaleOffset: end,
            exactRows: 2,
            exactOffset: 0,
            exactScaleOffset: end + 4 * m.itemTable.rows,
          });
          m.files.items.bytes = end + 4 * m.itemTable.rows + 8;
        }),
      ),
    ).toThrow(/exact and codes ranges overlap|codes and exact ranges overlap/);
    const noScores = structuredClone(base);
    delete noScores.outputs.scores;
    expect(() => parseManifest(noScores)).toThrow(/outputs\.scores/);
  });
});
