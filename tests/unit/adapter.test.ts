import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADAPTER_DEFAULTS,
  adapterBytes,
  applyAdapter,
  createAdapter,
  gateShift,
  learn,
  lossAndGrad,
  validateAdapter,
  type AdapterExample,
  type AdapterState,
  type TokenSource,
} from '../../src/core/adapter';
import { InvalidArgumentError, ModelFormatError } from '../../src/core/errors';
import { ItemTable } from '../../src/core/item-table';
import type { ModelManifest } from '../../src/core/manifest-types';
import { REPO, rng } from '../support/helpers';

/** A float64 token table (exact), for gradient checks. */
class FloatTable implements TokenSource {
  constructor(
    readonly rows: number,
    readonly dim: number,
    readonly data: Float64Array,
  ) {}
  static random(rows: number, dim: number, seed: number): FloatTable {
    const r = rng(seed);
    const data = new Float64Array(rows * dim);
    for (let i = dim; i < data.length; i++) data[i] = (r() * 2 - 1) * 0.8;
    return new FloatTable(rows, dim, data);
  }
  scoreAll(user: ArrayLike<number>, out?: Float32Array): Float32Array {
    const res = out ?? new Float32Array(this.rows);
    for (let j = 0; j < this.rows; j++) {
      let acc = 0;
      for (let x = 0; x < this.dim; x++) acc += this.data[j * this.dim + x]! * user[x]!;
      res[j] = acc;
    }
    return res;
  }
  tokenInto(index: number, out: Float32Array | Float64Array): void {
    for (let x = 0; x < this.dim; x++) out[x] = this.data[index * this.dim + x]!;
  }
}

function randomVec(n: number, r: () => number, scale = 1): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (r() * 2 - 1) * scale;
  return v;
}

function randomGate(K: number, r: () => number): Float32Array {
  const g = new Float32Array(K);
  let s = 0;
  for (let k = 0; k < K; k++) s += g[k] = 0.1 + r();
  for (let k = 0; k < K; k++) g[k] = g[k]! / s;
  return g;
}

function examples(n: number, dim: number, K: number, rows: number, seed: number): AdapterExample[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => ({
    user: randomVec(dim, r),
    gate: randomGate(K, r),
    target: 1 + Math.floor(r() * (rows - 1)),
  }));
}

/** A state whose every parameter is non-zero, so that every gradient path is exercised. */
function perturbed(dim: number, K: number, seed: number, rank = 2): AdapterState {
  const s = createAdapter('v-test', dim, K, { rank });
  const r = rng(seed);
  for (let i = 0; i < s.params.length; i++) s.params[i] = s.params[i]! + (r() * 2 - 1) * 0.3;
  s.updates = 1;
  return s;
}

function finiteDifferences(
  s: AdapterState,
  table: TokenSource,
  ex: AdapterExample[],
  opts: object,
  h: number,
): { analytic: Float64Array; numeric: Float64Array } {
  const params = Float64Array.from(s.params);
  const analytic = new Float64Array(params.length);
  lossAndGrad(s, params, table, ex, analytic, opts, 7);
  const numeric = new Float64Array(params.length);
  for (let i = 0; i < params.length; i++) {
    const p = Float64Array.from(params);
    p[i] = params[i]! + h;
    const up = lossAndGrad(s, p, table, ex, null, opts, 7);
    p[i] = params[i]! - h;
    const down = lossAndGrad(s, p, table, ex, null, opts, 7);
    numeric[i] = (up - down) / (2 * h);
  }
  return { analytic, numeric };
}

