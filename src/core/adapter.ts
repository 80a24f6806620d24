/**
 * The per-visitor adapter: personal parameters layered on the frozen shipped model,
 * learned on the device from the visitor's own interactions. DOM-free, exact TypeScript math on
 * typed arrays (float64 accumulation, float32 storage), deterministic: the same calls give the
 * same adapter in Node and in the browser.
 *
 * Given the shipped model's user representation u (d) and its iLoRA gate g (K) for a history:
 *
 *   g'  = softmax(log g + b)                       personal bias b on the gate (K)
 *   u'  = u + δ + Σ_k g'_k · U_k (V_k^T u)          personal offset δ (d) and a personal mixture
 *                                                   of K rank-r experts U_k, V_k (d × r each)
 *   s_j = dot(u', token_j)                          scores over the catalogue (item tokens frozen)
 *
 * A fresh adapter has b = 0, δ = 0, U = 0 (V a fixed pseudo-random projection), so u' = u and
 * g' = g exactly: the shipped model's answers. Learning minimises next-item cross-entropy over
 * the catalogue (full softmax; sampled softmax with a fixed seed for large catalogues) on a
 * window of the visitor's most recent (u, g, next item) examples, with gradient clipping, norm
 * limits and a pull towards zero; an update that would store a non-finite value is refused.
 */
import { InvalidArgumentError, ModelFormatError } from './errors';
import { mulberry32 } from './random';

/** What the adapter needs from the item-token table (ItemTable implements it). */
export interface TokenSource {
  /** rows of the table; row 0 is the pad and is never a class */
  readonly rows: number;
  readonly dim: number;
  /** scores[j] = dot(user, token_j) for every row j */
  scoreAll(user: ArrayLike<number>, out?: Float32Array): Float32Array;
  /** writes token j into out[0..dim) */
  tokenInto(index: number, out: Float32Array | Float64Array): void;
  /** optional fast path: out[x] += Σ_j weights[j] · token_j[x] (rows with weight 0 skipped) */
  addWeighted?(weights: ArrayLike<number>, out: Float64Array): void;
}

export interface AdapterOptions {
  /** rank of each personal expert (default 2) */
  rank?: number;
  /** SGD learning rate (default 0.1) */
  lr?: number;
  /** optimisation steps after each interaction (default 2) */
  steps?: number;
  /** most recent examples replayed at each step (default 1: the newest only) */
  window?: number;
  /** the gradient is clipped to this L2 norm (default 5) */
  clip?: number;
  /** weight decay towards the fresh adapter (default 1e-3) */
  l2?: number;
  /** limit of ||δ|| and of each ||U_k||_F (default 2) */
  maxNorm?: number;
  /** limit of |b_k| (default 3) */
  maxBias?: number;
  /** catalogues with more classes than this use sampled softmax (default 8192) */
  fullSoftmaxMax?: number;
  /** negatives of the sampled softmax (default 1024) */
  negatives?: number;
}

export type ResolvedAdapterOptions = Required<AdapterOptions>;

/**
 * Chosen on the first 40 held-out users of MovieLens and LastFM (`npm run study:adapt`, see
 * docs/benchmarks.md): online learning from the newest example only, two steps. More steps or a
 * replay window over-fit the visitor's last items (which are then removed from the ranking) and
 * lose accuracy; a larger learning rate too.
 */
export const ADAPTER_DEFAULTS: ResolvedAdapterOptions = Object.freeze({
  rank: 2,
  lr: 0.1,
  steps: 2,
  window: 1,
  clip: 5,
  l2: 1e-3,
  maxNorm: 2,
  maxBias: 3,
  fullSoftmaxMax: 8192,
  negatives: 1024,
});

