/**
 * The item-token table of `items.bin` (docs/model-format.md). Two layouts:
 * - `int8`: int8 [rows, dim] row-major plus float32 per-row scales; token_j = q[j,:] * scale[j];
 * - `pq`: product-quantised codes (src/core/pq.ts), for large catalogues; scored by asymmetric
 *   distance computation without decoding a token.
 * Items added in the page are appended as float32 tokens (from encoder.onnx) and scored the same
 * way: score_j = dot(user, token_j).
 */
import { InvalidArgumentError, ModelFormatError } from './errors';
import type { ModelManifest } from './manifest-types';
import { PqCodes } from './pq';
import { Int8Scorer } from './simd';
import { topK, type Scored } from './rank';

export type ItemTableSpec = ModelManifest['itemTable'];

/** int8 tables with at least this many rows are scored by the WebAssembly SIMD kernel (src/core/simd.ts) */
export const SIMD_MIN_ROWS = 1024;

export class ItemTable {
  /** columns of a token */
  readonly dim: number;
  /** rows that come from items.bin (itemCount + 1, row 0 = pad) */
  readonly baseRows: number;
  private readonly q: Int8Array;
  private readonly scale: Float32Array;
  private extra: Float32Array;
  private extraRows = 0;
  private norms: Float32Array | null = null;
  /** the base rows when the table is product-quantised (then q and scale are empty) */
  private readonly pq: PqCodes | null;
  /** the WebAssembly SIMD kernel over the int8 base rows (made on first use; null where unavailable) */
  private simd: Int8Scorer | null | undefined;

  private constructor(q: Int8Array, scale: Float32Array, rows: number, dim: number, pq: PqCodes | null = null) {
    this.q = q;
    this.scale = scale;
    this.pq = pq;
    this.baseRows = rows;
    this.dim = dim;
    this.extra = new Float32Array(0);
  }

