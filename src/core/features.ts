/**
 * Content featurisation of an item (docs/model-format.md, "Featurisation").
 * Must stay byte-for-byte identical to `training/features.py`; the manifest's
 * `content.testVectors` are checked against this in tests/unit/features.test.ts.
 */

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;
const encoder = new TextEncoder();

/** 32-bit FNV-1a over the UTF-8 bytes of `s`, as an unsigned integer. */
export function fnv1a32(s: string): number {
  const bytes = encoder.encode(s);
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

const WORD_SPLIT = /[^\p{L}\p{N}]+/u;
/** Python's str.strip() whitespace (str.isspace), which differs from String.prototype.trim. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'gu');

/** The ordered, de-duplicated feature strings of an item (before hashing and truncation). */
export function featureStrings(item: { title?: string; genres?: string[]; year?: number | null }): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (f: string): void => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  const title = typeof item.title === 'string' ? item.title : '';
  for (const w of title.normalize('NFKC').toLowerCase().split(WORD_SPLIT)) {
    if (w.length > 0) push(`t:${w}`);
  }
  for (const g of item.genres ?? []) {
    if (typeof g !== 'string') continue;
    push(`g:${g.toLowerCase().replace(PY_STRIP, '')}`);
  }
  const year = item.year;
  if (typeof year === 'number' && Number.isFinite(year)) {
    push(`y:${year}`);
    push(`d:${Math.floor(year / 10) * 10}`);
  }
  return out;
}

/**
 * Hashed feature buckets of an item, right-padded with 0 to `spec.maxFeatures`.
 * bucket = 1 + (fnv1a32(feature) mod (buckets - 1)); 0 is the pad bucket.
 */
export function itemFeatures(
  item: { title?: string; genres?: string[]; year?: number | null },
  spec: { buckets: number; maxFeatures: number },
): Int32Array {
  const out = new Int32Array(spec.maxFeatures);
  const feats = featureStrings(item);
  const n = Math.min(feats.length, spec.maxFeatures);
  const mod = spec.buckets - 1;
  for (let i = 0; i < n; i++) out[i] = 1 + (fnv1a32(feats[i]!) % mod);
  return out;
}