/** A visitor's adapter. A plain, structured-clonable object (IndexedDB, postMessage). */
export interface AdapterState {
  format: 'localrec-adapter';
  formatVersion: 1;
  /** the manifest's modelVersion this adapter belongs to */
  modelVersion: string;
  dim: number;
  experts: number;
  rank: number;
  /** [b (K) | δ (d) | U (K·d·r) | V (K·d·r)], U_k and V_k row-major d × r */
  params: Float32Array;
  /** replay window: the most recent examples, oldest first */
  examples: { user: Float32Array; gate: Float32Array; target: Int32Array; count: number };
  /** accepted updates so far */
  updates: number;
  /** time of the last accepted update (ms since epoch; 0 = never) */
  updatedAt: number;
}

export interface AdapterExample {
  /** the shipped model's user representation for the history before `target` */
  user: ArrayLike<number>;
  /** the shipped model's gate for that history */
  gate: ArrayLike<number>;
  /** model index of the item that came next (1..rows-1) */
  target: number;
}

export interface LearnResult {
  /** false when the update was refused (non-finite values); the adapter is then unchanged */
  accepted: boolean;
  /** mean cross-entropy over the window before the first step */
  lossBefore: number;
  /** ... and after the last step (NaN unless learn() was asked to measure it) */
  lossAfter: number;
  /** L2 norm of the first step's (unclipped) gradient */
  gradNorm: number;
}

function resolve(opts?: AdapterOptions): ResolvedAdapterOptions {
  const o = { ...ADAPTER_DEFAULTS, ...(opts ?? {}) };
  const positive = (k: keyof ResolvedAdapterOptions, int: boolean): void => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (int && !Number.isInteger(v))) {
      throw new InvalidArgumentError(
        `adapter option ${k} must be a ${int ? 'non-negative integer' : 'non-negative number'}, got ${String(v)}`,
      );
    }
  };
  for (const k of ['rank', 'steps', 'window', 'fullSoftmaxMax', 'negatives'] as const) positive(k, true);
  for (const k of ['lr', 'clip', 'l2', 'maxNorm', 'maxBias'] as const) positive(k, false);
  if (o.rank < 1) throw new InvalidArgumentError('adapter option rank must be at least 1');
  if (o.window < 1) throw new InvalidArgumentError('adapter option window must be at least 1');
  if (o.negatives < 1) throw new InvalidArgumentError('adapter option negatives must be at least 1');
  return o;
}

interface Layout {
  d: number;
  K: number;
  r: number;
  /** offsets into params */
  b: number;
  delta: number;
  U: number;
  V: number;
  size: number;
}

function layout(d: number, K: number, r: number): Layout {
  const b = 0;
  const delta = K;
  const U = delta + d;
  const V = U + K * d * r;
  return { d, K, r, b, delta, U, V, size: V + K * d * r };
}

function layoutOf(s: AdapterState): Layout {
  return layout(s.dim, s.experts, s.rank);
}

/** The fixed projection V of a fresh adapter: uniform in ±1/sqrt(d), seeded by the shape. */
function initialV(d: number, K: number, r: number): Float32Array {
  const rand = mulberry32(0x5eed ^ (d * 7919) ^ (K * 104729) ^ (r * 1299709));
  const a = 1 / Math.sqrt(d);
  const v = new Float32Array(K * d * r);
  for (let i = 0; i < v.length; i++) v[i] = (2 * rand() - 1) * a;
  return v;
}

/** A fresh adapter: the shipped model's answers exactly. */
export function createAdapter(
  modelVersion: string,
  dim: number,
  experts: number,
  options?: AdapterOptions,
): AdapterState {
  const o = resolve(options);
  if (!(Number.isInteger(dim) && dim >= 1 && Number.isInteger(experts) && experts >= 1)) {
    throw new InvalidArgumentError(`adapter: bad shape dim=${dim} experts=${experts}`);
  }
  if (typeof modelVersion !== 'string' || !modelVersion)
    throw new InvalidArgumentError('adapter: modelVersion must be a non-empty string');
  const L = layout(dim, experts, o.rank);
  const params = new Float32Array(L.size);
  params.set(initialV(dim, experts, o.rank), L.V);
  return {
    format: 'localrec-adapter',
    formatVersion: 1,
    modelVersion,
    dim,
    experts,
    rank: o.rank,
    params,
    examples: {
      user: new Float32Array(o.window * dim),
      gate: new Float32Array(o.window * experts),
      target: new Int32Array(o.window),
      count: 0,
    },
    updates: 0,
    updatedAt: 0,
  };
}