  /**
   * Reads the table from the bytes of items.bin, in the layout `spec.dtype` says (int8 or pq).
   * Copies nothing but the float parts (scales, codebooks).
   */
  static fromBytes(bytes: Uint8Array, spec: ItemTableSpec): ItemTable {
    const { rows, dim, dataOffset } = spec;
    if (spec.dtype === 'pq') {
      const { subspaces, codebookOffset } = spec;
      if (subspaces === undefined || codebookOffset === undefined)
        throw new ModelFormatError('items.bin: a pq table needs subspaces and codebookOffset');
      const pq = PqCodes.fromBytes(bytes, {
        rows,
        dim,
        subspaces,
        dataOffset,
        codebookOffset,
        ...(spec.scaleOffset !== undefined ? { scaleOffset: spec.scaleOffset } : {}),
        ...(spec.exactRows !== undefined
          ? { exactRows: spec.exactRows, exactOffset: spec.exactOffset!, exactScaleOffset: spec.exactScaleOffset! }
          : {}),
      });
      return new ItemTable(new Int8Array(0), new Float32Array(0), rows, dim, pq);
    }
    if (spec.dtype !== 'int8')
      throw new ModelFormatError(`items.bin: dtype ${String(spec.dtype)} is not supported (int8 or pq)`);
    const scaleOffset = spec.scaleOffset;
    if (scaleOffset === undefined) throw new ModelFormatError('items.bin: an int8 table needs scaleOffset');
    if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(dim) && dim >= 1)) {
      throw new ModelFormatError(`items.bin: bad shape [${rows}, ${dim}]`);
    }
    if (dataOffset + rows * dim > bytes.byteLength) {
      throw new ModelFormatError(
        `items.bin: ${bytes.byteLength} bytes, the int8 table needs ${dataOffset + rows * dim}`,
      );
    }
    if (scaleOffset % 4 !== 0 || scaleOffset + rows * 4 > bytes.byteLength) {
      throw new ModelFormatError(
        `items.bin: ${bytes.byteLength} bytes, the scales need ${scaleOffset + rows * 4} (at a multiple of 4)`,
      );
    }
    const q = new Int8Array(bytes.buffer, bytes.byteOffset + dataOffset, rows * dim);
    // scales: copied via DataView (little-endian, independent of the view's alignment)
    const dv = new DataView(bytes.buffer, bytes.byteOffset + scaleOffset, rows * 4);
    const scale = new Float32Array(rows);
    for (let j = 0; j < rows; j++) {
      const s = dv.getFloat32(j * 4, true);
      if (!Number.isFinite(s)) throw new ModelFormatError(`items.bin: scale of row ${j} is not finite`);
      scale[j] = s;
    }
    return new ItemTable(q, scale, rows, dim);
  }

  /** 'int8' or 'pq': how the base rows are stored. */
  get dtype(): 'int8' | 'pq' {
    return this.pq ? 'pq' : 'int8';
  }

  /** All rows: base rows + appended rows. Valid indices are 0..rows-1 (0 = pad). */
  get rows(): number {
    return this.baseRows + this.extraRows;
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.rows) {
      throw new InvalidArgumentError(`item index ${index} is out of range 0..${this.rows - 1}`);
    }
  }

  /** The (dequantised) token of a row, a fresh Float32Array of length dim. */
  token(index: number): Float32Array {
    const out = new Float32Array(this.dim);
    this.tokenInto(index, out);
    return out;
  }

  /** Writes the (dequantised) token of a row into out[0..dim), allocation-free. */
  tokenInto(index: number, out: Float32Array | Float64Array): void {
    this.check(index);
    const d = this.dim;
    if (index < this.baseRows && this.pq) {
      this.pq.tokenInto(index, out);
    } else if (index < this.baseRows) {
      const s = this.scale[index]!;
      const o = index * d;
      for (let k = 0; k < d; k++) out[k] = this.q[o + k]! * s;
    } else {
      const o = (index - this.baseRows) * d;
      for (let k = 0; k < d; k++) out[k] = this.extra[o + k]!;
    }
  }

  /**
   * out[x] += Σ_j weights[j] · token_j[x] over every row j with weights[j] !== 0 (the adapter's
   * softmax gradient, src/core/adapter.ts). `weights` must have `rows` entries.
   */
  addWeighted(weights: ArrayLike<number>, out: Float64Array): void {
    const d = this.dim;
    if (weights.length < this.rows)
      throw new InvalidArgumentError(`weights has ${weights.length} entries, needs ${this.rows}`);
    const q = this.q;
    if (this.pq) {
      // decode each weighted row (the pq table has no int8 rows to read)
      const t = new Float64Array(d);
      for (let j = 0; j < this.baseRows; j++) {
        const w = weights[j]!;
        if (w === 0) continue;
        this.pq.tokenInto(j, t);
        for (let k = 0; k < d; k++) out[k] = out[k]! + w * t[k]!;
      }
    } else {
      for (let j = 0; j < this.baseRows; j++) {
        const w = weights[j]!;
        if (w === 0) continue;
        const ws = w * this.scale[j]!;
        const o = j * d;
        for (let k = 0; k < d; k++) out[k] = out[k]! + ws * q[o + k]!;
      }
    }
    const e = this.extra;
    for (let j = 0; j < this.extraRows; j++) {
      const w = weights[this.baseRows + j]!;
      if (w === 0) continue;
      const o = j * d;
      for (let k = 0; k < d; k++) out[k] = out[k]! + w * e[o + k]!;
    }
  }

  /** The per-row scale of a base row (1 for appended rows and PQ tables without scales; an exact row's int8 scale). */
  scaleOf(index: number): number {
    this.check(index);
    if (index >= this.baseRows) return 1;
    if (this.pq) {
      const s = this.pq.scale ? this.pq.scale[index]! : 1;
      return s < 0 && this.pq.exact ? this.pq.exact.scale[-s - 1]! : s;
    }
    return this.scale[index]!;
  }

  /**
   * scores[j] = dot(user, token_j) for every row j (row 0, the pad, scores 0).
   * `out`, when given, must have at least `rows` entries. Large int8 tables are scored by the
   * WebAssembly SIMD kernel (float32 sums; the JavaScript loop sums in float64, so the two agree
   * to float32 rounding), pq tables by asymmetric distance computation.
   */
  scoreAll(user: ArrayLike<number>, out?: Float32Array): Float32Array {
    const d = this.dim;
    if (user.length !== d)
      throw new InvalidArgumentError(`user vector has ${user.length} entries, the table has dim ${d}`);
    const rows = this.rows;
    if (out && out.length < rows) throw new InvalidArgumentError(`output has ${out.length} entries, needs ${rows}`);
    const res = out ?? new Float32Array(rows);
    const u = user instanceof Float64Array ? user : Float64Array.from(user as ArrayLike<number>);
    const q = this.q;
    if (this.simd === undefined)
      this.simd =
        !this.pq && this.baseRows >= SIMD_MIN_ROWS ? Int8Scorer.create(q, this.scale, this.baseRows, d) : null;
    if (this.pq) this.pq.scoreInto(u, res);
    else if (this.simd) this.simd.score(u, res.subarray(0, this.baseRows));
    else
      for (let j = 0; j < this.baseRows; j++) {
        let acc = 0;
        const o = j * d;
        for (let k = 0; k < d; k++) acc += q[o + k]! * u[k]!;
        res[j] = acc * this.scale[j]!;
      }
    const e = this.extra;
    for (let j = 0; j < this.extraRows; j++) {
      let acc = 0;
      const o = j * d;
      for (let k = 0; k < d; k++) acc += e[o + k]! * u[k]!;
      res[this.baseRows + j] = acc;
    }
    return res;
  }

  /**
   * Appends float32 tokens (items added in the page); they get row indices rows, rows+1, ...
   * Returns the new indices.
   */
  append(tokens: Float32Array[]): number[] {
    const d = this.dim;
    tokens.forEach((t, i) => {
      if (!(t instanceof Float32Array) || t.length !== d)
        throw new InvalidArgumentError(`token ${i} must be a Float32Array of length ${d}`);
      for (let k = 0; k < d; k++)
        if (!Number.isFinite(t[k]!)) throw new InvalidArgumentError(`token ${i} has a non-finite value`);
    });
    const need = (this.extraRows + tokens.length) * d;
    if (need > this.extra.length) {
      const grown = new Float32Array(Math.max(need, this.extra.length * 2));
      grown.set(this.extra.subarray(0, this.extraRows * d));
      this.extra = grown;
    }
    const first = this.rows;
    for (const [i, t] of tokens.entries()) this.extra.set(t, (this.extraRows + i) * d);
    this.extraRows += tokens.length;
    this.norms = null;
    return tokens.map((_, i) => first + i);
  }

  /** Replaces the token of an appended row (an item re-added with new content). */
  replace(index: number, token: Float32Array): void {
    this.check(index);
    if (index < this.baseRows)
      throw new InvalidArgumentError(`row ${index} comes from items.bin and cannot be replaced`);
    if (!(token instanceof Float32Array) || token.length !== this.dim)
      throw new InvalidArgumentError(`token must be a Float32Array of length ${this.dim}`);
    this.extra.set(token, (index - this.baseRows) * this.dim);
    this.norms = null;
  }

  private getNorms(): Float32Array {
    if (this.norms && this.norms.length === this.rows) return this.norms;
    const d = this.dim;
    const n = new Float32Array(this.rows);
    if (this.pq) this.pq.norms(n);
    else
      for (let j = 0; j < this.baseRows; j++) {
        let acc = 0;
        const o = j * d;
        for (let k = 0; k < d; k++) acc += this.q[o + k]! * this.q[o + k]!;
        n[j] = Math.sqrt(acc) * Math.abs(this.scale[j]!);
      }
    for (let j = 0; j < this.extraRows; j++) {
      let acc = 0;
      const o = j * d;
      for (let k = 0; k < d; k++) acc += this.extra[o + k]! * this.extra[o + k]!;
      n[this.baseRows + j] = Math.sqrt(acc);
    }
    this.norms = n;
    return n;
  }

  /**
   * For each row of `targets`, the row of `among` whose token is most similar to it (cosine), or -1
   * when no row of `among` (or the target) has a non-zero token. Ties go to the row later in
   * `among`. `among` is decoded once for all targets.
   */
  nearest(targets: readonly number[], among: readonly number[]): number[] {
    // only the rows involved are decoded (the table's norms would decode every row of a pq table)
    const d = this.dim;
    const m = new Float32Array(among.length * d); // rows of `among`, unit length
    const live = new Uint8Array(among.length); // 1 where the row has a non-zero token
    const row = new Float32Array(d);
    const unit = (): boolean => {
      let s = 0;
      for (let x = 0; x < d; x++) s += row[x]! * row[x]!;
      const n = Math.sqrt(s);
      if (!(n > 0)) return false;
      for (let x = 0; x < d; x++) row[x] = row[x]! / n;
      return true;
    };
    among.forEach((j, a) => {
      this.tokenInto(j, row);
      if (unit()) {
        m.set(row, a * d);
        live[a] = 1;
      }
    });
    return targets.map((t) => {
      this.tokenInto(t, row);
      if (!unit()) return -1;
      let best = -1;
      let bestDot = -Infinity;
      for (let a = among.length - 1; a >= 0; a--) {
        if (!live[a]) continue;
        let dot = 0;
        const o = a * d;
        for (let x = 0; x < d; x++) dot += row[x]! * m[o + x]!;
        if (dot > bestDot) {
          bestDot = dot;
          best = among[a]!;
        }
      }
      return best;
    });
  }

  /**
   * The k rows most similar to row `index` by **cosine similarity** of their tokens, best
   * first (ties by lower index). Never returns `index` itself, the pad row 0, rows with a
   * zero token, or rows in `exclude`.
   */
  similar(index: number, k: number, exclude?: ReadonlySet<number>): Scored[] {
    this.check(index);
    if (index === 0) return [];
    const norms = this.getNorms();
    const q = this.token(index);
    const qn = norms[index]!;
    if (!(qn > 0)) return [];
    const scores = this.scoreAll(q);
    for (let j = 0; j < scores.length; j++) {
      const nj = norms[j]!;
      scores[j] = nj > 0 ? scores[j]! / (qn * nj) : NaN;
    }
    scores[index] = NaN;
    return topK(scores, k, { from: 1, ...(exclude ? { exclude } : {}) });
  }
}
