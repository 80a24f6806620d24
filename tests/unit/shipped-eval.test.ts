/**
 * The eval CLI reproduces, on the small validation sets, the figures training wrote into each
 * shipped manifest (computed by training/evaluate.py with Python onnxruntime): two independent
 * implementations of the protocols and two runtimes agree. A couple of rank flips between
 * runtimes are tolerated (int8 arithmetic differs slightly); Beauty (40k users) is left to
 * `npm run eval` because of its run time.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../../eval/lib/evaluate';
import { parseManifest } from '../../src/core/manifest';
import { SHARED, readJSON, shippedModels } from '../support/helpers';

const cases = shippedModels()
  .map((m) => ({ ...m, val: join(SHARED, 'datasets', m.name, 'val.jsonl') }))
  .filter((m) => existsSync(m.val));

describe.each(cases)('eval on shipped model $name', ({ dir, val }) => {
  it("matches the manifest's validation figures", async () => {
    const manifest = parseManifest(readJSON(join(dir, 'manifest.json')));
    const want = manifest.eval?.val as { rows?: number; hr1_mean?: number; ndcg5_mean?: number } | undefined;
    expect(want?.hr1_mean).toBeTypeOf('number');
    const r = await evaluate({ model: dir, data: val });
    expect(r.malformedLines).toBe(0);
    expect(r.unknown).toEqual({ historyIds: 0, next: 0, candidateIds: 0 });
    expect(r.protocol).toBe('candidates');
    if (want?.rows !== undefined) expect(r.rows).toBe(want.rows);
    const tol = 2.5 / r.rows;
    expect(Math.abs(r.candidates!.hr1_mean - want!.hr1_mean!)).toBeLessThanOrEqual(tol);
    if (want?.ndcg5_mean !== undefined)
      expect(Math.abs(r.candidates!.ndcg5_mean - want.ndcg5_mean)).toBeLessThanOrEqual(tol);
  });
});

if (cases.length === 0) it.skip('no shipped model with a val.jsonl yet', () => undefined);