/** Bytes the adapter takes (parameters + replay window). */
export function adapterBytes(s: AdapterState): number {
  return s.params.byteLength + s.examples.user.byteLength + s.examples.gate.byteLength + s.examples.target.byteLength;
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/**
 * Checks a stored adapter (IndexedDB, an import) and returns it typed. Throws ModelFormatError
 * for anything malformed or non-finite, so a corrupt record can be dropped and replaced by a
 * fresh adapter.
 */
export function validateAdapter(x: unknown): AdapterState {
  const bad = (why: string): never => {
    throw new ModelFormatError(`stored adapter: ${why}`);
  };
  if (!x || typeof x !== 'object') bad('not an object');
  const s = x as Record<string, unknown>;
  if (s.format !== 'localrec-adapter' || s.formatVersion !== 1) bad('unknown format');
  const { dim, experts, rank } = s as { dim: unknown; experts: unknown; rank: unknown };
  for (const [k, v] of Object.entries({ dim, experts, rank })) {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4096)) bad(`bad ${k}`);
  }
  if (typeof s.modelVersion !== 'string' || !s.modelVersion) bad('bad modelVersion');
  const L = layout(dim as number, experts as number, rank as number);
  if (!(s.params instanceof Float32Array) || s.params.length !== L.size) bad('bad params');
  if (!allFinite(s.params as Float32Array)) bad('non-finite params');
  const ex = s.examples as Record<string, unknown> | undefined;
  if (!ex || typeof ex !== 'object') bad('no examples');
  const e = ex as Record<string, unknown>;
  if (!(e.user instanceof Float32Array) || !(e.gate instanceof Float32Array) || !(e.target instanceof Int32Array))
    bad('bad examples');
  const W = (e.target as Int32Array).length;
  if (W < 1 || (e.user as Float32Array).length !== W * L.d || (e.gate as Float32Array).length !== W * L.K)
    bad('examples of the wrong shape');
  if (!(typeof e.count === 'number' && Number.isInteger(e.count) && e.count >= 0 && e.count <= W))
    bad('bad example count');
  if (!allFinite(e.user as Float32Array) || !allFinite(e.gate as Float32Array)) bad('non-finite examples');
  for (const k of ['updates', 'updatedAt'] as const) {
    const v = s[k];
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) bad(`bad ${k}`);
  }
  return x as AdapterState;
}

/** g' = softmax(log g + b), in float64. */
function personalGate(params: ArrayLike<number>, L: Layout, gate: ArrayLike<number>, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < L.K; k++) {
    const z = Math.log(Math.max(gate[k]!, 1e-12)) + params[L.b + k]!;
    out[k] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let k = 0; k < L.K; k++) {
    out[k] = Math.exp(out[k]! - max);
    sum += out[k]!;
  }
  for (let k = 0; k < L.K; k++) out[k] = out[k]! / sum;
}

/** Intermediate values of the forward pass of one example (for the backward pass). */
interface Forward {
  g: Float64Array; // K
  h: Float64Array; // K·r, h_k = V_k^T u
  a: Float64Array; // K·d, a_k = U_k h_k
  u2: Float64Array; // d, u'
}

function forward(
  params: ArrayLike<number>,
  L: Layout,
  user: ArrayLike<number>,
  gate: ArrayLike<number>,
  f: Forward,
): void {
  const { d, K, r } = L;
  personalGate(params, L, gate, f.g);
  for (let x = 0; x < d; x++) f.u2[x] = user[x]! + params[L.delta + x]!;
  for (let k = 0; k < K; k++) {
    const base = k * d * r;
    for (let j = 0; j < r; j++) {
      let acc = 0;
      for (let x = 0; x < d; x++) acc += params[L.V + base + x * r + j]! * user[x]!;
      f.h[k * r + j] = acc;
    }
    const gk = f.g[k]!;
    for (let x = 0; x < d; x++) {
      let acc = 0;
      for (let j = 0; j < r; j++) acc += params[L.U + base + x * r + j]! * f.h[k * r + j]!;
      f.a[k * d + x] = acc;
      f.u2[x] = f.u2[x]! + gk * acc;
    }
  }
}

