/**
 * Product-quantised item tokens (docs/model-format.md, `itemTable.dtype: "pq"`).
 *
 * A token of `dim` floats is split into M subspaces of `dim / M` floats; each subspace is
 * replaced by the index (one byte) of the nearest of 256 centroids of that subspace's codebook.
 * token_j ≈ concat_m codebook[m][codes[j, m]] (times scale[j] when the table has per-row scales).
 *
 * Scoring is asymmetric distance computation: per request one lookup table
 * lut[m, c] = dot(user_m, codebook[m][c]) (M × 256 dot products of dim / M), then one pass over
 * the codes, score_j = Σ_m lut[m, codes[j, m]] — M table reads and adds per item, no token is
 * ever decoded and nothing of size rows × dim is materialised.
 *
 * Exact rows (optional; a mixed-precision table): a few rows — the most popular items — keep their
 * int8 token (int8 [E, dim] + float32 scale [E]). Such a row is marked by a negative per-row scale,
 * scale_j = -(slot + 1); its PQ codes are ignored. Scoring runs the ADC pass over every row, then
 * rescores the E exact rows with their int8 tokens.
 */
import { InvalidArgumentError, ModelFormatError } from './errors';

export const PQ_CENTROIDS = 256;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface PqSpec {
  rows: number;
  dim: number;
  /** M */
  subspaces: number;
  /** byte offset of the uint8 codes [rows, M] */
  dataOffset: number;
  /** byte offset (multiple of 4) of the float32 codebooks [M, 256, dim / M] */
  codebookOffset: number;
  /** byte offset (multiple of 4) of float32 per-row scales [rows], when present */
  scaleOffset?: number;
  /** number of exact rows E (needs scaleOffset) */
  exactRows?: number;
  /** byte offset of their int8 tokens [E, dim] */
  exactOffset?: number;
  /** byte offset (multiple of 4) of their float32 scales [E] */
  exactScaleOffset?: number;
}

/** The int8 rows of a mixed-precision table. */
export interface PqExact {
  /** int8 [E, dim] */
  q: Int8Array;
  /** float32 [E] */
  scale: Float32Array;
  /** row index of each slot [E] */
  row: Int32Array;
}

export class PqCodes {
  readonly rows: number;
  readonly dim: number;
  readonly subspaces: number;
  /** dim / subspaces */
  readonly sub: number;
  readonly codes: Uint8Array;
  /** [M, 256, sub] */
  readonly codebook: Float32Array;
  readonly scale: Float32Array | null;
  readonly exact: PqExact | null;
  private readonly lut: Float32Array;

  constructor(
    codes: Uint8Array,
    codebook: Float32Array,
    scale: Float32Array | null,
    rows: number,
    dim: number,
    subspaces: number,
    exact: { q: Int8Array; scale: Float32Array } | null = null,
  ) {
    if (!(Number.isInteger(subspaces) && subspaces >= 1 && dim % subspaces === 0)) {
      throw new ModelFormatError(`pq: dim ${dim} is not a multiple of ${subspaces} subspaces`);
    }
    if (codes.length !== rows * subspaces)
      throw new ModelFormatError(`pq: ${codes.length} codes, expected ${rows * subspaces}`);
    if (codebook.length !== subspaces * PQ_CENTROIDS * (dim / subspaces))
      throw new ModelFormatError('pq: codebook has the wrong size');
    if (scale && scale.length !== rows) throw new ModelFormatError('pq: scales have the wrong size');
    this.rows = rows;
    this.dim = dim;
    this.subspaces = subspaces;
    this.sub = dim / subspaces;
    this.codes = codes;
    this.codebook = codebook;
    this.scale = scale;
    this.lut = new Float32Array(subspaces * PQ_CENTROIDS);
    this.exact = exact ? PqCodes.exactRows(exact, scale, rows, dim) : null;
  }