describe('adapter gradient', () => {
  it('matches central finite differences with sampled softmax (float64 throughout)', () => {
    const dim = 6,
      K = 3,
      rows = 40;
    const table = FloatTable.random(rows, dim, 1);
    const s = perturbed(dim, K, 2);
    const ex = examples(4, dim, K, rows, 3);
    const { analytic, numeric } = finiteDifferences(s, table, ex, { fullSoftmaxMax: 10, negatives: 16 }, 1e-5);
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < analytic.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(analytic[i]! - numeric[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(analytic[i]!));
    }
    expect(maxAbs).toBeGreaterThan(1e-2); // the gradient is not trivially zero
    expect(maxErr).toBeLessThan(1e-7);
  });

  it('matches central finite differences with full softmax (float32 scores)', () => {
    const dim = 5,
      K = 4,
      rows = 30;
    const table = FloatTable.random(rows, dim, 11);
    const s = perturbed(dim, K, 12, 3);
    const ex = examples(3, dim, K, rows, 13);
    const { analytic, numeric } = finiteDifferences(s, table, ex, {}, 1e-3);
    for (let i = 0; i < analytic.length; i++) {
      expect(Math.abs(analytic[i]! - numeric[i]!)).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric[i]!)));
    }
    // every block (gate bias, offset, U, V) has a non-zero gradient
    const L = { K, d: dim, r: 3 };
    const blocks = [
      [0, K],
      [K, K + L.d],
      [K + L.d, K + L.d + K * L.d * L.r],
      [K + L.d + K * L.d * L.r, analytic.length],
    ];
    for (const [a, b] of blocks) {
      let m = 0;
      for (let i = a!; i < b!; i++) m = Math.max(m, Math.abs(analytic[i]!));
      expect(m).toBeGreaterThan(1e-4);
    }
  });

  it('the sampled loss approximates the full loss when every class is sampled many times', () => {
    const dim = 4,
      K = 2,
      rows = 12;
    const table = FloatTable.random(rows, dim, 21);
    const s = perturbed(dim, K, 22);
    const ex = examples(5, dim, K, rows, 23);
    const full = lossAndGrad(s, s.params, table, ex, null, {});
    const sampled = lossAndGrad(s, s.params, table, ex, null, { fullSoftmaxMax: 1, negatives: 20000 });
    expect(Math.abs(full - sampled)).toBeLessThan(0.02 * full);
  });
});