function newForward(L: Layout): Forward {
  return {
    g: new Float64Array(L.K),
    h: new Float64Array(L.K * L.r),
    a: new Float64Array(L.K * L.d),
    u2: new Float64Array(L.d),
  };
}

function checkVec(v: ArrayLike<number>, n: number, what: string): void {
  if (!v || typeof v.length !== 'number' || v.length !== n)
    throw new InvalidArgumentError(`${what} must have ${n} entries`);
  if (!allFinite(v)) throw new InvalidArgumentError(`${what} has a non-finite value`);
}

/**
 * The personal user representation and gate when the adapter changes the answer (it has
 * learned), else null: the shipped model's answer stands. The one rule the engine (worker or
 * page) and the page's stored-output answer share.
 */
export function personalOf(
  s: AdapterState | null,
  user: ArrayLike<number>,
  gate: ArrayLike<number>,
): { user: Float32Array; gate: Float32Array } | null {
  return s && s.updates > 0 ? applyAdapter(s, user, gate) : null;
}

/**
 * The personalised user representation and gate for one request. A fresh adapter returns
 * copies of `user` and `gate` (bit for bit, as float32).
 */
export function applyAdapter(
  s: AdapterState,
  user: ArrayLike<number>,
  gate: ArrayLike<number>,
): { user: Float32Array; gate: Float32Array } {
  const L = layoutOf(s);
  checkVec(user, L.d, 'user');
  checkVec(gate, L.K, 'gate');
  if (s.updates === 0) return { user: Float32Array.from(user), gate: Float32Array.from(gate) };
  const f = newForward(L);
  forward(s.params, L, user, gate, f);
  return { user: Float32Array.from(f.u2), gate: Float32Array.from(f.g) };
}

/** Total-variation distance between the shipped gate and the personal gate for `gate` (0..1). */
export function gateShift(s: AdapterState, gate: ArrayLike<number>): number {
  const L = layoutOf(s);
  checkVec(gate, L.K, 'gate');
  const g = new Float64Array(L.K);
  personalGate(s.params, L, gate, g);
  let tv = 0;
  for (let k = 0; k < L.K; k++) tv += Math.abs(g[k]! - gate[k]!);
  return tv / 2;
}

/** Scratch buffers of one loss/gradient evaluation, sized for a table. */
interface Scratch {
  scores: Float32Array;
  token: Float64Array;
  z: Float64Array;
  f: Forward;
  sample: Int32Array;
  sampleTokens: Float64Array;
  weights: Float64Array | null;
}

/**
 * The shared negatives of one step (sampled softmax): `negatives` rows drawn uniformly from
 * 1..rows-1 with a seeded PRNG, their tokens gathered once into `tokens` (row-major).
 */
function sampleNegatives(
  table: TokenSource,
  o: ResolvedAdapterOptions,
  seed: number,
  ids: Int32Array,
  tokens: Float64Array,
): void {
  const rand = mulberry32(seed);
  const n = table.rows - 1;
  const d = table.dim;
  const tmp = new Float64Array(d);
  for (let i = 0; i < o.negatives; i++) {
    const j = 1 + Math.min(n - 1, Math.floor(rand() * n));
    ids[i] = j;
    table.tokenInto(j, tmp);
    tokens.set(tmp, i * d);
  }
}

/**
 * Mean next-item cross-entropy over `examples` and its gradient w.r.t. params (added into
 * `grad`, which must be zeroed by the caller). Exposed for the gradient tests.
 */