  /** Maps each exact slot to its row (scale_j = -(slot + 1)); every slot used exactly once, every other scale ≥ 0. */
  private static exactRows(
    exact: { q: Int8Array; scale: Float32Array },
    scale: Float32Array | null,
    rows: number,
    dim: number,
  ): PqExact {
    const E = exact.scale.length;
    if (!scale) throw new ModelFormatError('pq: exact rows need per-row scales');
    if (exact.q.length !== E * dim)
      throw new ModelFormatError(`pq: ${exact.q.length} exact int8 values, expected ${E * dim}`);
    const row = new Int32Array(E).fill(-1);
    for (let j = 0; j < rows; j++) {
      const s = scale[j]!;
      if (s >= 0) continue;
      const slot = -s - 1;
      if (!Number.isInteger(slot) || slot >= E)
        throw new ModelFormatError(`pq: row ${j} has scale ${s}, not an exact-row mark -(slot + 1) with slot < ${E}`);
      if (row[slot] !== -1) throw new ModelFormatError(`pq: rows ${row[slot]} and ${j} share exact slot ${slot}`);
      row[slot] = j;
    }
    const unused = row.indexOf(-1);
    if (unused >= 0) throw new ModelFormatError(`pq: exact slot ${unused} belongs to no row`);
    return { q: exact.q, scale: exact.scale, row };
  }

  /** Reads the PQ table from the bytes of items.bin (the codes are a view, the floats copied). */
  static fromBytes(bytes: Uint8Array, spec: PqSpec): PqCodes {
    const { rows, dim, subspaces: m, dataOffset, codebookOffset, scaleOffset, exactRows } = spec;
    if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(dim) && dim >= 1))
      throw new ModelFormatError(`items.bin: bad shape [${rows}, ${dim}]`);
    if (!(Number.isInteger(m) && m >= 1 && dim % m === 0))
      throw new ModelFormatError(`items.bin: subspaces ${m} must divide dim ${dim}`);
    const sub = dim / m;
    if (!(Number.isInteger(dataOffset) && dataOffset >= 0) || dataOffset + rows * m > bytes.byteLength) {
      throw new ModelFormatError(`items.bin: ${bytes.byteLength} bytes, the PQ codes need ${dataOffset + rows * m}`);
    }
    const cbLen = m * PQ_CENTROIDS * sub;
    if (
      !Number.isInteger(codebookOffset) ||
      codebookOffset % 4 !== 0 ||
      codebookOffset + cbLen * 4 > bytes.byteLength
    ) {
      throw new ModelFormatError(
        `items.bin: ${bytes.byteLength} bytes, the PQ codebooks need ${codebookOffset + cbLen * 4} (at a multiple of 4)`,
      );
    }
    const codes = new Uint8Array(bytes.buffer, bytes.byteOffset + dataOffset, rows * m);
    const codebook = readF32(bytes, codebookOffset, cbLen, 'codebook');
    let scale: Float32Array | null = null;
    if (scaleOffset !== undefined) {
      if (!Number.isInteger(scaleOffset) || scaleOffset % 4 !== 0 || scaleOffset + rows * 4 > bytes.byteLength) {
        throw new ModelFormatError(
          `items.bin: ${bytes.byteLength} bytes, the PQ scales need ${scaleOffset + rows * 4} (at a multiple of 4)`,
        );
      }
      scale = readF32(bytes, scaleOffset, rows, 'scale');
    }
    let exact: { q: Int8Array; scale: Float32Array } | null = null;
    if (exactRows !== undefined) {
      const { exactOffset, exactScaleOffset } = spec;
      if (
        !(Number.isInteger(exactRows) && exactRows >= 1) ||
        exactOffset === undefined ||
        exactScaleOffset === undefined
      ) {
        throw new ModelFormatError('items.bin: exact rows need exactRows ≥ 1, exactOffset and exactScaleOffset');
      }
      if (!(Number.isInteger(exactOffset) && exactOffset >= 0) || exactOffset + exactRows * dim > bytes.byteLength) {
        throw new ModelFormatError(
          `items.bin: ${bytes.byteLength} bytes, the exact rows need ${exactOffset + exactRows * dim}`,
        );
      }
      if (
        !Number.isInteger(exactScaleOffset) ||
        exactScaleOffset % 4 !== 0 ||
        exactScaleOffset + exactRows * 4 > bytes.byteLength
      ) {
        throw new ModelFormatError(
          `items.bin: ${bytes.byteLength} bytes, the exact-row scales need ${exactScaleOffset + exactRows * 4} (at a multiple of 4)`,
        );
      }
      exact = {
        q: new Int8Array(bytes.buffer, bytes.byteOffset + exactOffset, exactRows * dim),
        scale: readF32(bytes, exactScaleOffset, exactRows, 'exact-row scale'),
      };
    }
    return new PqCodes(codes, codebook, scale, rows, dim, m, exact);
  }

  /** Decodes row j into out[0..dim). */
  tokenInto(j: number, out: Float32Array | Float64Array): void {
    const m = this.subspaces,
      sub = this.sub,
      cb = this.codebook;
    const s = this.scale ? this.scale[j]! : 1;
    if (s < 0 && this.exact) {
      const slot = -s - 1;
      const es = this.exact.scale[slot]!;
      const o = slot * this.dim;
      for (let k = 0; k < this.dim; k++) out[k] = this.exact.q[o + k]! * es;
      return;
    }
    const o = j * m;
    for (let x = 0; x < m; x++) {
      const c = (x * PQ_CENTROIDS + this.codes[o + x]!) * sub;
      for (let y = 0; y < sub; y++) out[x * sub + y] = cb[c + y]! * s;
    }
  }

  /** Fills the per-request lookup table lut[m * 256 + c] = dot(user_m, codebook[m][c]). */
  buildLut(user: ArrayLike<number>): Float32Array {
    const m = this.subspaces,
      sub = this.sub,
      cb = this.codebook,
      lut = this.lut;
    for (let x = 0; x < m; x++) {
      const uo = x * sub;
      for (let c = 0; c < PQ_CENTROIDS; c++) {
        const co = (x * PQ_CENTROIDS + c) * sub;
        let acc = 0;
        for (let y = 0; y < sub; y++) acc += user[uo + y]! * cb[co + y]!;
        lut[x * PQ_CENTROIDS + c] = acc;
      }
    }
    return lut;
  }

  /** out[j] = dot(user, token_j) for j in [0, rows), by ADC. */
  scoreInto(user: ArrayLike<number>, out: Float32Array): void {
    if (user.length !== this.dim)
      throw new InvalidArgumentError(`user vector has ${user.length} entries, the table has dim ${this.dim}`);
    const lut = this.buildLut(user);
    adcScan(this.codes, this.subspaces, lut, this.rows, out);
    const s = this.scale;
    if (s) for (let j = 0; j < this.rows; j++) out[j] = out[j]! * s[j]!;
    const ex = this.exact;
    if (ex) {
      const d = this.dim;
      for (let e = 0; e < ex.row.length; e++) {
        let acc = 0;
        const o = e * d;
        for (let k = 0; k < d; k++) acc += ex.q[o + k]! * user[k]!;
        out[ex.row[e]!] = acc * ex.scale[e]!;
      }
    }
  }

  /** |token_j| for every row. */
  norms(out: Float32Array): void {
    const t = new Float64Array(this.dim);
    for (let j = 0; j < this.rows; j++) {
      this.tokenInto(j, t);
      let acc = 0;
      for (let k = 0; k < this.dim; k++) acc += t[k]! * t[k]!;
      out[j] = Math.sqrt(acc);
    }
  }
}

