/**
 * WASM and WebGPU (SwiftShader) rank like onnxruntime-node on the same 100 histories, for the tiny
 * fixture and every shipped model; then a WebGPU failure (device destroyed) falls back to WASM
 * and still answers the same.
 */
import { expect, test } from '@playwright/test';
import { agreement, histories, nodeTopK, shippedModels, tinyModel } from './models';

const K = 10;
const N = 100;

for (const model of [tinyModel(), ...shippedModels()]) {
  test(`${model.name}: wasm and webgpu rank like onnxruntime-node; GPU failure falls back to wasm`, async ({ page }) => {
    test.setTimeout(600_000);
    const hs = histories(model, N);
    const reference = await nodeTopK(model, hs, K);
    await page.goto('/e2e/harness/engine.html');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');

    const rank = (backend: 'wasm' | 'webgpu') =>
      page.evaluate(
        async ({ url, backend, hs, k }) => {
          const rec = await window.lr.createRecommender({ model: url, backend, dbName: `parity-${backend}` });
          window.recs[backend] = rec;
          const res = await window.debug(rec).rankHistories(hs, k);
          return { ...res, reported: rec.backend };
        },
        { url: model.url, backend, hs, k: K },
      );

    const wasm = await rank('wasm');
    expect(wasm.backend).toBe('wasm');
    const aw = agreement(wasm.top, reference);
    expect(aw.top1, 'wasm top-1 agreement').toBe(1);
    expect(aw.overlap, 'wasm top-10 overlap').toBeGreaterThanOrEqual(0.95);

    const gpu = await rank('webgpu');
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.reported).toBe('webgpu');
    const ag = agreement(gpu.top, reference);
    expect(ag.top1, 'webgpu top-1 agreement').toBe(1);
    expect(ag.overlap, 'webgpu top-10 overlap').toBeGreaterThanOrEqual(0.95);
    test.info().annotations.push({ type: 'parity', description: `${model.name}: wasm ${JSON.stringify(aw)}, webgpu ${JSON.stringify(ag)}` });

    // recommend() on both backends: runs without the graph's catalogue scores where the model can
    // skip them (with_scores false; the Worker scores the int8 table from `user`), with the
    // visitor's adapter learning from the views: the same answers on both
    const answers = await page.evaluate(
      async ({ hs, ids, k }) => {
        const out = { wasm: [] as string[][], webgpu: [] as string[][] };
        const backends: string[] = [];
        for (const b of ['wasm', 'webgpu'] as const) {
          const rec = window.recs[b]!;
          for (const h of hs) {
            await rec.erase();
            for (const i of h) await rec.track({ type: 'view', itemId: ids[i - 1]! });
            const r = await rec.recommend({ k });
            out[b].push(r.items.map((x) => x.id));
            backends.push(`${b}:${r.backend}:${r.source}`);
          }
        }
        return { ...out, backends };
      },
      { hs: hs.slice(0, 5), ids: model.catalog.ids, k: K },
    );
    const index = new Map(model.catalog.ids.map((id, i) => [id, i + 1]));
    const asIndices = (rows: string[][]) => rows.map((r) => r.map((id) => index.get(id)!));
    const ar = agreement(asIndices(answers.webgpu), asIndices(answers.wasm));
    expect(answers.wasm.every((r) => r.length === K)).toBe(true);
    expect(new Set(answers.backends)).toEqual(new Set(['wasm:wasm:model', 'webgpu:webgpu:model']));
    expect(ar.top1, 'recommend(): webgpu vs wasm top-1').toBe(1);
    expect(ar.overlap, 'recommend(): webgpu vs wasm top-10 overlap').toBeGreaterThanOrEqual(0.9);

    // the GPU device is destroyed: the next call is answered on WASM, same ranking
    const after = await page.evaluate(
      async ({ hs, k }) => {
        const rec = window.recs.webgpu!;
        const how = await window.debug(rec).simulateGpuFailure('destroy-device');
        const res = await window.debug(rec).rankHistories(hs.slice(0, 10), k);
        const r = await rec.recommend({ k: 3 });
        return { ...res, how, reported: rec.backend, recBackend: r.backend };
      },
      { hs, k: K },
    );
    test.info().annotations.push({ type: 'gpu-failure', description: after.how });
    // a real GPUDevice was destroyed and its `lost` promise signalled (not just a flag)
    expect(after.how).toBe('device-destroyed');
    expect(after.backend).toBe('wasm');
    expect(after.reported).toBe('wasm');
    expect(after.recBackend).toBe('wasm');
    expect(agreement(after.top, reference.slice(0, 10)).top1).toBe(1);
    await page.evaluate(() => {
      for (const r of Object.values(window.recs)) r.close();
    });
  });
}