export function lossAndGrad(
  s: AdapterState,
  params: ArrayLike<number>,
  table: TokenSource,
  examples: AdapterExample[],
  grad: Float64Array | null,
  options?: AdapterOptions,
  seed = 0,
): number {
  const o = resolve(options);
  const L = layoutOf(s);
  const sc = scratch(L, table, o);
  return lossGradImpl(L, params, table, examples, grad, o, seed, sc);
}

function scratch(L: Layout, table: TokenSource, o: ResolvedAdapterOptions): Scratch {
  return {
    scores: new Float32Array(table.rows),
    token: new Float64Array(L.d),
    z: new Float64Array(L.d),
    f: newForward(L),
    sample: new Int32Array(o.negatives),
    sampleTokens: new Float64Array(table.rows - 1 <= o.fullSoftmaxMax ? 0 : o.negatives * L.d),
    weights: table.addWeighted ? new Float64Array(table.rows) : null,
  };
}

function lossGradImpl(
  L: Layout,
  params: ArrayLike<number>,
  table: TokenSource,
  examples: AdapterExample[],
  grad: Float64Array | null,
  o: ResolvedAdapterOptions,
  seed: number,
  sc: Scratch,
): number {
  const { d } = L;
  const rows = table.rows;
  if (table.dim !== d) throw new InvalidArgumentError(`table dim ${table.dim} != adapter dim ${d}`);
  if (rows < 2) throw new InvalidArgumentError('table has no items');
  const full = rows - 1 <= o.fullSoftmaxMax;
  const correction = full ? 0 : Math.log((rows - 1) / o.negatives);
  const { f, z, token } = sc;
  if (!full) sampleNegatives(table, o, seed, sc.sample, sc.sampleTokens);
  let total = 0;
  const inv = 1 / examples.length;
  examples.forEach((ex) => {
    forward(params, L, ex.user, ex.gate, f);
    z.fill(0);
    let loss: number;
    if (full) {
      const scores = table.scoreAll(f.u2, sc.scores);
      let max = -Infinity;
      for (let j = 1; j < rows; j++) if (scores[j]! > max) max = scores[j]!;
      let sum = 0;
      for (let j = 1; j < rows; j++) sum += Math.exp(scores[j]! - max);
      const lse = max + Math.log(sum);
      loss = lse - scores[ex.target]!;
      if (grad) {
        // z = Σ_j p_j token_j - token_target (probabilities below 1e-12 are dropped)
        const w = sc.weights;
        if (w && table.addWeighted) {
          w[0] = 0;
          for (let j = 1; j < rows; j++) {
            const p = Math.exp(scores[j]! - lse);
            w[j] = p < 1e-12 ? 0 : p;
          }
          table.addWeighted(w, z);
        } else {
          for (let j = 1; j < rows; j++) {
            const p = Math.exp(scores[j]! - lse);
            if (p < 1e-12) continue;
            table.tokenInto(j, token);
            for (let x = 0; x < d; x++) z[x] = z[x]! + p * token[x]!;
          }
        }
      }
    } else {
      // classes: the target, then the step's shared negatives (minus the target if drawn)
      const M = o.negatives;
      const S = sc.sample,
        T = sc.sampleTokens;
      const logits = new Float64Array(M + 1);
      table.tokenInto(ex.target, token);
      let t0 = 0;
      for (let x = 0; x < d; x++) t0 += token[x]! * f.u2[x]!;
      logits[0] = t0;
      let max = t0;
      for (let i = 0; i < M; i++) {
        if (S[i] === ex.target) {
          logits[i + 1] = -Infinity;
          continue;
        }
        let acc = 0;
        const off = i * d;
        for (let x = 0; x < d; x++) acc += T[off + x]! * f.u2[x]!;
        logits[i + 1] = acc + correction;
        if (logits[i + 1]! > max) max = logits[i + 1]!;
      }
      let sum = 0;
      for (let i = 0; i <= M; i++) sum += Math.exp(logits[i]! - max);
      const lse = max + Math.log(sum);
      loss = lse - logits[0]!;
      if (grad) {
        const p0 = Math.exp(logits[0]! - lse);
        for (let x = 0; x < d; x++) z[x] = z[x]! + p0 * token[x]!;
        for (let i = 0; i < M; i++) {
          const p = Math.exp(logits[i + 1]! - lse);
          if (p < 1e-12) continue;
          const off = i * d;
          for (let x = 0; x < d; x++) z[x] = z[x]! + p * T[off + x]!;
        }
      }
    }
    if (grad) {
      table.tokenInto(ex.target, token);
      for (let x = 0; x < d; x++) z[x] = (z[x]! - token[x]!) * inv;
      backward(L, params, ex.user, f, z, grad);
    }
    total += loss;
  });
  return total * inv;
}

