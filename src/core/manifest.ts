/**
 * Parsing and validation of `manifest.json`, and integrity checks of model files
 * (docs/model-format.md). DOM-free: runs in browsers, workers and Node 20.
 */
import { ModelFormatError, ModelIntegrityError } from './errors';
import type { ContentSpec, FileEntry, ModelManifest, TensorSpec } from './manifest-types';

export const SUPPORTED_FORMAT_VERSION = 1;

type Obj = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new ModelFormatError(`manifest: ${path} ${what}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) fail(path, `must be an object, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return typeof v;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function str(o: Obj, key: string, path: string, opts: { nonEmpty?: boolean } = {}): string {
  const v = o[key];
  if (typeof v !== 'string') fail(join(path, key), `must be a string, got ${describe(v)}`);
  if (opts.nonEmpty && v.length === 0) fail(join(path, key), 'must not be empty');
  return v;
}

function int(o: Obj, key: string, path: string, min: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(join(path, key), `must be an integer, got ${describe(v)}`);
  if (v < min) fail(join(path, key), `must be ≥ ${min}, got ${v}`);
  return v;
}

function tensorSpec(v: unknown, path: string, dtypes: TensorSpec['dtype'][]): TensorSpec {
  const o = obj(v, path);
  const name = str(o, 'name', path, { nonEmpty: true });
  const dtype = str(o, 'dtype', path);
  if (!(dtypes as string[]).includes(dtype))
    fail(`${path}.dtype`, `must be one of ${dtypes.join(', ')}, got ${JSON.stringify(dtype)}`);
  const shape = o.shape;
  if (!Array.isArray(shape)) fail(`${path}.shape`, `must be an array, got ${describe(shape)}`);
  shape.forEach((d, i) => {
    if (!(typeof d === 'string' || (typeof d === 'number' && Number.isInteger(d) && d >= 0))) {
      fail(`${path}.shape[${i}]`, `must be a non-negative integer or a dimension name, got ${describe(d)}`);
    }
  });
  return { name, dtype: dtype as TensorSpec['dtype'], shape: shape as (number | string)[] };
}

const SHA256_RE = /^[0-9a-f]{64}$/;

/**
 * The largest model file a page can hold in one ArrayBuffer (2 GiB): a manifest that declares more
 * is refused before anything is allocated for it.
 */
export const MAX_FILE_BYTES = 2 ** 31;

function fileEntry(v: unknown, path: string): FileEntry {
  const o = obj(v, path);
  const p = str(o, 'path', path, { nonEmpty: true });
  if (p.startsWith('/') || p.split('/').includes('..') || /^[a-z][a-z0-9+.-]*:/i.test(p)) {
    fail(`${path}.path`, `must be relative to the manifest without "..", got ${JSON.stringify(p)}`);
  }
  const bytes = int(o, 'bytes', path, 0);
  if (bytes > MAX_FILE_BYTES)
    fail(`${path}.bytes`, `must be at most ${MAX_FILE_BYTES} (a page cannot hold more), got ${bytes}`);
  const sha256 = str(o, 'sha256', path);
  if (!SHA256_RE.test(sha256)) fail(`${path}.sha256`, `must be 64 lowercase hex digits, got ${describe(sha256)}`);
  return { path: p, bytes, sha256 };
}

function contentSpec(v: unknown, path: string): ContentSpec | null {
  if (v === null) return null;
  const o = obj(v, path);
  const buckets = int(o, 'buckets', path, 2);
  const maxFeatures = int(o, 'maxFeatures', path, 1);
  const encoderInput = str(o, 'encoderInput', path, { nonEmpty: true });
  const encoderOutput = str(o, 'encoderOutput', path, { nonEmpty: true });
  const tvs = o.testVectors;
  if (!Array.isArray(tvs)) fail(`${path}.testVectors`, `must be an array, got ${describe(tvs)}`);
  const testVectors = tvs.map((t, i) => {
    const tp = `${path}.testVectors[${i}]`;
    const to = obj(t, tp);
    const title = str(to, 'title', tp);
    const genres = to.genres;
    if (!Array.isArray(genres) || !genres.every((g) => typeof g === 'string'))
      fail(`${tp}.genres`, 'must be an array of strings');
    const year = to.year;
    if (!(year === null || (typeof year === 'number' && Number.isInteger(year))))
      fail(`${tp}.year`, `must be an integer or null, got ${describe(year)}`);
    const features = to.features;
    if (
      !Array.isArray(features) ||
      !features.every((f) => typeof f === 'number' && Number.isInteger(f) && f >= 0 && f < buckets)
    ) {
      fail(`${tp}.features`, `must be an array of integers in [0, ${buckets})`);
    }
    return { title, genres: genres as string[], year: year as number | null, features: features as number[] };
  });
  return { buckets, maxFeatures, encoderInput, encoderOutput, testVectors };
}

/**
 * Validates a parsed `manifest.json` and returns it typed.
 * Throws `ModelFormatError` naming the offending field; rejects any formatVersion other than 1.
 */
export function parseManifest(json: unknown): ModelManifest {
  const m = obj(json, '(root)');
  if (m.format !== 'localrec-model') fail('format', `must be "localrec-model", got ${describe(m.format)}`);
  const fv = m.formatVersion;
  if (fv !== SUPPORTED_FORMAT_VERSION) {
    throw new ModelFormatError(
      `manifest: unsupported formatVersion ${describe(fv)}; this engine reads formatVersion ${SUPPORTED_FORMAT_VERSION}`,
    );
  }
  const name = str(m, 'name', '', { nonEmpty: true });
  const dataset = str(m, 'dataset', '', { nonEmpty: true });
  const modelVersion = str(m, 'modelVersion', '', { nonEmpty: true });
  let createdBy: string | undefined;
  if (m.createdBy !== undefined) createdBy = str(m, 'createdBy', '');
  const itemCount = int(m, 'itemCount', '', 1);
  if (m.padId !== 0) fail('padId', `must be 0, got ${describe(m.padId)}`);
  const maxHistory = int(m, 'maxHistory', '', 1);
  const dim = int(m, 'dim', '', 1);
  const layers = int(m, 'layers', '', 0);
  const heads = int(m, 'heads', '', 1);
  const experts = int(m, 'experts', '', 1);
  const expertRank = int(m, 'expertRank', '', 0);

  const inputs = obj(m.inputs, 'inputs');
  const history = tensorSpec(inputs.history, 'inputs.history', ['int64']);
  const gateBias = tensorSpec(inputs.gateBias, 'inputs.gateBias', ['float32']);
  const withScores =
    inputs.withScores === undefined ? undefined : tensorSpec(inputs.withScores, 'inputs.withScores', ['bool']);
  if (withScores && withScores.shape.length !== 0)
    fail('inputs.withScores.shape', `must be [] (a scalar), got ${JSON.stringify(withScores.shape)}`);
  const outputs = obj(m.outputs, 'outputs');
  // scores may be absent only for a pq table (the engine scores the catalogue itself)
  const it0 = isObj(m.itemTable) ? m.itemTable : {};
  const scores =
    outputs.scores === undefined && it0.dtype === 'pq'
      ? undefined
      : tensorSpec(outputs.scores, 'outputs.scores', ['float32']);
  const user = tensorSpec(outputs.user, 'outputs.user', ['float32']);
  const gate = tensorSpec(outputs.gate, 'outputs.gate', ['float32']);
  const lastDim = (t: TensorSpec, p: string, want: number): void => {
    const d = t.shape[t.shape.length - 1];
    if (typeof d === 'number' && d !== want) fail(`${p}.shape`, `last dimension must be ${want}, got ${d}`);
  };
  if (scores) lastDim(scores, 'outputs.scores', itemCount + 1);
  lastDim(user, 'outputs.user', dim);
  lastDim(gate, 'outputs.gate', experts);
  lastDim(gateBias, 'inputs.gateBias', experts);
  if (withScores && !scores) fail('inputs.withScores', 'a model without a scores output has no withScores input');

  const it = obj(m.itemTable, 'itemTable');
  const dtype = str(it, 'dtype', 'itemTable');
  if (dtype !== 'int8' && dtype !== 'pq') fail('itemTable.dtype', `must be "int8" or "pq", got ${describe(dtype)}`);
  const itemTable: ModelManifest['itemTable'] = {
    file: str(it, 'file', 'itemTable', { nonEmpty: true }),
    rows: int(it, 'rows', 'itemTable', 1),
    dim: int(it, 'dim', 'itemTable', 1),
    dtype,
    dataOffset: int(it, 'dataOffset', 'itemTable', 0),
  };
  if (dtype === 'int8' || it.scaleOffset !== undefined) itemTable.scaleOffset = int(it, 'scaleOffset', 'itemTable', 0);
  if (itemTable.rows !== itemCount + 1)
    fail('itemTable.rows', `must be itemCount + 1 = ${itemCount + 1}, got ${itemTable.rows}`);
  if (itemTable.dim !== dim) fail('itemTable.dim', `must equal dim = ${dim}, got ${itemTable.dim}`);
  if (itemTable.scaleOffset !== undefined && itemTable.scaleOffset % 4 !== 0)
    fail('itemTable.scaleOffset', `must be a multiple of 4, got ${itemTable.scaleOffset}`);
  // byte ranges of the table's parts, which must not overlap
  const ranges: [string, number, number][] = [];
  if (dtype === 'int8') {
    ranges.push(['data', itemTable.dataOffset, itemTable.dataOffset + itemTable.rows * itemTable.dim]);
    if (it.exactRows !== undefined) fail('itemTable.exactRows', 'only a pq table has exact rows');
  } else {
    const subspaces = int(it, 'subspaces', 'itemTable', 1);
    if (dim % subspaces !== 0) fail('itemTable.subspaces', `must divide dim = ${dim}, got ${subspaces}`);
    const centroids = it.centroids === undefined ? 256 : int(it, 'centroids', 'itemTable', 1);
    if (centroids !== 256) fail('itemTable.centroids', `must be 256, got ${centroids}`);
    const codebookOffset = int(it, 'codebookOffset', 'itemTable', 0);
    if (codebookOffset % 4 !== 0) fail('itemTable.codebookOffset', `must be a multiple of 4, got ${codebookOffset}`);
    Object.assign(itemTable, { subspaces, centroids, codebookOffset });
    ranges.push(['codes', itemTable.dataOffset, itemTable.dataOffset + itemTable.rows * subspaces]);
    ranges.push(['codebook', codebookOffset, codebookOffset + 256 * dim * 4]);
    if (it.exactRows !== undefined) {
      if (itemTable.scaleOffset === undefined)
        fail('itemTable.exactRows', 'exact rows need per-row scales (scaleOffset)');
      const exactRows = int(it, 'exactRows', 'itemTable', 1);
      const exactOffset = int(it, 'exactOffset', 'itemTable', 0);
      const exactScaleOffset = int(it, 'exactScaleOffset', 'itemTable', 0);
      if (exactScaleOffset % 4 !== 0)
        fail('itemTable.exactScaleOffset', `must be a multiple of 4, got ${exactScaleOffset}`);
      Object.assign(itemTable, { exactRows, exactOffset, exactScaleOffset });
      ranges.push(['exact', exactOffset, exactOffset + exactRows * dim]);
      ranges.push(['exact scale', exactScaleOffset, exactScaleOffset + exactRows * 4]);
    }
  }
  if (itemTable.scaleOffset !== undefined)
    ranges.push(['scale', itemTable.scaleOffset, itemTable.scaleOffset + itemTable.rows * 4]);
  for (let a = 0; a < ranges.length; a++) {
    for (let b = a + 1; b < ranges.length; b++) {
      if (ranges[a]![1] < ranges[b]![2] && ranges[b]![1] < ranges[a]![2])
        fail('itemTable', `${ranges[a]![0]} and ${ranges[b]![0]} ranges overlap`);
    }
  }
  const tableEnd = Math.max(...ranges.map((r) => r[2]));

  const content = contentSpec(m.content, 'content');

  const f = obj(m.files, 'files');
  const files: ModelManifest['files'] = {
    model: fileEntry(f.model, 'files.model'),
    items: fileEntry(f.items, 'files.items'),
    catalog: fileEntry(f.catalog, 'files.catalog'),
  };
  if (f.encoder !== undefined) files.encoder = fileEntry(f.encoder, 'files.encoder');
  if (content !== null && !files.encoder) fail('files.encoder', 'is required when content is not null');
  if (files.items.path !== itemTable.file) {
    fail(
      'itemTable.file',
      `must equal files.items.path (${JSON.stringify(files.items.path)}), got ${JSON.stringify(itemTable.file)}`,
    );
  }
  if (files.items.bytes < tableEnd) {
    fail('files.items.bytes', `is ${files.items.bytes}, smaller than the item table (${tableEnd} bytes)`);
  }

  let evalBlock: ModelManifest['eval'];
  if (m.eval !== undefined) {
    const e = obj(m.eval, 'eval');
    for (const [k, v] of Object.entries(e)) obj(v, `eval.${k}`);
    evalBlock = e as Record<string, Record<string, unknown>>;
  }

  const out: ModelManifest = {
    format: 'localrec-model',
    formatVersion: 1,
    name,
    dataset,
    modelVersion,
    itemCount,
    padId: 0,
    maxHistory,
    dim,
    layers,
    heads,
    experts,
    expertRank,
    inputs: withScores ? { history, gateBias, withScores } : { history, gateBias },
    outputs: scores ? { scores, user, gate } : { user, gate },
    itemTable,
    content,
    files,
  };
  if (createdBy !== undefined) out.createdBy = createdBy;
  if (evalBlock !== undefined) out.eval = evalBlock;
  return out;
}

function toHex(buf: ArrayBuffer): string {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** SHA-256 of `bytes` as 64 lowercase hex digits (Web Crypto: browsers, workers, Node 20). */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle)
    throw new ModelIntegrityError(
      '',
      'Web Crypto (crypto.subtle) is unavailable: cannot verify model files (insecure context?)',
    );
  // digest() accepts a view; copying keeps SharedArrayBuffer-backed views working too.
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const data = view.buffer instanceof ArrayBuffer ? view : new Uint8Array(view);
  return toHex(await subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
}

/** Refuses `bytes` unless its length and sha256 match `entry` (throws ModelIntegrityError). */
export async function verifyFile(entry: FileEntry, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength !== entry.bytes) {
    throw new ModelIntegrityError(
      entry.path,
      `${entry.path}: size ${bytes.byteLength} bytes, manifest says ${entry.bytes}`,
    );
  }
  const got = await sha256Hex(bytes);
  if (got !== entry.sha256.toLowerCase()) {
    throw new ModelIntegrityError(entry.path, `${entry.path}: sha256 ${got}, manifest says ${entry.sha256}`);
  }
}
