/**
 * End to end: training/compress.py converts a model to an int4 (pq-form) item table; the
 * rewritten graph (no scores output, tokens gathered from the codes) and the TypeScript scoring
 * (ItemTable ADC) must compute exactly what the ORIGINAL graph computes when its int8 table holds
 * the same tokens (int4 values fit in int8 with the same row scales).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { historyTensorData } from '../../src/core/history';
import { ItemTable } from '../../src/core/item-table';
import { parseManifest, verifyFile } from '../../src/core/manifest';
import { topK } from '../../src/core/rank';
import { modelFeeds } from '../../eval/lib/feeds';
import { REPO, rng } from '../support/helpers';

const PY = join(REPO, 'training/.venv/bin/python');
// a shipped model: the graph the converter rewrites is the one training/export.py writes
const SRC = join(REPO, 'public/models/movielens');
const dirs: string[] = [];
afterAll(() =>
  dirs.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

describe.skipIf(!existsSync(PY) || !existsSync(join(SRC, 'manifest.json')))('compressed (int4 as pq) model', () => {
  it('graph and TS scoring equal the original graph on the same tokens', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lr-int4-'));
    dirs.push(out);
    execFileSync(PY, ['-m', 'training.compress', 'convert', '--model', SRC, '--out', out, '--scheme', 'int4'], {
      cwd: REPO,
      stdio: 'pipe',
    });
    const m = parseManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(m.outputs.scores).toBeUndefined();
    expect(m.itemTable).toMatchObject({ dtype: 'pq', subspaces: m.dim / 2 });
    for (const f of Object.values(m.files)) if (f) await verifyFile(f, new Uint8Array(readFileSync(join(out, f.path))));
    const items = new Uint8Array(readFileSync(join(out, m.itemTable.file)));
    const table = ItemTable.fromBytes(items, m.itemTable);

    // the same tokens as an int8 table in the original layout: q = the int4 values, same scales
    const orig = parseManifest(JSON.parse(readFileSync(join(SRC, 'manifest.json'), 'utf8')));
    const rows = orig.itemTable.rows,
      d = orig.dim;
    const int8 = new Uint8Array(orig.files.items.bytes);
    const dv = new DataView(int8.buffer);
    const sdv = new DataView(items.buffer, items.byteOffset + m.itemTable.scaleOffset!, rows * 4);
    const nib = (v: number) => (v >= 8 ? v - 16 : v);
    for (let j = 0; j < rows; j++) {
      for (let x = 0; x < d / 2; x++) {
        const b = items[j * (d / 2) + x]!;
        dv.setInt8(orig.itemTable.dataOffset + j * d + 2 * x, nib(b & 15));
        dv.setInt8(orig.itemTable.dataOffset + j * d + 2 * x + 1, nib(b >> 4));
      }
      dv.setFloat32(orig.itemTable.scaleOffset! + 4 * j, sdv.getFloat32(4 * j, true), true);
    }
    const ref = mkdtempSync(join(tmpdir(), 'lr-int8-same-'));
    dirs.push(ref);
    copyFileSync(join(SRC, orig.files.model.path), join(ref, 'model.onnx'));
    writeFileSync(join(ref, orig.itemTable.file), int8);

    const opts: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      extra: { session: { qdq_matmulnbits_accuracy_level: '0' } },
    };
    const sRef = await ort.InferenceSession.create(join(ref, 'model.onnx'), opts);
    const sNew = await ort.InferenceSession.create(join(out, 'model.onnx'), opts);
    expect(sNew.outputNames).not.toContain('scores');
    const r = rng(17);
    const hs = Array.from({ length: 16 }, () =>
      Array.from({ length: 1 + Math.floor(r() * m.maxHistory) }, () => 1 + Math.floor(r() * m.itemCount)),
    );
    const { data, dims } = historyTensorData(hs, m.maxHistory);
    const a = await sRef.run(modelFeeds(orig, data, dims, true));
    const b = await sNew.run(modelFeeds(m, data, dims, false));
    const ua = a.user!.data as Float32Array,
      ub = b.user!.data as Float32Array;
    for (let i = 0; i < ua.length; i++) expect(ub[i]).toBeCloseTo(ua[i]!, 4);
    const ga = a.gate!.data as Float32Array,
      gb = b.gate!.data as Float32Array;
    for (let i = 0; i < ga.length; i++) expect(gb[i]).toBeCloseTo(ga[i]!, 5);
    const scoresRef = a.scores!.data as Float32Array;
    const buf = new Float32Array(rows);
    hs.forEach((_, k) => {
      table.scoreAll(ub.subarray(k * d, (k + 1) * d), buf);
      for (let j = 1; j < rows; j++) expect(buf[j]).toBeCloseTo(scoresRef[k * rows + j]!, 3);
      const want = topK(scoresRef.subarray(k * rows, (k + 1) * rows), 5, { from: 1 }).map((x) => x.score);
      const got = topK(buf, 5, { from: 1 }).map((x) => x.score);
      got.forEach((s, i) => {
        expect(s).toBeCloseTo(want[i]!, 3);
      });
    });
  }, 60_000);

  it('mixed precision (--exact-frac): the most popular rows keep their int8 token in the graph and in TS scoring', async () => {
    const convert = (out: string, extra: string[]) =>
      execFileSync(
        PY,
        [
          '-m',
          'training.compress',
          'convert',
          '--model',
          SRC,
          '--out',
          out,
          '--scheme',
          'pq',
          '--subspaces',
          '16',
          '--norm',
          ...extra,
        ],
        {
          cwd: REPO,
          stdio: 'pipe',
        },
      );
    const withExact = mkdtempSync(join(tmpdir(), 'lr-pqx-'));
    const plain = mkdtempSync(join(tmpdir(), 'lr-pq-'));
    dirs.push(withExact, plain);
    convert(withExact, ['--exact-frac', '0.1']);
    convert(plain, []);
    const m = parseManifest(JSON.parse(readFileSync(join(withExact, 'manifest.json'), 'utf8')));
    const orig = parseManifest(JSON.parse(readFileSync(join(SRC, 'manifest.json'), 'utf8')));
    const E = Math.round(0.1 * orig.itemCount);
    expect(m.itemTable.exactRows).toBe(E);
    const table = ItemTable.fromBytes(new Uint8Array(readFileSync(join(withExact, m.itemTable.file))), m.itemTable);
    const plainM = parseManifest(JSON.parse(readFileSync(join(plain, 'manifest.json'), 'utf8')));
    const plainTable = ItemTable.fromBytes(
      new Uint8Array(readFileSync(join(plain, plainM.itemTable.file))),
      plainM.itemTable,
    );
    const origTable = ItemTable.fromBytes(new Uint8Array(readFileSync(join(SRC, orig.itemTable.file))), orig.itemTable);
    // which rows are exact: the E most popular catalogue items (ties by lower index)
    const pop = (JSON.parse(readFileSync(join(SRC, orig.files.catalog.path), 'utf8')) as { popularity: number[] })
      .popularity;
    const order = pop.map((p, i) => [p, i + 1] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const exact = new Set(order.slice(0, E).map((x) => x[1]));
    const d = m.dim;
    for (let j = 1; j < table.rows; j++) {
      const want = exact.has(j) ? origTable.token(j) : plainTable.token(j);
      expect(Array.from(table.token(j))).toEqual(Array.from(want));
    }
    const opts: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'] };
    const sX = await ort.InferenceSession.create(join(withExact, 'model.onnx'), opts);
    const sOrig = await ort.InferenceSession.create(join(SRC, 'model.onnx'), opts);
    const sPlain = await ort.InferenceSession.create(join(plain, 'model.onnx'), opts);
    const r = rng(23);
    const exactIds = [...exact];
    const others = Array.from({ length: orig.itemCount }, (_, i) => i + 1).filter((j) => !exact.has(j));
    const pick = (pool: number[]) =>
      Array.from({ length: 1 + Math.floor(r() * 20) }, () => pool[Math.floor(r() * pool.length)]!);
    const run = async (s: ort.InferenceSession, hs: number[][]) => {
      const { data, dims } = historyTensorData(hs, m.maxHistory);
      const o = await s.run(modelFeeds(s === sOrig ? orig : m, data, dims, false));
      return o.user!.data as Float32Array;
    };
    // histories of exact rows only: the original model's user vectors; of the other rows only: the plain PQ model's
    const hx = Array.from({ length: 8 }, () => pick(exactIds));
    const ho = Array.from({ length: 8 }, () => pick(others));
    const [ux, uxRef, uo, uoRef] = [await run(sX, hx), await run(sOrig, hx), await run(sX, ho), await run(sPlain, ho)];
    for (let i = 0; i < ux.length; i++) expect(ux[i]).toBeCloseTo(uxRef[i]!, 5);
    for (let i = 0; i < uo.length; i++) expect(uo[i]).toBeCloseTo(uoRef[i]!, 5);
    // TS scoring: exact rows scored with their int8 tokens, the rest by ADC
    const u = ux.subarray(0, d);
    const got = table.scoreAll(u);
    const viaOrig = origTable.scoreAll(u);
    const viaPlain = plainTable.scoreAll(u);
    for (let j = 1; j < table.rows; j++) expect(got[j]).toBeCloseTo(exact.has(j) ? viaOrig[j]! : viaPlain[j]!, 4);
  }, 60_000);
});