/** Adds dL/dparams for one example into grad, given z = dL/du'. */
function backward(
  L: Layout,
  params: ArrayLike<number>,
  user: ArrayLike<number>,
  f: Forward,
  z: Float64Array,
  grad: Float64Array,
): void {
  const { d, K, r } = L;
  for (let x = 0; x < d; x++) grad[L.delta + x] = grad[L.delta + x]! + z[x]!;
  const dg = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const base = k * d * r;
    const gk = f.g[k]!;
    let dot = 0;
    for (let x = 0; x < d; x++) dot += z[x]! * f.a[k * d + x]!;
    dg[k] = dot;
    for (let j = 0; j < r; j++) {
      const hkj = f.h[k * r + j]!;
      // dh_kj = g_k Σ_x U_k[x,j] z_x
      let dh = 0;
      for (let x = 0; x < d; x++) {
        const idx = base + x * r + j;
        grad[L.U + idx] = grad[L.U + idx]! + gk * z[x]! * hkj;
        dh += params[L.U + idx]! * z[x]!;
      }
      dh *= gk;
      for (let x = 0; x < d; x++) {
        const idx = base + x * r + j;
        grad[L.V + idx] = grad[L.V + idx]! + user[x]! * dh;
      }
    }
  }
  // b through the softmax: db_k = g_k (dg_k - Σ_m g_m dg_m)
  let mean = 0;
  for (let k = 0; k < K; k++) mean += f.g[k]! * dg[k]!;
  for (let k = 0; k < K; k++) grad[L.b + k] = grad[L.b + k]! + f.g[k]! * (dg[k]! - mean);
}

/** The examples currently in the replay window, oldest first. */
function windowExamples(s: AdapterState): AdapterExample[] {
  const d = s.dim,
    K = s.experts;
  const ex = s.examples;
  const out: AdapterExample[] = [];
  for (let i = 0; i < ex.count; i++) {
    out.push({
      user: ex.user.subarray(i * d, (i + 1) * d),
      gate: ex.gate.subarray(i * K, (i + 1) * K),
      target: ex.target[i]!,
    });
  }
  return out;
}

/**
 * Learns from one interaction: appends the example to the replay window (dropping the oldest)
 * and takes `steps` clipped SGD steps on the window's mean cross-entropy, with the shipped
 * weights frozen. Mutates `s` only if the result is finite; returns what happened. `measure`
 * also computes the loss after the steps (one more pass over the window; for tests and tools).
 */