function readF32(bytes: Uint8Array, offset: number, n: number, what: string): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, n * 4);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = dv.getFloat32(i * 4, true);
    if (!Number.isFinite(v)) throw new ModelFormatError(`items.bin: PQ ${what} value ${i} is not finite`);
    out[i] = v;
  }
  return out;
}

/**
 * out[j] = Σ_m lut[m * 256 + codes[j * M + m]] for j in [0, rows). The hot loop of large
 * catalogues: unrolled for the common M = 8, 16 and 32.
 */
export function adcScan(codes: Uint8Array, m: number, lut: Float32Array, rows: number, out: Float32Array): void {
  if (out.length < rows) throw new InvalidArgumentError(`output has ${out.length} entries, needs ${rows}`);
  if (m % 4 === 0 && (codes.byteOffset & 3) === 0 && LITTLE_ENDIAN) {
    // four codes per 32-bit load (fewer loads in the hot loop); little-endian byte order
    const words = new Uint32Array(codes.buffer, codes.byteOffset, (rows * m) >>> 2);
    const wpr = m >>> 2;
    if (wpr === 8) {
      for (let j = 0, o = 0; j < rows; j++, o += 8) {
        let v = words[o]!;
        let acc =
          lut[v & 255]! + lut[256 + ((v >>> 8) & 255)]! + lut[512 + ((v >>> 16) & 255)]! + lut[768 + (v >>> 24)]!;
        v = words[o + 1]!;
        acc +=
          lut[1024 + (v & 255)]! +
          lut[1280 + ((v >>> 8) & 255)]! +
          lut[1536 + ((v >>> 16) & 255)]! +
          lut[1792 + (v >>> 24)]!;
        v = words[o + 2]!;
        acc +=
          lut[2048 + (v & 255)]! +
          lut[2304 + ((v >>> 8) & 255)]! +
          lut[2560 + ((v >>> 16) & 255)]! +
          lut[2816 + (v >>> 24)]!;
        v = words[o + 3]!;
        acc +=
          lut[3072 + (v & 255)]! +
          lut[3328 + ((v >>> 8) & 255)]! +
          lut[3584 + ((v >>> 16) & 255)]! +
          lut[3840 + (v >>> 24)]!;
        v = words[o + 4]!;
        acc +=
          lut[4096 + (v & 255)]! +
          lut[4352 + ((v >>> 8) & 255)]! +
          lut[4608 + ((v >>> 16) & 255)]! +
          lut[4864 + (v >>> 24)]!;
        v = words[o + 5]!;
        acc +=
          lut[5120 + (v & 255)]! +
          lut[5376 + ((v >>> 8) & 255)]! +
          lut[5632 + ((v >>> 16) & 255)]! +
          lut[5888 + (v >>> 24)]!;
        v = words[o + 6]!;
        acc +=
          lut[6144 + (v & 255)]! +
          lut[6400 + ((v >>> 8) & 255)]! +
          lut[6656 + ((v >>> 16) & 255)]! +
          lut[6912 + (v >>> 24)]!;
        v = words[o + 7]!;
        acc +=
          lut[7168 + (v & 255)]! +
          lut[7424 + ((v >>> 8) & 255)]! +
          lut[7680 + ((v >>> 16) & 255)]! +
          lut[7936 + (v >>> 24)]!;
        out[j] = acc;
      }
      return;
    }
    for (let j = 0, o = 0; j < rows; j++) {
      let acc = 0;
      for (let x = 0, b = 0; x < wpr; x++, b += 1024, o++) {
        const v = words[o]!;
        acc +=
          lut[b + (v & 255)]! +
          lut[b + 256 + ((v >>> 8) & 255)]! +
          lut[b + 512 + ((v >>> 16) & 255)]! +
          lut[b + 768 + (v >>> 24)]!;
      }
      out[j] = acc;
    }
    return;
  }
  if (m === 16) {
    for (let j = 0, o = 0; j < rows; j++, o += 16) {
      out[j] =
        lut[codes[o]!]! +
        lut[256 + codes[o + 1]!]! +
        lut[512 + codes[o + 2]!]! +
        lut[768 + codes[o + 3]!]! +
        lut[1024 + codes[o + 4]!]! +
        lut[1280 + codes[o + 5]!]! +
        lut[1536 + codes[o + 6]!]! +
        lut[1792 + codes[o + 7]!]! +
        lut[2048 + codes[o + 8]!]! +
        lut[2304 + codes[o + 9]!]! +
        lut[2560 + codes[o + 10]!]! +
        lut[2816 + codes[o + 11]!]! +
        lut[3072 + codes[o + 12]!]! +
        lut[3328 + codes[o + 13]!]! +
        lut[3584 + codes[o + 14]!]! +
        lut[3840 + codes[o + 15]!]!;
    }
    return;
  }
  if (m % 8 === 0) {
    for (let j = 0, o = 0; j < rows; j++) {
      let acc = 0;
      for (let x = 0, b = 0; x < m; x += 8, b += 2048, o += 8) {
        acc +=
          lut[b + codes[o]!]! +
          lut[b + 256 + codes[o + 1]!]! +
          lut[b + 512 + codes[o + 2]!]! +
          lut[b + 768 + codes[o + 3]!]! +
          lut[b + 1024 + codes[o + 4]!]! +
          lut[b + 1280 + codes[o + 5]!]! +
          lut[b + 1536 + codes[o + 6]!]! +
          lut[b + 1792 + codes[o + 7]!]!;
      }
      out[j] = acc;
    }
    return;
  }
  for (let j = 0, o = 0; j < rows; j++) {
    let acc = 0;
    for (let x = 0; x < m; x++, o++) acc += lut[x * 256 + codes[o]!]!;
    out[j] = acc;
  }
}
