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
 *
 *   npm run bench:profile -- --startup [--model synthetic-1m] [--top 25]
 *
 * profiles a returning visitor's page load instead, on the page's main thread: a first load in a
 * fresh browser profile tracks 10 views and asks once (so the model files are cached and the
 * model's output is stored), then a second load is profiled from navigation to its first
 * recommendation, and the functions with the most self time are printed in ms. Models not in
 * public/models/ are looked up in .cache/bench-models/ (made by `npm run bench`).
 *
 *   npm run bench:profile -- --worker-vs-page [--model beauty] [--history 50] [--calls 300]
 *
 * no profiler: where the bench's browser/native ratio goes. In the page: two recommenders on the
 * same history, one with the Worker and one without, asked in turn (so both see the same machine
 * load), and the engine's raw run (history tensor, model, top-10: `debugHooks(rec).rankHistories`) through
 * the Worker and on the page's thread. Then in Node, the same raw run on the same model file with
 * onnxruntime-web's WASM build (the V8 WebAssembly engine, no browser) and with onnxruntime-node
 * (one thread, the bench's native column), asked in turn. Prints the medians in ms.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type * as OrtCommon from 'onnxruntime-common';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { build } from 'vite';
import { openHarness } from '../tests/support/models';
import { chromiumLaunchOptions as launchOptions } from '../tests/support/browser';
import { Catalog } from '../src/core/catalog';
import { historyTensorData } from '../src/core/history';
import { ItemTable } from '../src/core/item-table';
import type { ModelManifest } from '../src/core/manifest-types';
import { topK } from '../src/core/rank';
import { OrtEngine } from '../src/engine/inference';
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
const STARTUP = argv.includes('--startup');
const WORKER_VS_PAGE = argv.includes('--worker-vs-page');
const DIST = join(REPO, '.cache/profile-dist');
const GEN_DIR = join(REPO, '.cache/bench-models');
const inPublic = existsSync(join(REPO, 'public/models', MODEL, 'manifest.json'));
const MODEL_DIR = inPublic ? join(REPO, 'public/models', MODEL) : join(GEN_DIR, MODEL);
const MODEL_URL = inPublic ? `/models/${MODEL}/` : `/bench-models/${MODEL}/`;
if (!existsSync(join(MODEL_DIR, 'manifest.json')))
  throw new Error(`no model ${MODEL} in public/models/ or .cache/bench-models/`);

/** Self time per function of a CDP CPU profile, largest first, `per` divides (ms per call). */
function printSelf(
  profile: {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples?: number[];
    timeDeltas?: number[];
  },
  per: number,
  unit: string,
): void {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let j = 0; j < samples.length; j++) {
    const f = nodes.get(samples[j]!)!.callFrame;
    const file = f.url.split('/').pop() ?? '';
    // anonymous functions of our own bundle (built unminified) are told apart by their line
    const name =
      f.functionName ||
      (file.endsWith('.js') && f.lineNumber >= 0 ? `(anonymous, line ${f.lineNumber + 1})` : '(anonymous)');
    const key = `${name}${file ? `  [${file.replace(/-[A-Za-z0-9_]{8}\.js$/, '.js')}]` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (deltas[j] ?? 0) / 1000);
  }
  console.log(`self time, ${unit}:`);
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`${(v / per).toFixed(3).padStart(9)}  ${k}`);
}

console.log('building the engine harness (vite build → .cache/profile-dist)');
await build({
  root: REPO,
  configFile: join(REPO, 'vite.config.ts'),
  publicDir: false,
  logLevel: 'warn',
  // keep function names readable in the profile
  build: {
    outDir: DIST,
    emptyOutDir: true,
    minify: false,
    rollupOptions: { input: { engine: join(REPO, 'e2e/harness/engine.html') } },
  },
});
const server = await startStaticServer({
  root: DIST,
  mounts: { '/models/': join(REPO, 'public/models'), '/bench-models/': GEN_DIR },
  port: Number(process.env.LOCALREC_PROFILE_PORT ?? 5193),
});
const HARNESS = `${server.origin}/e2e/harness/engine.html`;
const readManifest = (): ModelManifest =>
  JSON.parse(readFileSync(join(MODEL_DIR, 'manifest.json'), 'utf8')) as ModelManifest;
const catalogIds = (): string[] => {
  const manifest = readManifest();
  return Catalog.fromBytes(readFileSync(join(MODEL_DIR, manifest.files.catalog.path)), manifest.itemCount).fileData()
    .ids;
};

async function startupProfile(): Promise<void> {
  // a persistent profile like a returning visitor's browser (disk HTTP cache, compiled-wasm cache)
  const dir = mkdtempSync(join(tmpdir(), 'localrec-profile-'));
  const ctx = await chromium.launchPersistentContext(dir, launchOptions);
  try {
    const ids = catalogIds().slice(0, 10);
    const visit = async (page: Page, seed: boolean) => {
      await openHarness(page, HARNESS);
      return page.evaluate(
        async ({ url, ids, seed }) => {
          const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', dbName: 'profile-startup' });
          if (seed) for (const id of ids) await rec.track({ type: 'view', itemId: id });
          const r = await rec.recommend({ k: 10 });
          const first = performance.now();
          await rec.ready();
          return { first, source: r.source, startup: window.debug(rec).startup() };
        },
        { url: MODEL_URL, ids, seed },
      );
    };
    const first = await ctx.newPage();
    await visit(first, true);
    await first.close();
    const page = await ctx.newPage();
    const cdp: CDPSession = await ctx.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    const r = await visit(page, false);
    const { profile } = await cdp.send('Profiler.stop');
    console.log(
      `${MODEL}, returning visitor, WASM: first recommendation ${r.first.toFixed(0)} ms after navigation (${r.source}; profiler attached)`,
    );
    console.log(`createRecommender phases (ms): ${JSON.stringify(r.startup)}`);
    printSelf(profile, 1, 'ms, page main thread, navigation to the model session up');
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh browser on the harness page, and the first HISTORY ids of the model's catalogue. */
async function onHarness(body: (page: Page, ids: string[]) => Promise<void>): Promise<void> {
  const browser = await chromium.launch(launchOptions);
  try {
    const page = await browser.newPage();
    await openHarness(page, HARNESS);
    await body(page, catalogIds().slice(0, HISTORY));
  } finally {
    await browser.close();
  }
}

async function callProfile(): Promise<void> {
  await onHarness(async (page, ids) => {
    await page.evaluate(
      async ({ url, ids, adapter }) => {
        const rec = await window.lr.createRecommender({
          model: url,
          backend: 'wasm',
          worker: false,
          dbName: 'profile',
          adapter,
        });
        await rec.erase();
        for (const id of ids) await rec.track({ type: 'view', itemId: id });
        for (let i = 0; i < 20; i++) await rec.recommend({ k: 10 }); // warm-up
        window.recs.profile = rec;
      },
      { url: MODEL_URL, ids, adapter: ADAPTER },
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
    console.log(
      `${MODEL}, history ${HISTORY}, adapter ${ADAPTER ? 'on' : 'off'}, in-page WASM: recommend() p50 ${p50.toFixed(2)} ms (profiler attached), ${CALLS} calls`,
    );
    printSelf(profile, CALLS, 'ms per call');
  });
}

/** model indices 1..HISTORY: the raw run's shape, not its answer */
const rawSequence = (): number[] => Array.from({ length: HISTORY }, (_, i) => i + 1);

async function workerVsPage(): Promise<void> {
  await onHarness(async (page, ids) => {
    const res = await page.evaluate(
      async ({ url, ids, seq, calls }) => {
        const recs = [];
        for (const [worker, dbName] of [
          [true, 'wvp-worker'],
          [false, 'wvp-page'],
        ] as const) {
          const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', worker, dbName });
          await rec.erase();
          for (const id of ids) await rec.track({ type: 'view', itemId: id });
          await rec.ready();
          for (let i = 0; i < 20; i++) await rec.recommend({ k: 10 }); // warm-up
          recs.push(rec);
        }
        const times: number[][] = [[], [], [], []];
        for (let i = 0; i < calls; i++) {
          for (let j = 0; j < 4; j++) {
            const s = performance.now();
            if (j < 2) await recs[j]!.recommend({ k: 10 });
            else await window.debug(recs[j - 2]!).rankHistories([seq], 10);
            times[j]!.push(performance.now() - s);
          }
        }
        for (const r of recs) {
          await r.erase();
          r.close();
        }
        return times.map((t) => t.sort((a, b) => a - b)[Math.floor(calls / 2)]!);
      },
      { url: MODEL_URL, ids, seq: rawSequence(), calls: CALLS },
    );
    console.log(`${MODEL}, history ${HISTORY}, WASM, ${CALLS} calls each, in turn (p50, ms):`);
    console.log(`  Chromium: recommend() with the Worker ${res[0]!.toFixed(2)}, without ${res[1]!.toFixed(2)}`);
    console.log(
      `  Chromium: the engine's raw run through the Worker ${res[2]!.toFixed(2)}, on the page's thread ${res[3]!.toFixed(2)}`,
    );
  });
  const [web, native] = await rawRunsInNode();
  console.log(
    `  Node: the same raw run on onnxruntime-web's WASM ${web.toFixed(3)}, on onnxruntime-node ${native.toFixed(3)} (ratio ${(web / native).toFixed(2)})`,
  );
}

/** The engine's raw run (as `debugHooks(rec).rankHistories`) in Node on onnxruntime-web's WASM and on onnxruntime-node, in turn: the p50s. */
async function rawRunsInNode(): Promise<[number, number]> {
  const manifest = readManifest();
  const modelPath = join(MODEL_DIR, manifest.files.model.path);
  const itemsBytes = new Uint8Array(readFileSync(join(MODEL_DIR, manifest.itemTable.file)));
  const engines = [
    new OrtEngine(ortWeb as unknown as typeof OrtCommon, 'web'),
    new OrtEngine(ortNode as unknown as typeof OrtCommon, 'node'),
  ];
  await engines[0]!.init({
    manifest,
    model: new Uint8Array(readFileSync(modelPath)),
    items: itemsBytes,
    backend: 'wasm',
  });
  await engines[1]!.init({ manifest, modelPath, backend: 'auto', threads: 1 });
  const table = manifest.outputs.scores ? null : ItemTable.fromBytes(itemsBytes, manifest.itemTable);
  const n = manifest.itemCount + 1;
  const { data, dims } = historyTensorData([rawSequence()], manifest.maxHistory);
  const once = async (e: OrtEngine) => {
    const r = await e.run(data, dims[0], dims[1]);
    return topK(table ? table.scoreAll(r.user.subarray(0, manifest.dim)) : r.scores.subarray(0, n), 10, { from: 1 });
  };
  const times: number[][] = [[], []];
  for (let i = 0; i < 20; i++) for (const e of engines) await once(e);
  for (let i = 0; i < CALLS; i++) {
    for (let j = 0; j < 2; j++) {
      const s = performance.now();
      await once(engines[j]!);
      times[j]!.push(performance.now() - s);
    }
  }
  for (const e of engines) await e.close();
  const p50 = (t: number[]): number => t.sort((a, b) => a - b)[Math.floor(CALLS / 2)]!;
  return [p50(times[0]!), p50(times[1]!)];
}

try {
  if (STARTUP) await startupProfile();
  else if (WORKER_VS_PAGE) await workerVsPage();
  else await callProfile();
} finally {
  await server.close();
}