export function learn(
  s: AdapterState,
  table: TokenSource,
  example: AdapterExample,
  options?: AdapterOptions,
  now = 0,
  measure = false,
): LearnResult {
  const o = resolve(options);
  const L = layoutOf(s);
  checkVec(example.user, L.d, 'example user');
  checkVec(example.gate, L.K, 'example gate');
  if (!(Number.isInteger(example.target) && example.target >= 1 && example.target < table.rows)) {
    throw new InvalidArgumentError(`example target ${example.target} is out of range 1..${table.rows - 1}`);
  }
  if (table.dim !== L.d) throw new InvalidArgumentError(`table dim ${table.dim} != adapter dim ${L.d}`);

  // the window after this example (copies: nothing is stored unless the update is accepted)
  const W = s.examples.target.length;
  const count = Math.min(W, s.examples.count + 1);
  const user = new Float32Array(W * L.d);
  const gate = new Float32Array(W * L.K);
  const target = new Int32Array(W);
  const keep = count - 1; // old examples kept
  const from = s.examples.count - keep;
  user.set(s.examples.user.subarray(from * L.d, s.examples.count * L.d));
  gate.set(s.examples.gate.subarray(from * L.K, s.examples.count * L.K));
  target.set(s.examples.target.subarray(from, s.examples.count));
  user.set(Float32Array.from(example.user), keep * L.d);
  gate.set(Float32Array.from(example.gate), keep * L.K);
  target[keep] = example.target;
  const next: AdapterState = { ...s, examples: { user, gate, target, count } };
  const examples = windowExamples(next);

  const params = Float64Array.from(s.params);
  const init = initialV(L.d, L.K, L.r);
  const grad = new Float64Array(L.size);
  const sc = scratch(L, table, o);
  let lossBefore = NaN;
  let gradNorm = NaN;
  for (let step = 0; step < o.steps; step++) {
    grad.fill(0);
    const loss = lossGradImpl(L, params, table, examples, grad, o, s.updates * 131 + step, sc);
    if (step === 0) lossBefore = loss;
    // weight decay towards the fresh adapter
    for (let i = 0; i < L.V; i++) grad[i] = grad[i]! + o.l2 * params[i]!;
    for (let i = L.V; i < L.size; i++) grad[i] = grad[i]! + o.l2 * (params[i]! - init[i - L.V]!);
    let n2 = 0;
    for (let i = 0; i < L.size; i++) n2 += grad[i]! * grad[i]!;
    const norm = Math.sqrt(n2);
    if (step === 0) gradNorm = norm;
    if (!Number.isFinite(norm)) break;
    const scale = norm > o.clip ? o.clip / norm : 1;
    for (let i = 0; i < L.size; i++) params[i] = params[i]! - o.lr * scale * grad[i]!;
    project(params, L, o);
  }
  const steps = o.steps;
  const lossAfter = !measure
    ? NaN
    : steps > 0 && Number.isFinite(gradNorm)
      ? lossGradImpl(L, params, table, examples, null, o, s.updates * 131 + steps, sc)
      : lossBefore;
  const stored = Float32Array.from(params);
  if (!allFinite(stored) || !Number.isFinite(gradNorm)) {
    return { accepted: false, lossBefore, lossAfter, gradNorm };
  }
  s.params = stored;
  s.examples = next.examples;
  s.updates += 1;
  s.updatedAt = now;
  return { accepted: true, lossBefore, lossAfter, gradNorm };
}

/** Norm limits: |b_k| ≤ maxBias, ||δ|| ≤ maxNorm, ||U_k||_F ≤ maxNorm. */
function project(p: Float64Array, L: Layout, o: ResolvedAdapterOptions): void {
  for (let k = 0; k < L.K; k++) p[L.b + k] = Math.max(-o.maxBias, Math.min(o.maxBias, p[L.b + k]!));
  const clampNorm = (from: number, n: number): void => {
    let s = 0;
    for (let i = 0; i < n; i++) s += p[from + i]! * p[from + i]!;
    const norm = Math.sqrt(s);
    if (norm > o.maxNorm) for (let i = 0; i < n; i++) p[from + i] = p[from + i]! * (o.maxNorm / norm);
  };
  clampNorm(L.delta, L.d);
  for (let k = 0; k < L.K; k++) clampNorm(L.U + k * L.d * L.r, L.d * L.r);
}

/** Summary for the "Your data" panel. */
export function describeAdapter(s: AdapterState): {
  bytes: number;
  updates: number;
  updatedAt: number;
  gateBias: number[];
  offsetNorm: number;
} {
  const L = layoutOf(s);
  let n = 0;
  for (let x = 0; x < L.d; x++) n += s.params[L.delta + x]! ** 2;
  return {
    bytes: adapterBytes(s),
    updates: s.updates,
    updatedAt: s.updatedAt,
    gateBias: Array.from(s.params.subarray(L.b, L.b + L.K)),
    offsetNorm: Math.sqrt(n),
  };
}
