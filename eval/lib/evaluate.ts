/**
 * Offline evaluation of a shipped model folder with onnxruntime-node (used by eval/cli.ts and
 * by tests). Protocols (../shared/datasets/README.md):
 *
 *  - rows with `candidates` → candidate protocol: the true item is ranked among each candidate
 *    set (HitRatio@1, NDCG@5); per set s the figure is averaged over rows, then mean and
 *    population standard deviation (ddof 0) over the sets.
 *  - rows without → full ranking: every catalog item is scored, the row's history items are
 *    removed (the whole history of the row, not only the maxHistory items fed to the model),
 *    HR@1, HR@10 and NDCG@10 of the true item averaged over rows. Full-ranking figures are
 *    computed on every row, so for a candidates file they are also reported (over all rows),
 *    as training/evaluate.py does.
 *
 * Ranking order everywhere: higher score first, ties by lower model index (as src/core/rank.ts).
 *
 * Ids missing from the catalog (never a crash):
 *  - history ids: skipped (the rest of the history is used), counted in unknown.historyIds;
 *  - next id: the row stays in the denominator and counts as a miss (0 on every metric),
 *    counted in unknown.next; so figures are "correct / all rows", as the papers count;
 *  - candidate ids (other than next): dropped from the set, counted in unknown.candidateIds.
 * Other edge cases: a history that is empty after mapping is answered with popularity (as the
 * engine does) and counted in emptyHistoryRows; in full ranking a next item that is also in the
 * history is removed with the history, i.e. a miss (nextInHistory); in the candidate protocol a
 * next item absent from a candidate set is ranked as if it were in it (nextNotInCandidates).
 * Malformed lines are reported with their line number and skipped (not in the denominator).
 */
import { createReadStream, createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as ort from 'onnxruntime-node';
import { Catalog } from '../../src/core/catalog';
import { ItemTable } from '../../src/core/item-table';
import { historyTensorData } from '../../src/core/history';
import { parseManifest, sha256Hex, verifyFile } from '../../src/core/manifest';
import type { ModelManifest } from '../../src/core/manifest-types';
import { hitAt, ndcgAt, rankOf, topK } from '../../src/core/rank';
import type { AdapterOptions } from '../../src/core/adapter';
import { prefixVectors, Replay } from './adapt';
import { modelFeeds } from './feeds';
import { mapRow, parseRow, type MalformedLine, type MappedRow } from './dataset';

export interface EvalOptions {
  /** model folder with manifest.json */
  model: string;
  /** .jsonl file */
  data: string;
  /** rows per inference call (default 256) */
  batch?: number;
  /** evaluate at most this many (well-formed) rows */
  limit?: number;
  /** run model.fp32.onnx instead of the shipped int8 model.onnx */
  fp32?: boolean;
  /** train.jsonl rows: the last item of `items` is the target, the rest the history */
  leaveLast?: boolean;
  /** write per-row top-10 (history removed) as JSON lines to this file */
  dump?: string;
  /** intra-op threads of onnxruntime-node (default: onnxruntime's choice) */
  threads?: number;
  /**
   * keep int8 weights exact in onnxruntime-node (session option
   * qdq_matmulnbits_accuracy_level = 0, default true) so node ranks like the browser
   */
  exactQdq?: boolean;
  /**
   * replay each row's history through the on-device adapter (src/core/adapter.ts) item by item
   * before predicting `next`, and score with the personalised user representation
   */
  adapt?: boolean;
  /** adapter options for --adapt (defaults: ADAPTER_DEFAULTS) */
  adapterOptions?: AdapterOptions;
  /** progress messages (default: none) */
  progress?: (msg: string) => void;
}

export interface EvalReport {
  model: string;
  name: string;
  modelFile: string;
  modelSha256: string;
  modelVersion: string;
  data: string;
  protocol: 'candidates' | 'full' | 'mixed' | 'none';
  rows: number;
  candidateRows: number;
  fullRows: number;
  emptyHistoryRows: number;
  unknown: { historyIds: number; next: number; candidateIds: number };
  nextInHistory: number;
  nextNotInCandidates: number;
  malformedLines: number;
  malformed: MalformedLine[];
  candidates: null | { sets: number; hr1_mean: number; hr1_std: number; hr1_per_set: number[]; ndcg5_mean: number };
  /** full ranking over all rows (the protocol for rows without candidates, reported for all) */
  full: null | { hr1: number; hr10: number; ndcg10: number };
  batch: number;
  leaveLast: boolean;
  /** --adapt: adapter options and how many updates were learned / refused */
  adapt: null | { options: AdapterOptions; updates: number; refused: number };
  /** wall time of the whole evaluation (loading and verifying the model included) */
  seconds: number;
  /** of which inside onnxruntime session.run */
  inferenceSeconds: number;
}

const MAX_MALFORMED_LISTED = 20;

export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  catalog: Catalog;
  session: ort.InferenceSession;
  modelFile: string;
  modelSha256: string;
  /** the item table of items.bin, read on first use (itemTable()) */
  table?: ItemTable;
}

