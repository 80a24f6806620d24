/**
 * A WebAssembly SIMD kernel for the hot loop of an int8 item table:
 * out[j] = scale[j] · Σ_k q[j, k] · user[k] for every row j.
 *
 * In JavaScript this loop is one multiply-add per byte (Beauty: 54,542 × 64 per call, most of a
 * personalised recommend()). Here each 16 bytes of a row are widened to four float32 vectors and
 * multiplied with the user vector four lanes at a time. The module is ~250 bytes, written below
 * byte by byte (no toolchain, no file to fetch), compiled synchronously, and holds its own copy of
 * the table in its linear memory. Where WebAssembly SIMD is missing (or a page's CSP forbids
 * compiling WebAssembly) `Int8Scorer.create` returns null and the caller keeps its JavaScript loop.
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// instructions
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32c = (v: number) => [0x41, v]; // small non-negative constants only (< 64)
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const v128load = (offset: number) => simd(0x00, 0, ...uleb(offset)); // align hint 1 byte
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const I32_LT_U = 0x49;
const F32_ADD = 0x92;
const F32_MUL = 0x94;
const F32_LOAD = [0x2a, 2, 0];
const F32_STORE = [0x38, 2, 0];
const I16X8_EXTEND_LOW_I8X16_S = simd(0x87);
const I16X8_EXTEND_HIGH_I8X16_S = simd(0x88);
const I32X4_EXTEND_LOW_I16X8_S = simd(0xa7);
const I32X4_EXTEND_HIGH_I16X8_S = simd(0xa8);
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const F32X4_CONVERT_I32X4_S = simd(0xfa);
const lane = (i: number) => simd(0x1f, i);

// score(q, s, u, out, rows, dim): params 0..5; locals j k p (i32), acc v w (v128)
const [Q, S, U, OUT, ROWS, DIM, J, K, P, ACC, V, W] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** acc += float(widen(w half)) · u[k + 4·part .. +4], part 0..3 of the 16 bytes at q[p + k]. */
function madd(extend: number[], part: number): number[] {
  return [
    ...get(ACC),
    ...get(W),
    ...extend,
    ...F32X4_CONVERT_I32X4_S,
    ...get(U),
    ...get(K),
    ...i32c(2),
    I32_SHL,
    I32_ADD,
    ...v128load(16 * part),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(ACC),
  ];
}

function moduleBytes(pages: number): Uint8Array<ArrayBuffer> {
  const body = [
    ...get(Q),
    ...set(P),
    0x02,
    0x40, // block
    0x03,
    0x40, // loop over rows
    ...get(J),
    ...get(ROWS),
    I32_GE_U,
    0x0d,
    1, // br_if out of the block
    ...simd(0x0c, ...new Array<number>(16).fill(0)),
    ...set(ACC),
    ...i32c(0),
    ...set(K),
    0x03,
    0x40, // loop over 16-byte chunks of the row
    ...get(P),
    ...get(K),
    I32_ADD,
    ...v128load(0),
    ...set(V),
    ...get(V),
    ...I16X8_EXTEND_LOW_I8X16_S,
    ...set(W),
    ...madd(I32X4_EXTEND_LOW_I16X8_S, 0),
    ...madd(I32X4_EXTEND_HIGH_I16X8_S, 1),
    ...get(V),
    ...I16X8_EXTEND_HIGH_I8X16_S,
    ...set(W),
    ...madd(I32X4_EXTEND_LOW_I16X8_S, 2),
    ...madd(I32X4_EXTEND_HIGH_I16X8_S, 3),
    ...get(K),
    ...i32c(16),
    I32_ADD,
    ...tee(K),
    ...get(DIM),
    I32_LT_U,
    0x0d,
    0, // br_if: next chunk
    0x0b, // end chunk loop
    // out[j] = (acc0 + acc1 + acc2 + acc3) · s[j]
    ...get(OUT),
    ...get(J),
    ...i32c(2),
    I32_SHL,
    I32_ADD,
    ...get(ACC),
    ...lane(0),
    ...get(ACC),
    ...lane(1),
    F32_ADD,
    ...get(ACC),
    ...lane(2),
    F32_ADD,
    ...get(ACC),
    ...lane(3),
    F32_ADD,
    ...get(S),
    ...get(J),
    ...i32c(2),
    I32_SHL,
    I32_ADD,
    ...F32_LOAD,
    F32_MUL,
    ...F32_STORE,
    ...get(P),
    ...get(DIM),
    I32_ADD,
    ...set(P),
    ...get(J),
    ...i32c(1),
    I32_ADD,
    ...set(J),
    0x0c,
    0, // br: next row
    0x0b, // end row loop
    0x0b, // end block
    0x0b, // end function
  ];
  const locals = vec([
    [3, I32],
    [3, V128],
  ]);
  const code = [...locals, ...body];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0]])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(pages)]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('score'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

export class Int8Scorer {
  private constructor(
    private readonly run: (q: number, s: number, u: number, out: number, rows: number, dim: number) => void,
    private readonly userView: Float32Array,
    private readonly outView: Float32Array,
    private readonly ptr: { q: number; s: number; u: number; out: number },
    readonly rows: number,
    readonly dim: number,
  ) {}

  /**
   * A scorer over a copy of `q` (int8 [rows, dim]) and `scale` (float32 [rows]), or null when
   * `dim` is not a multiple of 16 or WebAssembly SIMD cannot be compiled here.
   */
  static create(q: Int8Array, scale: Float32Array, rows: number, dim: number): Int8Scorer | null {
    if (dim % 16 !== 0 || rows < 1 || q.length < rows * dim || scale.length < rows) return null;
    const ptr = { q: 0, s: align16(rows * dim), u: 0, out: 0 };
    ptr.u = align16(ptr.s + rows * 4);
    ptr.out = align16(ptr.u + dim * 4);
    const pages = Math.ceil((ptr.out + rows * 4) / 65536);
    try {
      const bytes = moduleBytes(pages);
      if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
      const mem = new WebAssembly.Memory({ initial: pages });
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } });
      new Int8Array(mem.buffer, ptr.q, rows * dim).set(q.subarray(0, rows * dim));
      new Float32Array(mem.buffer, ptr.s, rows).set(scale.subarray(0, rows));
      const run = inst.exports.score as (
        q: number,
        s: number,
        u: number,
        out: number,
        rows: number,
        dim: number,
      ) => void;
      return new Int8Scorer(
        run,
        new Float32Array(mem.buffer, ptr.u, dim),
        new Float32Array(mem.buffer, ptr.out, rows),
        ptr,
        rows,
        dim,
      );
    } catch {
      return null; // no WebAssembly, a CSP without 'wasm-unsafe-eval', out of memory
    }
  }

  /** out[j] = scale[j] · dot(q[j], user) for j in [0, rows) (float32 arithmetic). */
  score(user: ArrayLike<number>, out: Float32Array): void {
    for (let k = 0; k < this.dim; k++) this.userView[k] = user[k]!;
    this.run(this.ptr.q, this.ptr.s, this.ptr.u, this.ptr.out, this.rows, this.dim);
    out.set(this.outView);
  }
}
