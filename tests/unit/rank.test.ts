import { describe, expect, it } from 'vitest';
import { hitAt, ndcgAt, rankOf, topK } from '../../src/core/rank';
import { rng } from '../support/helpers';

/** Reference: full sort with the same order (score desc, index asc), NaN dropped. */
function reference(
  scores: number[],
  k: number,
  opts: { exclude?: Set<number>; allowed?: number[]; from?: number } = {},
) {
  const from = opts.from ?? 0;
  let idx = opts.allowed ? [...new Set(opts.allowed)] : scores.map((_, i) => i);
  idx = idx.filter(
    (i) => Number.isInteger(i) && i >= from && i < scores.length && !Number.isNaN(scores[i]) && !opts.exclude?.has(i),
  );
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return idx.slice(0, Math.max(0, k)).map((i) => ({ index: i, score: scores[i]! }));
}

describe('topK', () => {
  it('matches a full sort on random data with many ties, exclusions, allowed lists and from', () => {
    const r = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(r() * 200);
      // few distinct values -> many ties; a few NaN and infinities
      const scores = Array.from({ length: n }, () => {
        const x = r();
        if (x < 0.03) return NaN;
        if (x < 0.05) return -Infinity;
        if (x < 0.06) return Infinity;
        return Math.floor(r() * 8) / 4 - 1;
      });
      const k = Math.floor(r() * (n + 20));
      const opts: { exclude?: Set<number>; allowed?: number[]; from?: number } = {};
      if (r() < 0.5) opts.exclude = new Set(Array.from({ length: Math.floor(r() * n) }, () => Math.floor(r() * n)));
      if (r() < 0.4)
        opts.allowed = Array.from({ length: Math.floor(r() * n * 1.5) }, () => Math.floor(r() * (n + 5)) - 2);
      if (r() < 0.5) opts.from = Math.floor(r() * 3);
      const got = topK(Float32Array.from(scores), k, { ...opts, ...(opts.exclude ? { exclude: opts.exclude } : {}) });
      const want = reference(Array.from(Float32Array.from(scores)), k, opts);
      expect(got).toEqual(want);
    }
  });

  it('matches a full sort on large catalogues (the fast path): ties, k > n, exclusions, NaN', () => {
    const r = rng(21);
    for (let trial = 0; trial < 12; trial++) {
      const n = 2000 + Math.floor(r() * 20000);
      // coarse values: thousands of ties, some exactly at the k-th position
      const scores = Float32Array.from({ length: n }, () => (r() < 0.01 ? NaN : Math.floor(r() * 50) / 7));
      const exclude = new Set(Array.from({ length: Math.floor(r() * 500) }, () => Math.floor(r() * n)));
      for (const k of [1, 10, 100, n - 1, n + 7]) {
        const want = reference(Array.from(scores), k, { exclude, from: 1 });
        expect(topK(scores, k, { exclude, from: 1 })).toEqual(want);
      }
    }
    // ascending scores: every entry enters the heap (worst case of the fast path)
    const asc = Float32Array.from({ length: 5000 }, (_, i) => i % 97);
    expect(topK(asc, 25)).toEqual(reference(Array.from(asc), 25));
  });

  it('breaks ties by lower index, never returns NaN, returns all candidates when k > n', () => {
    const scores = [1, NaN, 3, 3, NaN, 1, 3];
    expect(topK(scores, 10)).toEqual([
      { index: 2, score: 3 },
      { index: 3, score: 3 },
      { index: 6, score: 3 },
      { index: 0, score: 1 },
      { index: 5, score: 1 },
    ]);
    expect(topK(scores, 2).map((x) => x.index)).toEqual([2, 3]);
  });

  it('honours from, exclude and allowed', () => {
    const scores = [9, 1, 2, 3, 4, 5];
    expect(topK(scores, 2, { from: 1 }).map((x) => x.index)).toEqual([5, 4]);
    expect(topK(scores, 2, { from: 1, exclude: new Set([5]) }).map((x) => x.index)).toEqual([4, 3]);
    expect(topK(scores, 5, { from: 1, allowed: [1, 2, 2, 0, 99, -1] }).map((x) => x.index)).toEqual([2, 1]);
    expect(topK(scores, 5, { allowed: [] })).toEqual([]);
  });

  it('returns [] for k <= 0 or empty scores', () => {
    expect(topK([1, 2], 0)).toEqual([]);
    expect(topK([1, 2], -3)).toEqual([]);
    expect(topK([], 5)).toEqual([]);
  });
});

describe('rankOf / hitAt / ndcgAt', () => {
  it('ranks by score then index, NaN worst, -1 when absent', () => {
    const s = [0, 0.5, 0.9, 0.5, NaN];
    expect(rankOf(s, 2, [1, 2, 3])).toBe(0);
    expect(rankOf(s, 1, [1, 2, 3])).toBe(1);
    expect(rankOf(s, 3, [1, 2, 3])).toBe(2); // tie with 1, higher index ranks after
    expect(rankOf(s, 4, [1, 4, 3])).toBe(2);
    expect(rankOf(s, 0, [1, 2])).toBe(-1);
    // agrees with topK's order
    const r = rng(3);
    const sc = Array.from({ length: 50 }, () => Math.floor(r() * 5));
    const order = topK(sc, 50).map((x) => x.index);
    order.forEach((idx, pos) => {
      expect(rankOf(sc, idx, order)).toBe(pos);
    });
  });

  it('computes hit and ndcg', () => {
    expect(hitAt(0, 1)).toBe(1);
    expect(hitAt(1, 1)).toBe(0);
    expect(hitAt(9, 10)).toBe(1);
    expect(hitAt(-1, 10)).toBe(0);
    expect(ndcgAt(0, 5)).toBe(1);
    expect(ndcgAt(1, 5)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(ndcgAt(4, 5)).toBeCloseTo(1 / Math.log2(6), 12);
    expect(ndcgAt(5, 5)).toBe(0);
    expect(ndcgAt(-1, 5)).toBe(0);
  });
});