/** Loads a model folder: verifies every file against the manifest, then creates the session by path. */
export async function loadModel(
  dir: string,
  opts: Pick<EvalOptions, 'fp32' | 'threads' | 'exactQdq'> = {},
): Promise<LoadedModel> {
  const manifest = parseManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
  const entries = Object.values(manifest.files).filter((e) => e !== undefined);
  for (const e of entries) await verifyFile(e, new Uint8Array(readFileSync(join(dir, e.path))));
  const catalog = Catalog.fromBytes(readFileSync(join(dir, manifest.files.catalog.path)), manifest.itemCount);
  const modelFile = opts.fp32 ? 'model.fp32.onnx' : manifest.files.model.path;
  const modelPath = join(dir, modelFile);
  if (!existsSync(modelPath)) {
    throw new Error(
      `${modelPath} does not exist${opts.fp32 ? ' (the fp32 export is a training build product, not shipped: run training first)' : ''}`,
    );
  }
  const modelSha256 = opts.fp32
    ? await sha256Hex(new Uint8Array(readFileSync(modelPath)))
    : manifest.files.model.sha256;
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  };
  if (opts.threads !== undefined) sessionOptions.intraOpNumThreads = opts.threads;
  if (opts.exactQdq !== false) sessionOptions.extra = { session: { qdq_matmulnbits_accuracy_level: '0' } };
  // by path, so that the external data (items.bin) resolves next to model.onnx
  const session = await ort.InferenceSession.create(modelPath, sessionOptions);
  return { dir, manifest, catalog, session, modelFile, modelSha256 };
}

/** The model's item table (items.bin), read once per loaded model. */
export function itemTable(m: LoadedModel): ItemTable {
  m.table ??= ItemTable.fromBytes(
    new Uint8Array(readFileSync(join(m.dir, m.manifest.itemTable.file))),
    m.manifest.itemTable,
  );
  return m.table;
}

/** Scores a batch of (non-empty) histories; returns the flat [batch, itemCount + 1] scores. */
export async function scoreBatch(m: LoadedModel, histories: number[][]): Promise<Float32Array> {
  const { data, dims } = historyTensorData(histories, m.manifest.maxHistory);
  const feeds = modelFeeds(m.manifest, data, dims, m.manifest.outputs.scores !== undefined);
  const width0 = m.manifest.itemCount + 1;
  if (!m.manifest.outputs.scores) {
    // no scores output (pq item table): score the catalogue from `user` with the table (ADC), as the engine does
    const table = itemTable(m);
    const userName = m.manifest.outputs.user.name;
    const u = (await m.session.run(feeds, [userName]))[userName]!.data as Float32Array;
    const d = m.manifest.dim;
    const res = new Float32Array(histories.length * width0);
    for (let b = 0; b < histories.length; b++)
      table.scoreAll(u.subarray(b * d, (b + 1) * d), res.subarray(b * width0, (b + 1) * width0));
    return res;
  }
  const outName = m.manifest.outputs.scores.name;
  const out = await m.session.run(feeds, [outName]);
  const t = out[outName];
  const width = m.manifest.itemCount + 1;
  if (t?.dims.length !== 2 || t.dims[0] !== histories.length || t.dims[1] !== width) {
    throw new Error(
      `model output ${outName} has shape [${t?.dims.join(', ')}], expected [${histories.length}, ${width}]`,
    );
  }
  return t.data as Float32Array;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Population standard deviation (ddof 0). */
function std(xs: number[]): number {
  if (xs.length === 0) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / xs.length);
}

