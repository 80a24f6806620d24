/**
 * The eval CLI on the tiny fixture model, whose rankings are known by construction
 * (tests/fixtures/make_fixture.py): item i has id 100+i; after last history item i the model ranks
 * i+1, i+2, ..., i (cyclic over 1..24); popularity decreases with the index, items 3 and 4 tied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { evaluate, type EvalReport } from '../../eval/lib/evaluate';
import { ModelIntegrityError } from '../../src/core/errors';
import { FIXTURE, REPO } from '../support/helpers';

const ndcg = (rank: number) => 1 / Math.log2(rank + 2);
let dir: string;
const file = (name: string, lines: (string | object)[]): string => {
  const p = join(dir, name);
  writeFileSync(p, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return p;
};

const candidateLines = [
  // A: after 3 → 4 first. set1 hit, set2 hit
  {
    history: [101, 102, 103],
    next: 104,
    candidates: [
      [110, 104, 120],
      [103, 104],
    ],
  },
  // B: after 10 → 11,12,...; 15 beats 20 and 1 (set1 rank 0); 11,12 beat 15 (set2 rank 2)
  {
    history: [110],
    next: 115,
    candidates: [
      [115, 120, 101],
      [111, 115, 112],
    ],
  },
  // C: next unknown → miss in both sets
  {
    history: [101],
    next: 999,
    candidates: [
      [999, 102],
      [999, 103],
    ],
  },
  'this is not json',
  // D: unknown history id skipped (last known 101 → 2,3,...): set1 102 beats 103 (rank 1);
  //    set2: unknown candidate "zzz" dropped, 102 beats 103 (rank 1)
  {
    history: [101, 555],
    next: 103,
    candidates: [
      [102, 103],
      [103, 102, 'zzz'],
    ],
  },
];

const fullLines = [
  // E: after 6 → 7 first
  { history: [105, 106], next: 107 },
  // F: after 1 → 2,3,(4,5 removed: history),6,7 → rank 3
  { history: [104, 105, 101], next: 107 },
  '',
  // G: next is in the history → removed → miss
  { history: [108, 109], next: 108 },
  { history: 'x', next: 1 },
  // H: no known history → popularity 1,2,3,4 (3 and 4 tied, lower index first) → rank 3
  { history: [777], next: 104 },
  // I: unknown next (string id) → miss
  { history: [101], next: 'abc' },
  { history: [101], next: null },
  [1, 2],
  { user: 'u', items: [101, 102] },
  // J: string ids; after 11 → 12 first
  { history: ['110', '111'], next: '112' },
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'localrec-eval-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('eval on the fixture model', () => {
  it('candidate protocol: HR@1 per set, mean/std over sets, NDCG@5, unknown ids, malformed lines', async () => {
    const r = await evaluate({ model: FIXTURE, data: file('cand.jsonl', candidateLines) });
    expect(r.protocol).toBe('candidates');
    expect(r.rows).toBe(4);
    expect(r.candidateRows).toBe(4);
    expect(r.fullRows).toBe(0);
    // full ranking is also reported on candidate rows: ranks A 0, B 4, C miss, D 1
    expect(r.full!.hr1).toBeCloseTo(1 / 4, 12);
    expect(r.full!.hr10).toBeCloseTo(3 / 4, 12);
    expect(r.full!.ndcg10).toBeCloseTo((1 + ndcg(4) + ndcg(1)) / 4, 6);
    expect(r.unknown).toEqual({ historyIds: 1, next: 1, candidateIds: 1 });
    expect(r.malformedLines).toBe(1);
    expect(r.malformed).toEqual([{ line: 4, error: expect.stringMatching(/not JSON/) }]);
    const c = r.candidates!;
    expect(c.sets).toBe(2);
    expect(c.hr1_per_set).toEqual([0.5, 0.25]);
    expect(c.hr1_mean).toBeCloseTo((0.5 + 0.25) / 2, 12);
    expect(c.hr1_std).toBeCloseTo(0.125, 12);
    const nd1 = (1 + 1 + 0 + ndcg(1)) / 4,
      nd2 = (1 + ndcg(2) + 0 + ndcg(1)) / 4;
    expect(c.ndcg5_mean).toBeCloseTo((nd1 + nd2) / 2, 6);
    expect(r.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.modelSha256.slice(0, 16)).toBe(r.modelVersion);
  });

  it('full ranking: history removed, HR@1/HR@10/NDCG@10, popularity for an empty history, malformed lines with numbers', async () => {
    const r = await evaluate({ model: FIXTURE, data: file('full.jsonl', fullLines), dump: join(dir, 'dump.jsonl') });
    expect(r.protocol).toBe('full');
    expect(r.rows).toBe(6);
    expect(r.fullRows).toBe(6);
    expect(r.candidates).toBeNull();
    expect(r.emptyHistoryRows).toBe(1);
    expect(r.nextInHistory).toBe(1);
    expect(r.unknown).toEqual({ historyIds: 1, next: 1, candidateIds: 0 });
    expect(r.malformedLines).toBe(4);
    expect(r.malformed.map((m) => m.line)).toEqual([5, 8, 9, 10]);
    expect(r.malformed[3]!.error).toMatch(/--leave-last/);
    // ranks: E 0, F 3, G miss, H 3, I miss, J 0
    expect(r.full!.hr1).toBeCloseTo(2 / 6, 12);
    expect(r.full!.hr10).toBeCloseTo(4 / 6, 12);
    expect(r.full!.ndcg10).toBeCloseTo((1 + ndcg(3) + ndcg(3) + 1) / 6, 6);

    const dump = readFileSync(join(dir, 'dump.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(dump.map((d) => d.line)).toEqual([1, 2, 4, 6, 7, 11]);
    expect(dump[0].top10).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(dump[1].top10).toEqual([2, 3, 6, 7, 8, 9, 10, 11, 12, 13]); // 4, 5, 1 removed
    expect(dump[3].top10).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // popularity
    expect(dump[0].scores[0]).toBeCloseTo(1, 5);
  });

  it('gives the same figures for any batch size, with --limit, and with the fp32 model', async () => {
    const data = file('mixed.jsonl', [...candidateLines, ...fullLines]);
    const strip = (r: EvalReport) => ({
      ...r,
      seconds: 0,
      inferenceSeconds: 0,
      batch: 0,
      modelFile: '',
      modelSha256: '',
    });
    const a = await evaluate({ model: FIXTURE, data, batch: 256 });
    const b = await evaluate({ model: FIXTURE, data, batch: 2 });
    const f = await evaluate({ model: FIXTURE, data, batch: 3, fp32: true });
    expect(a.protocol).toBe('mixed');
    expect(a.rows).toBe(10);
    expect(strip(b)).toEqual(strip(a));
    expect(strip(f)).toEqual(strip(a));
    expect(f.modelFile).toBe('model.fp32.onnx');
    expect(f.modelSha256).not.toBe(a.modelSha256);
    const l = await evaluate({ model: FIXTURE, data, limit: 2 });
    expect(l.rows).toBe(2);
  });

  it('--leave-last splits the last item of train rows off as the target', async () => {
    const data = file('train.jsonl', [
      { user: 'u1', items: [101, 102, 103] }, // after 2 → 3: rank 0
      { user: 'u2', items: [110, 112] }, // after 10 → 11, 12: rank 1
      { user: 'u3', items: [105] }, // too short: malformed
    ]);
    const r = await evaluate({ model: FIXTURE, data, leaveLast: true });
    expect(r.protocol).toBe('full');
    expect(r.rows).toBe(2);
    expect(r.malformed).toEqual([{ line: 3, error: expect.stringMatching(/at least 2 items/) }]);
    expect(r.full).toEqual({ hr1: 0.5, hr10: 1, ndcg10: expect.closeTo((1 + ndcg(1)) / 2, 6) });
  });

  it('--adapt replays each history through the adapter: learning rate 0 changes nothing, learning counts every step', async () => {
    const data = file('adapt.jsonl', [...candidateLines, ...fullLines]);
    const plain = await evaluate({ model: FIXTURE, data });
    const frozen = await evaluate({ model: FIXTURE, data, adapt: true, adapterOptions: { lr: 0 } });
    expect(frozen.candidates).toEqual(plain.candidates);
    expect(frozen.full).toEqual(plain.full);
    expect(plain.adapt).toBeNull();
    // well-formed rows with a known history: one update per known history item after the first
    const rows = ([...candidateLines, ...fullLines] as unknown[]).filter(
      (l): l is { history: unknown[] } =>
        typeof l === 'object' && !Array.isArray(l) && Array.isArray((l as { history?: unknown }).history),
    );
    const dumpPlain = join(dir, 'adapt-plain.jsonl'),
      dumpLearned = join(dir, 'adapt-learned.jsonl');
    await evaluate({ model: FIXTURE, data, dump: dumpPlain });
    const learned = await evaluate({
      model: FIXTURE,
      data,
      adapt: true,
      adapterOptions: { lr: 5, steps: 4 },
      dump: dumpLearned,
    });
    expect(learned.adapt?.refused).toBe(0);
    const known = rows.map((r) => r.history.filter((id) => Number(id) >= 101 && Number(id) <= 124).length);
    expect(learned.adapt?.updates).toBe(known.reduce((a, n) => a + Math.max(0, n - 1), 0));
    // a strong adapter moves the scores of rows that had something to learn from (row F: 3 items)
    const rowsOf = (f: string) =>
      readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { history: number[]; scores: number[] });
    const a = rowsOf(dumpPlain),
      b = rowsOf(dumpLearned);
    expect(a.length).toBe(b.length);
    const moved = a.filter(
      (r, i) => r.history.length >= 2 && Math.max(...r.scores.map((x, j) => Math.abs(x - b[i]!.scores[j]!))) > 1e-3,
    );
    expect(moved.length).toBeGreaterThan(0);
    a.forEach((r, i) => {
      if (r.history.length < 2)
        expect(b[i]!.scores.map((x) => Math.round(x * 1e4))).toEqual(r.scores.map((x) => Math.round(x * 1e4)));
    });
  });

  it('refuses a model folder whose files do not match the manifest', async () => {
    const bad = join(dir, 'bad-model');
    rmSync(bad, { recursive: true, force: true });
    mkdirSync(bad);
    for (const f of readdirSync(FIXTURE)) copyFileSync(join(FIXTURE, f), join(bad, f));
    const bytes = readFileSync(join(bad, 'items.bin'));
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(join(bad, 'items.bin'), bytes);
    const data = file('one.jsonl', [{ history: [101], next: 102 }]);
    await expect(evaluate({ model: bad, data })).rejects.toBeInstanceOf(ModelIntegrityError);
  });

  it('runs as a CLI: JSON on the last stdout line, usage errors exit 2', async () => {
    const run = promisify(execFile);
    const data = file('cli.jsonl', [...candidateLines]);
    const tsx = join(REPO, 'node_modules/.bin/tsx');
    const { stdout, stderr } = await run(tsx, ['eval/cli.ts', '--model', FIXTURE, '--data', data, '--batch', '3'], {
      cwd: REPO,
    });
    const lines = stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]!);
    expect(report.candidates.hr1_per_set).toEqual([0.5, 0.25]);
    expect(report.batch).toBe(3);
    expect(stderr).toMatch(/line 4: malformed/);
    const err = await run(tsx, ['eval/cli.ts', '--model', FIXTURE], { cwd: REPO }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(/--data is required/);
  });
});
