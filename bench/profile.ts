/**
 * Where recommend() spends its time in the page: a CPU profile (Chrome DevTools Protocol) of
 * `rec.recommend({ k: 10 })` called in a loop, inference on the page's thread (`worker: false`, so
 * the profile sees onnxruntime-web's wasm and our code together), WASM backend, headless Chromium,
 * against the engine harness built like the bench builds it.
 *
 *   npm run bench:profile -- [--model movielens] [--history 50] [--calls 300] [--no-adapter] [--top 25]
 *
 * Prints the median call time (profiler overhead included) and the functions with the most self
 * time, in ms per call. A tool for finding costs, not a benchmark: `npm run bench` is.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { chromium as launchOptions } from '../playwright.config';
import { startStaticServer } from './lib/static-server';

const REPO = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : def;
};
const MODEL = opt('model', 'movielens');
const HISTORY = Number(opt('history', '50'));
const CALLS = Number(opt('calls', '300'));
const TOP = Number(opt('top', '25'));
const ADAPTER = !argv.includes('--no-adapter');
const DIST = join(REPO, '.cache/profile-dist');

console.log('building the engine harness (vite build → .cache/profile-dist)');
await build({
  root: REPO,
  configFile: join(REPO, 'vite.config.ts'),
  publicDir: false,
  logLevel: 'warn',
  // keep function names readable in the profile
  build: { outDir: DIST, emptyOutDir: true, minify: false, rollupOptions: { input: { engine: join(REPO, 'e2e/harness/engine.html') } } },
});
const server = await startStaticServer({ root: DIST, mounts: { '/models/': join(REPO, 'public/models') }, port: Number(process.env.LOCALREC_PROFILE_PORT ?? 5193) });
const browser = await chromium.launch(launchOptions);
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/e2e/harness/engine.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const catalog = JSON.parse(readFileSync(join(REPO, 'public/models', MODEL, 'catalog.json'), 'utf8')) as { ids: string[] };
  const ids = catalog.ids.slice(0, HISTORY);
  await page.evaluate(
    async ({ url, ids, adapter }) => {
      const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', worker: false, dbName: 'profile', adapter });
      await rec.erase();
      for (const id of ids) await rec.track({ type: 'view', itemId: id });
      for (let i = 0; i < 20; i++) await rec.recommend({ k: 10 }); // warm-up
      window.recs.profile = rec;
    },
    { url: `/models/${MODEL}/`, ids, adapter: ADAPTER },
  );
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const p50 = await page.evaluate(async (calls) => {
    const rec = window.recs.profile!;
    const t: number[] = [];
    for (let i = 0; i < calls; i++) {
      const s = performance.now();
      await rec.recommend({ k: 10 });
      t.push(performance.now() - s);
    }
    t.sort((a, b) => a - b);
    return t[Math.floor(calls / 2)]!;
  }, CALLS);
  const { profile } = await cdp.send('Profiler.stop');
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let j = 0; j < samples.length; j++) {
    const f = nodes.get(samples[j]!)!.callFrame;
    const file = f.url.split('/').pop() ?? '';
    const key = `${f.functionName || '(anonymous)'}${file ? `  [${file.replace(/-[A-Za-z0-9_]{8}\.js$/, '.js')}]` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (deltas[j] ?? 0) / 1000);
  }
  console.log(`${MODEL}, history ${HISTORY}, adapter ${ADAPTER ? 'on' : 'off'}, in-page WASM: recommend() p50 ${p50.toFixed(2)} ms (profiler attached), ${CALLS} calls`);
  console.log('self time, ms per call:');
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${(v / CALLS).toFixed(3).padStart(8)}  ${k}`);
} finally {
  await browser.close();
  await server.close();
}