async function* readLines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}

/** Full-ranking rank of `next` (0-based) with pad and history removed; -1 when removed or unscorable. */
export function fullRank(s: Float32Array, next: number, history: Set<number>): number {
  const sn = s[next]!;
  if (Number.isNaN(sn) || history.has(next)) return -1;
  let rank = 0;
  for (let j = 1; j < s.length; j++) {
    const v = s[j]!;
    if (v > sn || (v === sn && j < next)) rank++;
  }
  for (const h of history) {
    const v = s[h]!;
    if (v > sn || (v === sn && h < next)) rank--;
  }
  return rank;
}

export async function evaluate(opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const batchSize = Math.max(1, Math.floor(opts.batch ?? 256));
  const limit = opts.limit ?? Infinity;
  const progress = opts.progress ?? ((_msg: string) => undefined);
  if (!existsSync(opts.data)) throw new Error(`data file ${opts.data} does not exist`);
  const m = await loadModel(opts.model, opts);
  const width = m.manifest.itemCount + 1;
  const popScores = new Float32Array(width);
  popScores[0] = NaN;
  for (let j = 1; j < width; j++) popScores[j] = m.catalog.popularity(j);

  const malformed: MalformedLine[] = [];
  let malformedLines = 0;
  const unknown = { historyIds: 0, next: 0, candidateIds: 0 };
  let rows = 0,
    candidateRows = 0,
    fullRows = 0,
    emptyHistoryRows = 0,
    nextInHistory = 0,
    nextNotInCandidates = 0;
  // candidate protocol accumulators per set index
  const setHits: number[] = [],
    setNdcg: number[] = [],
    setRows: number[] = [];
  let fullHit1 = 0,
    fullHit10 = 0,
    fullNdcg10 = 0;
  const dump: WriteStream | null = opts.dump ? createWriteStream(opts.dump) : null;
  let lastProgress = performance.now();
  let inferenceMs = 0;
  const table = opts.adapt ? itemTable(m) : null;
  const adaptOptions = opts.adapterOptions ?? {};
  let adaptUpdates = 0,
    adaptRefused = 0;

  /** Personalised scores of each row: the history replayed through the adapter, then scored. */
  const adaptedScores = async (rowsWithHistory: MappedRow[]): Promise<Float32Array> => {
    const { dim, experts } = m.manifest;
    const ti = performance.now();
    const histories = rowsWithHistory.map((r) => r.history);
    const vectorsOf = await prefixVectors(
      m,
      histories,
      histories.map((h) => h.length),
    );
    inferenceMs += performance.now() - ti;
    const out = new Float32Array(rowsWithHistory.length * width);
    histories.forEach((h, k) => {
      const replay = new Replay(table!, dim, experts, vectorsOf(k), adaptOptions);
      for (let i = 0; i + 1 < h.length; i++) replay.learnFrom(i, h[i + 1]!);
      adaptUpdates += replay.state.updates;
      adaptRefused += replay.refused;
      replay.scores(h.length - 1, true, out.subarray(k * width, (k + 1) * width));
    });
    return out;
  };

  const processBatch = async (batch: MappedRow[]): Promise<void> => {
    const withHistory = batch.filter((r) => r.history.length > 0);
    const ti = performance.now();
    const flat = !withHistory.length
      ? new Float32Array(0)
      : table
        ? await adaptedScores(withHistory)
        : await scoreBatch(
            m,
            withHistory.map((r) => r.history),
          );
    if (!table) inferenceMs += performance.now() - ti;
    let k = 0;
    for (const r of batch) {
      let s: Float32Array;
      if (r.history.length > 0) {
        s = flat.subarray(k * width, (k + 1) * width);
        k++;
      } else {
        s = popScores;
        emptyHistoryRows++;
      }
      const hist = new Set(r.history);
      if (r.candidates) {
        candidateRows++;
        r.candidates.forEach((set, si) => {
          while (setRows.length <= si) {
            setRows.push(0);
            setHits.push(0);
            setNdcg.push(0);
          }
          setRows[si]!++;
          if (r.next === null) return;
          if (!set.includes(r.next)) nextNotInCandidates++;
          const rank = rankOf(s, r.next, [...set, r.next]);
          setHits[si]! += hitAt(rank, 1);
          setNdcg[si]! += ndcgAt(rank, 5);
        });
      } else {
        fullRows++;
      }
      // full ranking on every row (the protocol of rows without candidates; also reported for the others)
      if (r.next !== null) {
        if (hist.has(r.next)) nextInHistory++;
        const rank = fullRank(s, r.next, hist);
        fullHit1 += hitAt(rank, 1);
        fullHit10 += hitAt(rank, 10);
        fullNdcg10 += ndcgAt(rank, 10);
      }
      if (dump) {
        const top = topK(s, 10, { from: 1, exclude: hist });
        dump.write(
          `${JSON.stringify({
            line: r.line,
            history: r.history,
            next: r.next,
            top10: top.map((x) => x.index),
            scores: top.map((x) => x.score),
          })}\n`,
        );
      }
    }
  };

  let pending: MappedRow[] = [];
  let line = 0;
  for await (const text of readLines(opts.data)) {
    line++;
    if (rows >= limit) break;
    if (text.trim() === '') continue;
    let mapped: MappedRow;
    try {
      mapped = mapRow(parseRow(text, line, opts.leaveLast ?? false), m.catalog);
    } catch (e) {
      malformedLines++;
      const error = (e as Error).message;
      if (malformed.length < MAX_MALFORMED_LISTED) malformed.push({ line, error });
      progress(`line ${line}: malformed, skipped: ${error}`);
      continue;
    }
    rows++;
    unknown.historyIds += mapped.unknownHistory;
    unknown.candidateIds += mapped.unknownCandidates;
    if (mapped.next === null) unknown.next++;
    pending.push(mapped);
    if (pending.length >= batchSize) {
      await processBatch(pending);
      pending = [];
      if (performance.now() - lastProgress > 2000) {
        lastProgress = performance.now();
        progress(`${rows} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
  }
  if (pending.length) await processBatch(pending);
  if (dump) await new Promise<void>((res, rej) => dump.end((err?: Error | null) => (err ? rej(err) : res())));
  await m.session.release();

  const hr1PerSet = setRows.map((n, i) => (n ? setHits[i]! / n : 0));
  const ndcg5PerSet = setRows.map((n, i) => (n ? setNdcg[i]! / n : 0));
  const protocol = candidateRows && fullRows ? 'mixed' : candidateRows ? 'candidates' : fullRows ? 'full' : 'none';
  return {
    model: opts.model,
    name: m.manifest.name,
    modelFile: m.modelFile,
    modelSha256: m.modelSha256,
    modelVersion: m.manifest.modelVersion,
    data: opts.data,
    protocol,
    rows,
    candidateRows,
    fullRows,
    emptyHistoryRows,
    unknown,
    nextInHistory,
    nextNotInCandidates,
    malformedLines,
    malformed,
    candidates: candidateRows
      ? {
          sets: setRows.length,
          hr1_mean: mean(hr1PerSet),
          hr1_std: std(hr1PerSet),
          hr1_per_set: hr1PerSet,
          ndcg5_mean: mean(ndcg5PerSet),
        }
      : null,
    full: rows ? { hr1: fullHit1 / rows, hr10: fullHit10 / rows, ndcg10: fullNdcg10 / rows } : null,
    batch: batchSize,
    leaveLast: opts.leaveLast ?? false,
    adapt: opts.adapt ? { options: adaptOptions, updates: adaptUpdates, refused: adaptRefused } : null,
    seconds: (performance.now() - t0) / 1000,
    inferenceSeconds: inferenceMs / 1000,
  };
}
