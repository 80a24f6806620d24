/** Top-k selection and ranking metrics. DOM-free, allocation-light. */

export interface Scored {
  index: number;
  score: number;
}

export interface TopKOptions {
  /** indices never returned */
  exclude?: ReadonlySet<number>;
  /** only these indices are considered (out-of-range and duplicate entries ignored) */
  allowed?: Iterable<number>;
  /** first index considered (default 0; pass 1 to skip the pad column) */
  from?: number;
}

/** a ranks before b: higher score, then lower index. */
function better(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa > sb || (sa === sb && ia < ib);
}

/**
 * The k best entries of `scores`, best first: higher score first, ties broken by lower index.
 * Uses a bounded min-heap (O(n log k)), never sorts the whole array. NaN scores are skipped;
 * ±Infinity are ordinary values. k larger than the number of candidates returns all of them.
 */
export function topK(scores: ArrayLike<number>, k: number, opts: TopKOptions = {}): Scored[] {
  const n = scores.length;
  const from = Math.max(0, Math.floor(opts.from ?? 0));
  k = Math.floor(k);
  if (!(k > 0)) return [];
  const exclude = opts.exclude;
  // heap of the current best k, the worst at the root
  const hi = new Int32Array(Math.min(k, n) + 1);
  const hs = new Float64Array(hi.length);
  let size = 0;

  const siftDown = (pos: number): void => {
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= size) return;
      const r = l + 1;
      // the worse child
      let w = l;
      if (r < size && better(hs[l]!, hi[l]!, hs[r]!, hi[r]!)) w = r;
      if (better(hs[pos]!, hi[pos]!, hs[w]!, hi[w]!)) {
        const ts = hs[pos]!,
          ti = hi[pos]!;
        hs[pos] = hs[w]!;
        hi[pos] = hi[w]!;
        hs[w] = ts;
        hi[w] = ti;
        pos = w;
      } else return;
    }
  };
  const siftUp = (pos: number): void => {
    while (pos > 0) {
      const p = (pos - 1) >> 1;
      if (better(hs[p]!, hi[p]!, hs[pos]!, hi[pos]!)) {
        const ts = hs[pos]!,
          ti = hi[pos]!;
        hs[pos] = hs[p]!;
        hi[pos] = hi[p]!;
        hs[p] = ts;
        hi[p] = ti;
        pos = p;
      } else return;
    }
  };
  // The exclusion set is consulted only for entries that would enter the heap: on a large
  // catalogue almost every entry loses against the heap's root first, so the hot loop is one
  // comparison per entry (no Set lookup).
  const offer = (i: number): void => {
    const s = scores[i]!;
    if (Number.isNaN(s)) return;
    if (size < k) {
      if (exclude?.has(i)) return;
      hs[size] = s;
      hi[size] = i;
      size++;
      siftUp(size - 1);
    } else if (better(s, i, hs[0]!, hi[0]!)) {
      if (exclude?.has(i)) return;
      hs[0] = s;
      hi[0] = i;
      siftDown(0);
    }
  };

  if (opts.allowed !== undefined) {
    const seen = new Set<number>();
    for (const i of opts.allowed) {
      if (!Number.isInteger(i) || i < from || i >= n || seen.has(i)) continue;
      seen.add(i);
      offer(i);
    }
  } else {
    // fast path: a plain loop with the root's score cached; offer() only for possible entries
    let i = from;
    for (; i < n && size < k; i++) offer(i);
    let root = size > 0 ? hs[0]! : -Infinity;
    for (; i < n; i++) {
      const s = scores[i]!;
      if (s < root) continue; // cannot enter (also skips nothing that ties: ties go through offer)
      offer(i);
      root = hs[0]!;
    }
  }
  const out: Scored[] = new Array(size);
  for (let j = 0; j < size; j++) out[j] = { index: hi[j]!, score: hs[j]! };
  out.sort((a, b) => (better(a.score, a.index, b.score, b.index) ? -1 : 1));
  return out;
}

/**
 * 0-based rank of `target` among `candidates` under `scores` (higher first, ties by lower
 * index, as topK). NaN counts as worst. Returns -1 when target is not a candidate.
 */
export function rankOf(scores: ArrayLike<number>, target: number, candidates: Iterable<number>): number {
  let found = false;
  let rank = 0;
  const st = scores[target];
  const ts = st === undefined || Number.isNaN(st) ? -Infinity : st;
  const seen = new Set<number>();
  for (const c of candidates) {
    if (seen.has(c)) continue;
    seen.add(c);
    if (c === target) {
      found = true;
      continue;
    }
    const sc = scores[c];
    const s = sc === undefined || Number.isNaN(sc) ? -Infinity : sc;
    if (better(s, c, ts, target)) rank++;
  }
  return found ? rank : -1;
}

/** HitRatio@k of a single case given the 0-based rank of the true item (-1 = absent). */
export function hitAt(rank: number, k: number): number {
  return rank >= 0 && rank < k ? 1 : 0;
}

/** NDCG@k of a single case with one relevant item at 0-based `rank` (-1 = absent). */
export function ndcgAt(rank: number, k: number): number {
  return rank >= 0 && rank < k ? 1 / Math.log2(rank + 2) : 0;
}