describe('adapter behaviour', () => {
  it('a fresh adapter changes nothing', () => {
    const r = rng(5);
    const s = createAdapter('v1', 8, 4);
    const u = randomVec(8, r);
    const g = randomGate(4, r);
    const out = applyAdapter(s, u, g);
    expect(Array.from(out.user)).toEqual(Array.from(u));
    expect(Array.from(out.gate)).toEqual(Array.from(g));
    expect(gateShift(s, g)).toBeLessThan(1e-7);
    // a few KB for the shipped models' shape (d=64, K=4)
    const shipped = createAdapter('v1', 64, 4);
    expect(adapterBytes(shipped)).toBeLessThan(8 * 1024);
  });

  it('learning lowers the loss on the window, moves the gate, and is deterministic', () => {
    const dim = 8,
      K = 4,
      rows = 50;
    const table = FloatTable.random(rows, dim, 31);
    const ex = examples(12, dim, K, rows, 32);
    const run = (): AdapterState => {
      const s = createAdapter('v1', dim, K);
      for (const e of ex) learn(s, table, e, { lr: 0.2, steps: 3 }, 1000);
      return s;
    };
    const a = run();
    const b = run();
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    expect(a.updates).toBe(12);
    expect(a.updatedAt).toBe(1000);
    expect(a.examples.count).toBe(ADAPTER_DEFAULTS.window);
    const fresh = createAdapter('v1', dim, K);
    const window = ex.slice(-ADAPTER_DEFAULTS.window);
    expect(lossAndGrad(a, a.params, table, window, null)).toBeLessThan(
      lossAndGrad(fresh, fresh.params, table, window, null),
    );
    expect(gateShift(a, ex[0]!.gate)).toBeGreaterThan(0);
    const changed = applyAdapter(a, ex[0]!.user, ex[0]!.gate);
    expect(Array.from(changed.user)).not.toEqual(Array.from(ex[0]!.user));
  });

  it('repeated learning on one item raises its score', () => {
    const dim = 8,
      K = 4,
      rows = 60;
    const table = FloatTable.random(rows, dim, 41);
    const r = rng(42);
    const u = randomVec(dim, r);
    const g = randomGate(K, r);
    const s = createAdapter('v1', dim, K);
    const before = table.scoreAll(applyAdapter(s, u, g).user);
    for (let i = 0; i < 10; i++) learn(s, table, { user: u, gate: g, target: 17 }, { lr: 0.1 });
    const after = table.scoreAll(applyAdapter(s, u, g).user);
    const rank = (sc: Float32Array): number =>
      Array.from(sc)
        .slice(1)
        .filter((v) => v > sc[17]!).length;
    expect(rank(after)).toBeLessThan(rank(before));
    expect(rank(after)).toBe(0);
  });

  it('respects the norm limits and the gate-bias limit', () => {
    const dim = 6,
      K = 3,
      rows = 20;
    const table = FloatTable.random(rows, dim, 51);
    const ex = examples(30, dim, K, rows, 52);
    const s = createAdapter('v1', dim, K);
    const maxNorm = 0.5,
      maxBias = 0.2;
    for (const e of ex) learn(s, table, e, { lr: 5, clip: 100, maxNorm, maxBias });
    const p = s.params;
    for (let k = 0; k < K; k++) expect(Math.abs(p[k]!)).toBeLessThanOrEqual(maxBias + 1e-6);
    let n = 0;
    for (let x = 0; x < dim; x++) n += p[K + x]! ** 2;
    expect(Math.sqrt(n)).toBeLessThanOrEqual(maxNorm + 1e-5);
  });

  it('refuses an update that would store a non-finite value, and keeps the adapter', () => {
    const dim = 4,
      K = 2,
      rows = 10;
    const good = FloatTable.random(rows, dim, 61);
    const s = createAdapter('v1', dim, K);
    learn(s, good, examples(1, dim, K, rows, 62)[0]!);
    const before = { params: Float32Array.from(s.params), updates: s.updates, count: s.examples.count };
    const data = Float64Array.from(good.data);
    data[3 * dim] = Infinity; // a corrupt token
    const bad = new FloatTable(rows, dim, data);
    const res = learn(s, bad, { ...examples(1, dim, K, rows, 63)[0]!, target: 3 });
    expect(res.accepted).toBe(false);
    expect(Array.from(s.params)).toEqual(Array.from(before.params));
    expect(s.updates).toBe(before.updates);
    expect(s.examples.count).toBe(before.count);
  });

  it('rejects bad inputs with typed errors', () => {
    const s = createAdapter('v1', 4, 2);
    const t = FloatTable.random(10, 4, 71);
    expect(() => learn(s, t, { user: [1, 2, 3], gate: [0.5, 0.5], target: 1 })).toThrow(InvalidArgumentError);
    expect(() => learn(s, t, { user: [1, 2, 3, NaN], gate: [0.5, 0.5], target: 1 })).toThrow(InvalidArgumentError);
    expect(() => learn(s, t, { user: [1, 2, 3, 4], gate: [0.5, 0.5], target: 10 })).toThrow(InvalidArgumentError);
    expect(() => learn(s, t, { user: [1, 2, 3, 4], gate: [0.5, 0.5], target: 0 })).toThrow(InvalidArgumentError);
    expect(() => learn(s, FloatTable.random(10, 5, 1), { user: [1, 2, 3, 4], gate: [0.5, 0.5], target: 1 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createAdapter('v1', 4, 2, { lr: -1 })).toThrow(InvalidArgumentError);
    expect(() => createAdapter('', 4, 2)).toThrow(InvalidArgumentError);
  });

  it('validates stored adapters', () => {
    const s = createAdapter('v1', 4, 2);
    expect(validateAdapter(structuredClone(s))).toBeTruthy();
    const corrupt = structuredClone(s);
    corrupt.params[3] = NaN;
    expect(() => validateAdapter(corrupt)).toThrow(ModelFormatError);
    expect(() => validateAdapter({ ...s, params: new Float32Array(3) })).toThrow(ModelFormatError);
    expect(() => validateAdapter({ ...s, format: 'x' })).toThrow(ModelFormatError);
    expect(() => validateAdapter(null)).toThrow(ModelFormatError);
    expect(() => validateAdapter({ ...s, examples: { ...s.examples, count: 99 } })).toThrow(ModelFormatError);
  });
});

describe('adapter on the shipped MovieLens table', () => {
  it('learns on the real int8 item table and stays within a few KB', () => {
    const dir = join(REPO, 'public/models/movielens');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
    const table = ItemTable.fromBytes(
      new Uint8Array(readFileSync(join(dir, manifest.itemTable.file))),
      manifest.itemTable,
    );
    const r = rng(81);
    const s = createAdapter(manifest.modelVersion, manifest.dim, manifest.experts);
    const u = randomVec(manifest.dim, r, 0.5);
    const g = randomGate(manifest.experts, r);
    let res = learn(s, table, { user: u, gate: g, target: 5 }, {}, 0, true);
    for (let i = 0; i < 4; i++) res = learn(s, table, { user: u, gate: g, target: 5 }, {}, 0, true);
    expect(res.accepted).toBe(true);
    expect(res.lossAfter).toBeLessThan(res.lossBefore);
    expect(adapterBytes(s)).toBeLessThan(8 * 1024);
  });
});
