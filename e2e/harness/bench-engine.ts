/**
 * Engine latency in Debian Chromium (a benchmark, not a test):
 *   nice -n 10 npx tsx e2e/harness/bench-engine.ts [modelUrl] [backends]
 * e.g. `npx tsx e2e/harness/bench-engine.ts /models/movielens/ wasm,webgpu`.
 * Starts its own vite dev server (port 5197), loads the model, tracks 20 views, then times
 * `recommend({k:10})`, `similar(id,{k:10})` and `track` (median and p95 of N calls) per backend,
 * and the adapter's on-device update after each tracked view (worker-side, rec.testing.adapterTimings()).
 */
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { chromium as launch } from '../../playwright.config';
import { primaryModel } from '../engine/models';

const PORT = 5197;
const modelUrl = process.argv[2] ?? primaryModel().url;
const backends = (process.argv[3] ?? 'wasm,webgpu').split(',') as ('wasm' | 'webgpu')[];
const N = Number(process.env.BENCH_N ?? 200);

const server = spawn('npx', ['vite', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], {
  env: { ...process.env, LOCALREC_E2E: '1' },
  stdio: 'ignore',
  detached: true,
});
const stop = () => {
  try {
    process.kill(-server.pid!, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('exit', stop);

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/e2e/harness/engine.html`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('vite did not start');
}

try {
  await waitForServer();
  const browser = await chromium.launch(launch);
  for (const backend of backends) {
    const page = await browser.newPage();
    // tsx (esbuild keepNames) wraps named functions in __name(); define it in the page
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(`http://127.0.0.1:${PORT}/e2e/harness/engine.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const res = await page.evaluate(
      async ({ url, backend, n }) => {
        const t0 = performance.now();
        const rec = await window.lr.createRecommender({ model: url, backend, dbName: `bench-${backend}` });
        const load = performance.now() - t0;
        await rec.erase();
        const ids = rec.items().map((x) => x.id);
        for (let i = 0; i < 20; i++) await rec.track({ type: 'view', itemId: ids[(i * 37) % ids.length]! });
        await rec.recommend({ k: 10 }); // warm-up
        const time = async (f: (i: number) => Promise<unknown>, count: number) => {
          const ts: number[] = [];
          for (let i = 0; i < count; i++) {
            const s = performance.now();
            await f(i);
            ts.push(performance.now() - s);
          }
          ts.sort((a, b) => a - b);
          return { median: ts[Math.floor(ts.length / 2)]!, p95: ts[Math.floor(ts.length * 0.95)]! };
        };
        const count = backend === 'webgpu' ? Math.min(n, 20) : n;
        const recommend = await time(() => rec.recommend({ k: 10 }), count);
        const similar = await time((i) => rec.similar(ids[i % ids.length]!, { k: 10 }), count);
        const track = await time((i) => rec.track({ type: 'view', itemId: ids[i % ids.length]! }), count);
        // the adapter's on-device update after each of those interactions, timed inside the worker
        const upd = (await rec.testing.adapterTimings()).slice(-count).sort((a, b) => a - b);
        const update = { median: upd[Math.floor(upd.length / 2)] ?? NaN, p95: upd[Math.floor(upd.length * 0.95)] ?? NaN, n: upd.length };
        const out = { backend: rec.backend, items: ids.length, loadMs: load, calls: count, recommend, similar, track, update };
        await rec.erase();
        rec.close();
        return out;
      },
      { url: modelUrl, backend, n: N },
    );
    const f = (x: { median: number; p95: number }) => `median ${x.median.toFixed(2)} ms, p95 ${x.p95.toFixed(2)} ms`;
    console.log(`${modelUrl} ${res.backend} (${res.items} items, load ${res.loadMs.toFixed(0)} ms, ${res.calls} calls each)`);
    console.log(`  recommend(k=10): ${f(res.recommend)}\n  similar(k=10):   ${f(res.similar)}\n  track:           ${f(res.track)}`);
    console.log(`  adapter update:  ${f(res.update)} (worker-side, ${res.update.n} updates after the tracks above)`);
    await page.close();
  }
  await browser.close();
} finally {
  stop();
}
