/**
 * Speed and scale benchmark:
 *   nice -n 10 npm run bench [-- --models movielens,lastfm,beauty,beauty-pq32,synthetic-1m --backends wasm,webgpu
 *                              --iterations N --no-write --skip-build]
 * Builds the engine harness page (e2e/harness/engine.html) with vite into .cache/bench-dist/ and
 * serves it with a production-like static server (bench/lib/static-server.ts: ETags, max-age for
 * hashed assets and the runtime, gzip), drives Debian's Chromium (headless) against it, runs the
 * same models natively with onnxruntime-node, prints a table and (unless --no-write) writes the
 * "## Speed" and "## Scale" sections of docs/benchmarks.md, docs/bench/speed.json and
 * docs/bench/scaling.svg.
 * Besides the shipped models it measures two generated ones (git-ignored, made on demand,
 * deterministically, by training/compress.py): `beauty-pq32` (the Beauty model with a
 * product-quantised item table) and `synthetic-1m` (1,000,000 items, same architecture).
 * A benchmark, not a test: nothing here asserts a time.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import * as ortNode from 'onnxruntime-node';
import type * as OrtCommon from 'onnxruntime-common';
import { build } from 'vite';
import { chromiumLaunchOptions as launchOptions } from '../tests/support/browser';
import { historyTensorData } from '../src/core/history';
import { ItemTable } from '../src/core/item-table';
import type { ModelManifest } from '../src/core/manifest-types';
import type { StartupTimings } from '../src/engine/recommender';
import { topK } from '../src/core/rank';
import { OrtEngine } from '../src/engine/inference';
import { ORT_RUNTIME_FILES } from '../build/vite-ort-plugin';
import {
  histories,
  loadModelUnderTest,
  type ModelUnderTest,
  openHarness,
  REPO,
  shippedModels,
} from '../tests/support/models';
import { bytes, ms, percentile, target } from './lib/bench-stats';
import { scalingSvg } from './lib/bench-svg';
import { sentGzipped, startStaticServer } from './lib/static-server';

// ---------- options ----------
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(`usage: nice -n 10 npm run bench [-- options]
  --models LIST     comma-separated, of movielens,lastfm,beauty,beauty-pq32,synthetic-1m (default: all)
  --backends LIST   wasm,webgpu (default: both)
  --iterations N    timed recommend() calls per model and backend (default 100)
  --no-write        print the tables only (docs/benchmarks.md and docs/bench/ stay as they are)
  --skip-build      reuse .cache/bench-dist/ from the previous run`);
  process.exit(0);
}
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
};
/**
 * Models made by training/compress.py into .cache/bench-models/ (git-ignored; outside public/ so
 * that neither the app build nor the specs that list public/models/ pick them up), served by the
 * bench's static server at /bench-models/ on the page's own origin.
 */
const GEN_DIR = join(REPO, '.cache/bench-models');
const PY = join(REPO, 'training/.venv/bin/python');
interface Generated {
  name: string;
  rel: string;
  base: string;
  args: string[];
}
// 32-subspace PQ of unit directions + a score-aware per-row scale, 36 bytes per item, the most
// popular items kept as int8 rows (docs/model-format.md); the ## Scale section says why this scheme
const PQ_ARGS = ['--scheme', 'pq', '--subspaces', '32', '--norm'];
const GENERATED: Generated[] = [
  {
    name: 'beauty-pq32',
    rel: 'beauty-pq32',
    base: 'beauty',
    args: [
      'convert',
      '--model',
      'public/models/beauty',
      '--out',
      '.cache/bench-models/beauty-pq32',
      ...PQ_ARGS,
      '--score-aware',
      '--exact-frac',
      '0.03',
    ],
  },
  {
    name: 'synthetic-1m',
    rel: 'synthetic-1m',
    base: 'beauty',
    args: [
      'synthetic',
      '--items',
      '1000000',
      '--out',
      '.cache/bench-models/synthetic-1m',
      '--base',
      'public/models/beauty',
      ...PQ_ARGS,
      '--exact-frac',
      '0.01',
      '--catalog',
      'bin',
    ],
  },
];

/** Regenerates a generated model when it is missing or was made from another version of its base model. */
function ensureGenerated(g: Generated): ModelUnderTest | null {
  const baseDir = join(REPO, 'public/models', g.base);
  if (!existsSync(join(baseDir, 'manifest.json'))) return null;
  const baseVersion = (JSON.parse(readFileSync(join(baseDir, 'manifest.json'), 'utf8')) as ModelManifest).modelVersion;
  const dir = join(GEN_DIR, g.rel);
  const stamp = join(dir, 'derived-from.txt');
  const want = `${baseVersion} ${g.args.join(' ')}`;
  if (!existsSync(join(dir, 'manifest.json')) || !existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== want) {
    console.log(`generating ${g.name}: ${PY} -m training.compress ${g.args.join(' ')}`);
    execFileSync(PY, ['-m', 'training.compress', ...g.args], { cwd: REPO, stdio: 'inherit' });
    writeFileSync(stamp, `${want}\n`);
  }
  return loadModelUnderTest(g.name, dir, `/bench-models/${g.rel}/`);
}

const shipped = shippedModels();
const allNames = [...shipped.map((m) => m.name), ...GENERATED.map((g) => g.name)];
const modelNames = (opt('models') ?? allNames.join(',')).split(',').filter(Boolean);
const backends = (opt('backends') ?? 'wasm,webgpu').split(',').filter(Boolean) as ('wasm' | 'webgpu')[];
const ITER = Number(opt('iterations') ?? 100);
const GPU_ITER = Math.max(2, Math.min(ITER, 5));
const WRITE = !argv.includes('--no-write');
const SKIP_BUILD = argv.includes('--skip-build');
const HISTORY_LENGTHS = [10, 50, 200];
const PORT = Number(process.env.LOCALREC_BENCH_PORT ?? 5191);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const HARNESS = `${ORIGIN}/e2e/harness/engine.html`;
const DIST = join(REPO, '.cache/bench-dist');
if (!Number.isInteger(ITER) || ITER < 1) throw new Error('--iterations must be a positive integer');
const models = modelNames.map((n) => {
  const m = shipped.find((x) => x.name === n);
  if (m) return m;
  const g = GENERATED.find((x) => x.name === n);
  const made = g ? ensureGenerated(g) : null;
  if (!made) throw new Error(`no model ${n} (have: ${allNames.join(', ')})`);
  return made;
});
for (const b of backends) if (b !== 'wasm' && b !== 'webgpu') throw new Error(`unknown backend ${b}`);

// ---------- results ----------
interface Lat {
  p50: number;
  p95: number;
  n: number;
  /** history events fed to the model (the engine keeps the last maxHistory) */
  fed: number;
  /** native only: how the faster of the two native ways scored the catalogue */
  scoring?: 'graph' | 'table';
}
interface ModelResult {
  name: string;
  items: number;
  maxHistory: number;
  /** itemTable.dtype (+ subspaces) */
  table: string;
  downloadBytes: number;
  /** bytes on the wire with gzip (as the static server sends them) */
  downloadGzipBytes: number;
  files: Record<string, number>;
  browser: Record<string, Record<number, Lat>>;
  backendUsed: Record<string, string>;
  native: Record<number, Lat>;
  firstRec: {
    coldPageMs: number;
    warmPageMs: number;
    coldReadyMs: number;
    coldFirstMs: number;
    warmReadyMs: number;
    warmFirstMs: number;
    /** where the warm first answer came from: 'stored' (resume) or 'model' */
    warmSource: string;
    /** warm load: the model session up (rec.ready()), ms since navigation start */
    warmModelReadyMs: number;
    /** the warm load's first answer listed the same items as the model's last answer on the cold load (same history) */
    warmSame: boolean;
    /** warm load, one second after the first model answer: track(view) + recommend() */
    warmInteractionMs: number;
    transferredCold: number;
    transferredWarm: number;
  };
  /** createRecommender's phases on the warm load (window.debug(rec).startup()) and the first recommend() */
  warmStartup: (StartupTimings & { firstRecommendMs: number }) | null;
  memory: {
    pageJsHeap: number;
    workerJsHeap: number | null;
    rendererRss: number | null;
    wasmBytes: number | null;
    noWorkerJsHeap: number | null;
    noWorkerBacking: number | null;
  };
  /** on-device adapter update (learn) time per interaction, ms */
  adapter: Lat | null;
}

// ---------- the built harness, served like production ----------
async function buildHarness(): Promise<void> {
  if (SKIP_BUILD && existsSync(join(DIST, 'e2e/harness/engine.html'))) return;
  console.log('building the engine harness (vite build → .cache/bench-dist)');
  await build({
    root: REPO,
    configFile: join(REPO, 'vite.config.ts'),
    publicDir: false, // models are served from public/models directly
    logLevel: 'warn',
    build: {
      outDir: DIST,
      emptyOutDir: true,
      rollupOptions: { input: { engine: join(REPO, 'e2e/harness/engine.html') } },
    },
  });
}

async function harnessPage(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  // tsx (esbuild keepNames) wraps named functions in __name(); define it in the page
  await page.addInitScript('window.__name = (f) => f;');
  await openHarness(page, HARNESS);
  return page;
}

/** Item ids of a real validation history (or seeded random), 200 long, no repeats. */
function historyIds(m: ModelUnderTest, n: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const h of histories(m, 400)) {
    for (const idx of h) {
      const id = m.catalog.ids[idx - 1];
      if (id !== undefined && !seen.has(id)) {
        seen.add(id);
        out.push(id);
      }
      if (out.length >= n) return out;
    }
  }
  for (let i = 0; out.length < n && i < m.catalog.ids.length; i++) {
    const id = m.catalog.ids[(i * 7919) % m.catalog.ids.length]!;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

// ---------- browser: recommend() latency ----------
async function browserLatency(
  ctx: BrowserContext,
  m: ModelUnderTest,
  backend: 'wasm' | 'webgpu',
  ids: string[],
  worker = true,
  adapter = false,
) {
  const page = await harnessPage(ctx);
  const iters = backend === 'webgpu' ? GPU_ITER : ITER;
  const res = await page.evaluate(
    async ({ url, backend, ids, lengths, iters, worker, adapter }) => {
      const rec = await window.lr.createRecommender({ model: url, backend, worker, dbName: `bench-lat-${backend}` });
      await rec.erase();
      const out: Record<number, { times: number[]; fed: number }> = {};
      let tracked = 0;
      for (const len of lengths) {
        while (tracked < len)
          await rec.track({ type: 'view', itemId: ids[tracked++]!, time: 1_700_000_000_000 + tracked * 1000 });
        const first = await rec.recommend({ k: 10 }); // warm-up
        await rec.recommend({ k: 10 });
        const times: number[] = [];
        for (let i = 0; i < iters; i++) {
          const s = performance.now();
          await rec.recommend({ k: 10 });
          times.push(performance.now() - s);
        }
        out[len] = { times, fed: first.historyLength };
      }
      // on-device adapter updates: one learn call per new interaction, timed in the worker
      let adapterMs: number[] | null = null;
      const t = window.debug(rec);
      const waitAdapter = (rec as unknown as { adapter?: () => Promise<unknown> }).adapter;
      if (adapter && t.adapterTimings && waitAdapter) {
        await waitAdapter.call(rec);
        await t.adapterTimings({ clear: true });
        const more = rec
          .items()
          .map((x) => x.id)
          .filter((id) => !ids.includes(id))
          .slice(0, Math.min(iters, 100));
        for (const id of more) {
          await rec.track({ type: 'view', itemId: id });
          await waitAdapter.call(rec);
        }
        adapterMs = await t.adapterTimings({ clear: true });
      }
      const used = rec.backend;
      await rec.erase();
      rec.close();
      return { out, used, adapterMs };
    },
    { url: m.url, backend, ids, lengths: HISTORY_LENGTHS, iters, worker, adapter },
  );
  // memory after the run, while the page still holds the model (the recommender is closed, its
  // buffers may not be collected yet: a ceiling, not a floor)
  let mem: { jsHeap: number; backing: number } | null = null;
  if (!worker) {
    try {
      const cdp = await ctx.newCDPSession(page);
      const u = (await cdp.send('Runtime.getHeapUsage')) as {
        usedSize: number;
        totalSize: number;
        backingStorageSize?: number;
      };
      mem = { jsHeap: u.usedSize, backing: u.backingStorageSize ?? NaN };
      await cdp.detach();
    } catch {
      // CDP cannot read this page's heap: the report shows no figure rather than a wrong one
      mem = null;
    }
  }
  await page.close();
  const lat: Record<number, Lat> = {};
  for (const len of HISTORY_LENGTHS) {
    const r = res.out[len]!;
    lat[len] = { p50: percentile(r.times, 50), p95: percentile(r.times, 95), n: r.times.length, fed: r.fed };
  }
  const a = res.adapterMs;
  const adapterLat: Lat | null = a?.length
    ? { p50: percentile(a, 50), p95: percentile(a, 95), n: a.length, fed: 0 }
    : null;
  return { lat, used: String(res.used), mem, adapter: adapterLat };
}

// ---------- browser: load → first recommendation, memory ----------
async function firstRecommendation(m: ModelUnderTest, ids: string[]) {
  // a fresh persistent profile, like a returning visitor's browser: empty at first, then a disk
  // HTTP cache (an incognito context's memory cache is too small to keep the wasm runtime)
  // and the compiled-wasm code cache
  const profile = mkdtempSync(join(tmpdir(), 'localrec-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, launchOptions);
  // response bytes over the network per page load (page, worker, runtime, model; 304s count 0)
  const transferred = { cold: 0, warm: 0, done: 0 };
  let phase: 'cold' | 'warm' | 'done' = 'cold';
  const pending: Promise<void>[] = [];
  ctx.on('requestfinished', (req) => {
    const ph = phase;
    pending.push(
      req
        .sizes()
        .then((s) => {
          transferred[ph] += Math.max(0, s.responseBodySize);
        })
        // a request whose sizes are gone (its page closed first) is left out of the byte count, visibly
        .catch((e: unknown) => console.warn(`bench: no size for ${req.url()}, not counted: ${String(e)}`)),
    );
  });
  const measure = async (seed: boolean) => {
    const page = await harnessPage(ctx);
    const r = await page.evaluate(
      async ({ url, seed, ids, next }) => {
        // performance.now() counts from the navigation start of this page load
        const pageReady = performance.now();
        const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', dbName: 'bench-first' });
        const ready = performance.now();
        let trackMs = 0;
        if (seed) {
          // first visit: the history is empty; seed 10 views (their cost is taken out below)
          const s = performance.now();
          for (let i = 0; i < 10; i++) await rec.track({ type: 'view', itemId: ids[i]! });
          trackMs = performance.now() - s;
        }
        const t1 = performance.now();
        const rec1 = await rec.recommend({ k: 10 });
        const first = performance.now() - trackMs;
        const firstRecommendMs = performance.now() - t1;
        // a returning visitor's first answer may come from the stored model output (resume):
        // also time the model session, and the visitor's first interaction a second later
        await rec.ready();
        const modelReady = performance.now() - trackMs;
        await new Promise((r) => setTimeout(r, 1000));
        const t2 = performance.now();
        await rec.track({ type: 'view', itemId: next });
        const r3 = await rec.recommend({ k: 10 });
        const interactionMs = performance.now() - t2;
        // the next visit resumes from the output kept for this history: written before the page goes
        await window.debug(rec).storedOutputWritten();
        return {
          pageReady,
          ready,
          first,
          source: rec1.source,
          firstIds: rec1.items.map((x) => x.id).join(),
          lastIds: r3.items.map((x) => x.id).join(),
          modelReady,
          interactionMs,
          interactionSource: r3.source,
          startup: window.debug(rec).startup(),
          firstRecommendMs,
        };
      },
      { url: m.url, seed, ids, next: ids[seed ? 10 : 11]! },
    );
    return { page, ...r };
  };
  const cold = await measure(true);
  await Promise.all(pending);
  await cold.page.close();
  phase = 'warm';
  const warm = await measure(false);
  await Promise.all(pending);
  phase = 'done'; // the clean-up below loads the recommender again
  // memory of the warm page: page JS heap (CDP), the worker's heap, the renderer's resident memory
  const cdp = await ctx.newCDPSession(warm.page);
  await cdp.send('Performance.enable');
  const metrics = (await cdp.send('Performance.getMetrics')).metrics;
  const pageJsHeap = metrics.find((x) => x.name === 'JSHeapUsedSize')?.value ?? NaN;
  let workerJsHeap: number | null = null;
  for (const w of warm.page.workers()) {
    const h = await w
      .evaluate(
        () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null,
      )
      // a worker that closed, or whose realm has no performance.memory, adds no figure
      .catch(() => null);
    if (h !== null) workerJsHeap = (workerJsHeap ?? 0) + h;
  }
  // renderer RSS: the largest renderer process descending from this profile's browser process
  const rendererRss = largestRendererRss(profile);
  await cdp.detach();
  await warm.page.evaluate(async (url) => {
    const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', dbName: 'bench-first' });
    await rec.erase();
    rec.close();
  }, m.url);
  await warm.page.close();
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
  // the warm load's first answer is for the history the cold load last asked about
  const same = warm.firstIds === cold.lastIds;
  if (cold.source !== 'model' || warm.interactionSource !== 'model')
    console.warn(
      `  note: first recommendation of ${m.name} came from ${cold.source}/${warm.source}/${warm.interactionSource}`,
    );
  if (!same)
    console.warn(
      `  note: the warm load's first answer (${warm.source}) and the cold load's last model answer of ${m.name} differ`,
    );
  return {
    firstRec: {
      coldPageMs: cold.pageReady,
      warmPageMs: warm.pageReady,
      coldReadyMs: cold.ready,
      coldFirstMs: cold.first,
      warmReadyMs: warm.ready,
      warmFirstMs: warm.first,
      warmSource: warm.source,
      warmModelReadyMs: warm.modelReady,
      warmSame: same,
      warmInteractionMs: warm.interactionSource === 'model' ? warm.interactionMs : NaN,
      transferredCold: transferred.cold,
      transferredWarm: transferred.warm,
    },
    warmStartup: warm.startup ? { ...warm.startup, firstRecommendMs: warm.firstRecommendMs } : null,
    memory: { pageJsHeap, workerJsHeap, rendererRss, wasmBytes: null, noWorkerJsHeap: null, noWorkerBacking: null },
  };
}

/** VmRSS (bytes) of the largest Chromium renderer process under the browser started with `profile`. */
function largestRendererRss(profile: string): number | null {
  try {
    const procs = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map((pid) => {
        try {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8');
          return {
            pid: Number(pid),
            ppid: Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0),
            rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024,
            cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '),
          };
        } catch {
          // the process exited between the listing and the read
          return null;
        }
      })
      .filter((p): p is { pid: number; ppid: number; rss: number; cmd: string } => p !== null);
    const root = procs.find((p) => p.cmd.includes(profile) && !p.cmd.includes('--type='));
    if (!root) return null;
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const under = (p: { ppid: number }): boolean => {
      for (let q = byPid.get(p.ppid), n = 0; q && n < 10; q = byPid.get(q.ppid), n++)
        if (q.pid === root.pid) return true;
      return false;
    };
    const rss = procs.filter((p) => p.cmd.includes('--type=renderer') && under(p)).map((p) => p.rss);
    return rss.length ? Math.max(...rss) : null;
  } catch {
    // no /proc (not Linux): the report shows no resident-memory figure
    return null;
  }
}

// ---------- native: onnxruntime-node, same model, batch 1 ----------
async function nativeLatency(m: ModelUnderTest, ids: string[]): Promise<Record<number, Lat>> {
  const engine = new OrtEngine(ortNode as unknown as typeof OrtCommon, 'node');
  // one thread, like the page: onnxruntime-web runs single-threaded without cross-origin isolation
  await engine.init({
    manifest: m.manifest,
    modelPath: join(m.dir, m.manifest.files.model.path),
    backend: 'auto',
    threads: 1,
  });
  const index = new Map(m.catalog.ids.map((id, i) => [id, i + 1]));
  const out: Record<number, Lat> = {};
  const n = m.manifest.itemCount + 1;
  // ways to score the catalogue: the graph's own scores; the item table from `user`, as the page does
  // — the only way without a scores output (pq table), and a second one, timed in turn, for a model
  // that can skip its scores (inputs.withScores). The faster of the two is the native figure.
  const ways: ('graph' | 'table')[] = !m.manifest.outputs.scores
    ? ['table']
    : m.manifest.inputs.withScores
      ? ['graph', 'table']
      : ['graph'];
  const table = ways.includes('table')
    ? ItemTable.fromBytes(new Uint8Array(readFileSync(join(m.dir, m.manifest.itemTable.file))), m.manifest.itemTable)
    : null;
  const buf = new Float32Array(n);
  for (const len of HISTORY_LENGTHS) {
    const h = ids
      .slice(0, len)
      .map((id) => index.get(id)!)
      .slice(-m.manifest.maxHistory);
    const once = async (way: 'graph' | 'table') => {
      const { data, dims } = historyTensorData([h], m.manifest.maxHistory);
      const r = await engine.run(data, dims[0], dims[1], way === 'graph');
      const scores =
        way === 'table' ? table!.scoreAll(r.user.subarray(0, m.manifest.dim), buf) : r.scores.subarray(0, n);
      return topK(scores, 10, { from: 1 });
    };
    const times: number[][] = ways.map(() => []);
    for (const way of ways) {
      await once(way);
      await once(way);
    }
    for (let i = 0; i < ITER; i++) {
      for (let j = 0; j < ways.length; j++) {
        const s = performance.now();
        await once(ways[j]!);
        times[j]!.push(performance.now() - s);
      }
    }
    const best = times.reduce((b, t, j) => (percentile(t, 50) < percentile(times[b]!, 50) ? j : b), 0);
    const t = times[best]!;
    out[len] = { p50: percentile(t, 50), p95: percentile(t, 95), n: t.length, fed: h.length, scoring: ways[best] };
  }
  await engine.close();
  return out;
}

// ---------- Node: catalogue scoring alone (item table → top-10), per table layout ----------
interface ScoringResult {
  layout: string;
  bytesPerItem: number;
  items: number;
  p50: number;
  p95: number;
}
/** Times scoreAll + topK(10) over a random table of `items` rows per layout (what the page does after inference). */
function scoringMicrobench(items: number, dim: number): ScoringResult[] {
  const out: ScoringResult[] = [];
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const user = Float32Array.from({ length: dim }, () => rnd() * 2 - 1);
  const layouts: { layout: string; bpi: number; make: () => ItemTable }[] = [
    {
      layout: 'int8 + float32 row scale',
      bpi: dim + 4,
      make: () => {
        const rows = items + 1;
        const so = Math.ceil((rows * dim) / 4) * 4;
        const b = new Uint8Array(so + rows * 4);
        for (let i = 0; i < rows * dim; i++) b[i] = Math.floor(rnd() * 256);
        const dv = new DataView(b.buffer);
        for (let j = 0; j < rows; j++) dv.setFloat32(so + 4 * j, 0.01, true);
        return ItemTable.fromBytes(b, { file: 'x', rows, dim, dtype: 'int8', dataOffset: 0, scaleOffset: so });
      },
    },
    ...[8, 16, 32].map((M) => ({
      layout: `pq M=${M}`,
      bpi: M,
      make: () => {
        const rows = items + 1;
        const cbo = Math.ceil((rows * M) / 4) * 4;
        const b = new Uint8Array(cbo + 256 * dim * 4);
        for (let i = 0; i < rows * M; i++) b[i] = Math.floor(rnd() * 256);
        const dv = new DataView(b.buffer);
        for (let i = 0; i < 256 * dim; i++) dv.setFloat32(cbo + 4 * i, rnd() - 0.5, true);
        return ItemTable.fromBytes(b, {
          file: 'x',
          rows,
          dim,
          dtype: 'pq',
          dataOffset: 0,
          subspaces: M,
          codebookOffset: cbo,
        });
      },
    })),
  ];
  for (const l of layouts) {
    const table = l.make();
    const buf = new Float32Array(table.rows);
    const times: number[] = [];
    for (let i = 0; i < 3 + 30; i++) {
      const s = performance.now();
      table.scoreAll(user, buf);
      topK(buf, 10, { from: 1 });
      if (i >= 3) times.push(performance.now() - s);
    }
    out.push({ layout: l.layout, bytesPerItem: l.bpi, items, p50: percentile(times, 50), p95: percentile(times, 95) });
  }
  return out;
}

// ---------- report ----------
const TARGET_P50: Record<string, number> = { movielens: 5, lastfm: 5, beauty: 25 };
const TARGET_RATIO = 2.5;
const TARGET_WARM_FIRST = 500;

function report(results: ModelResult[], env: Record<string, string>): string {
  const L: string[] = [];
  L.push('## Speed');
  L.push('');
  L.push('<!-- written by `npm run bench` (bench/bench.ts); edit the code, not this section -->');
  L.push('');
  L.push(
    `Machine: ${env.cpu}, ${env.cores} cores; ${env.date}. Chromium ${env.chromium} (headless), onnxruntime-web ${env.ortWeb}, onnxruntime-node ${env.ortNode}, Node ${env.node}.`,
  );
  L.push(
    `Load average ${env.loadBefore} at the start and ${env.loadAfter} at the end of the run (\`/proc/loadavg\`, 1/5/15 min, on 2 cores), the benchmark itself at niceness ${env.niceness}; a busier machine gives higher and noisier figures.`,
  );
  L.push('');
  L.push(
    `Command: \`${env.command}\` (${env.iterations} timed calls per figure on WASM and native, ${env.gpuIterations} on WebGPU, after 2 warm-up calls).`,
  );
  L.push('');
  L.push('What is timed:');
  L.push(
    '- **Page under test**: the engine harness (`e2e/harness/engine.html`) **built** with `vite build` (bundled, minified) and served by a production-like static server (`bench/lib/static-server.ts`: ETag revalidation everywhere, `max-age` for content-hashed assets and the onnxruntime-web runtime, `no-cache` for HTML and model files, gzip).',
  );
  L.push(
    '- **recommend()**: `rec.recommend({k: 10})` measured in the page, end to end through the Worker: IndexedDB history read, inference, top-k, result back in the page. The catalogue is scored from the user vector (`ItemTable.scoreAll`, dot(u, token) over the int8 rows of items.bin in WebAssembly SIMD) by the Worker for int8 models that can skip the graph\'s own catalogue scores (the `with_scores` input, every model `training/` writes), by the page for models without a scores output (int4/pq tables). "history N" = N view events stored; the model is fed the last `maxHistory` (50) of them, so 200 differs from 50 only in the history read and the seen-item exclusion.',
  );
  L.push(
    "- **native**: the same `model.onnx` on onnxruntime-node (CPU EP, the engine's session options, one thread like the page, batch 1) through the engine's `OrtEngine.run` (+ `ItemTable.scoreAll` for int4/pq tables) + `topK` — inference and top-k only, no storage, no Worker. An int8 model that can skip its catalogue scores (`with_scores`, as the page runs it) is timed both ways, in turn: the graph's own scores, and the graph without them + `ItemTable.scoreAll` (the int8 WebAssembly kernel the page uses); the faster is the native figure, marked *(table)* when it is the second. The ratio is browser recommend() p50 / native p50.",
  );
  L.push(
    "- **first recommendation**: `performance.now()` (ms since navigation start of the harness page) when the first non-popularity `recommend()` returns, WASM: on a warm load that is normally the model output stored on the previous load for this history (`source: 'stored'`, `createRecommender`'s `resume`), answered before the model session is up; the table also gives the first answer the model itself computes on that load (after `rec.ready()`). Cold = fresh browser context (empty HTTP cache and IndexedDB; 10 views are seeded after the recommender is ready and their tracking time is subtracted). Warm = second load of the page in the same context (HTTP cache: the runtime and hashed assets within max-age, the rest revalidated; model files from the engine's Cache Storage, re-verified by sha256; history already stored).",
  );
  L.push(
    '  Columns: *page* = harness page scripts loaded (localrec imported), *ready* = `createRecommender()` resolved (manifest, model files, onnxruntime-web wasm, session, Worker), *first rec.* = first `recommend()` returned; all from navigation start.',
  );
  L.push(
    "- **WASM, no Worker**: the same recommend() with `createRecommender({worker: false})` (inference on the page's thread): the difference to the Worker column is the Worker round trip.",
  );
  if (results.some((r) => r.browser.webgpu))
    L.push(
      '- **WebGPU** is SwiftShader here (no GPU): **software WebGPU, correctness only** — its figures say nothing about a real GPU.',
    );
  else
    L.push(
      '- **WebGPU** (SwiftShader here, correctness only) was not part of this run (`--backends wasm`): under this load one software-WebGPU figure for Beauty took minutes. Browser/node parity on WebGPU is tested by `e2e/engine/parity.spec.ts`.',
    );
  L.push('');
  const has = (b: string) => results.some((r) => r.browser[b]);
  L.push('### recommend() latency (ms, p50 / p95)');
  L.push('');
  const head = ['model', 'items', 'history'];
  if (has('wasm')) head.push('WASM p50 / p95');
  if (has('wasm-noworker')) head.push('WASM, no Worker p50 / p95');
  head.push('native p50 / p95');
  if (has('wasm')) head.push('browser / native');
  if (has('webgpu')) head.push('software WebGPU p50 / p95 (correctness only)');
  L.push(`| ${head.join(' | ')} |`);
  L.push(`|${head.map(() => '---').join('|')}|`);
  for (const r of results) {
    for (const len of HISTORY_LENGTHS) {
      const row = [r.name, String(r.items), `${len} (fed ${r.native[len]!.fed})`];
      const w = r.browser.wasm?.[len];
      const nat = r.native[len]!;
      if (has('wasm')) row.push(w ? `${ms(w.p50)} / ${ms(w.p95)}` : '–');
      if (has('wasm-noworker')) {
        const nw = r.browser['wasm-noworker']?.[len];
        row.push(nw ? `${ms(nw.p50)} / ${ms(nw.p95)}` : '–');
      }
      row.push(
        `${ms(nat.p50)} / ${ms(nat.p95)}${nat.scoring === 'table' && r.table.startsWith('int8') ? ' (table)' : ''}`,
      );
      if (has('wasm')) row.push(w ? `${(w.p50 / nat.p50).toFixed(2)}×` : '–');
      if (has('webgpu')) {
        const g = r.browser.webgpu?.[len];
        row.push(
          g
            ? `${ms(g.p50)} / ${ms(g.p95)}${r.backendUsed.webgpu !== 'webgpu' ? ` (ran on ${r.backendUsed.webgpu})` : ''}`
            : '–',
        );
      }
      L.push(`| ${row.join(' | ')} |`);
    }
  }
  L.push('');
  L.push(
    `**Noise:** with a load average around ${env.loadAfter?.split(' ')[1] ?? '?'} on 2 cores, single figures move by 2× from run to run and need not grow with history length or catalogue size (a p50 at history 10 above the one at 50 is contention, not the model). Compare p50s, not p95s, and re-run on an idle machine before drawing conclusions.`,
  );
  L.push('');
  L.push('### Targets (WASM, headless Chromium, 2 cores, history 50)');
  L.push('');
  L.push(
    '| model | recommend() p50 | target | browser / native | target | first recommendation, warm cache (answered by) | target | model session up, warm cache |',
  );
  L.push('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const w = r.browser.wasm?.[50];
    const ratio = w ? w.p50 / r.native[50]!.p50 : NaN;
    const tp = r.items >= 500_000 ? 150 : (TARGET_P50[r.name] ?? 25);
    L.push(
      `| ${r.name} | ${w ? `${ms(w.p50)} ms` : '–'} | ${target(w?.p50 ?? NaN, tp, ' ms')} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–'} | ${target(ratio, TARGET_RATIO, '×')} | ${ms(r.firstRec.warmFirstMs)} ms (${r.firstRec.warmSource}${r.firstRec.warmSource === 'stored' ? (r.firstRec.warmSame ? ', same items as the model' : ", **items differ from the model's**") : ''}) | ${target(r.firstRec.warmFirstMs, TARGET_WARM_FIRST, ' ms')} | ${ms(r.firstRec.warmModelReadyMs)} ms |`,
    );
  }
  L.push('');
  L.push('### Load, download size, memory (WASM)');
  L.push('');
  L.push(
    '| model | download (all model files) | on the wire (gzip) | cold: page / ready / first rec. (ms) | warm: page / ready / first rec. (ms) | transferred cold / warm | page JS heap (Worker) | no Worker: JS heap / ArrayBuffers+wasm | renderer RSS |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const f = r.firstRec;
    const mem = r.memory;
    L.push(
      `| ${r.name} | ${bytes(r.downloadBytes)} (${Object.entries(r.files)
        .map(([k, v]) => `${k} ${bytes(v)}`)
        .join(
          ', ',
        )}) | ${bytes(r.downloadGzipBytes)} | ${ms(f.coldPageMs)} / ${ms(f.coldReadyMs)} / ${ms(f.coldFirstMs)} | ${ms(f.warmPageMs)} / ${ms(f.warmReadyMs)} / ${ms(f.warmFirstMs)} | ${bytes(f.transferredCold)} / ${bytes(f.transferredWarm)} | ${bytes(mem.pageJsHeap)} | ${mem.noWorkerJsHeap === null ? 'n/a' : bytes(mem.noWorkerJsHeap)} / ${mem.noWorkerBacking === null || !Number.isFinite(mem.noWorkerBacking) ? 'n/a' : bytes(mem.noWorkerBacking)} | ${mem.rendererRss === null ? 'n/a' : bytes(mem.rendererRss)} |`,
    );
  }
  L.push('');
  L.push(
    "Where the warm first recommendation goes (ms; `window.debug(rec).startup()` inside `createRecommender`, then the first `recommend()`). After *page scripts* (from navigation start) and *load* (manifest revalidated, model files from Cache Storage, sha256-verified), two things run side by side: the *engine* (Worker start, onnxruntime-web import, wasm runtime start and model session — *of which session* = runtime start and model session, timed in the Worker — and the encoder session; then the stored adapter handed over: *session up* = from createRecommender's start) and the page's own start (*rest* = catalogue and item-table parse, IndexedDB opened, stored adapter read, restored items, stored model output read). *createRecommender* = when it resolved: at the end of *rest* for a returning visitor whose stored model output matches the history (resume, the first answer *stored*), else once the session is up. *first run* = the first `recommend()` (stored: the page scores the catalogue from the stored user vector; model: history read, first inference, whose kernels are compiled on first use). *A view 1 s later* = one second after the session is up, `track()` of one more view and the `recommend()` that follows: the first answer the model computes on this load (the adapter update runs between them). *Same items as the model*: the warm load's first answer lists the items of the cold load's last model answer, for the same history.",
  );
  L.push('');
  L.push(
    '| model | page scripts | load | rest | createRecommender | first run (answered by) | first recommendation | engine (side by side) | of which session | session up | a view 1 s later: track + recommend |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const s = r.warmStartup;
    if (!s) continue;
    const rest = s.parseMs + s.storeWaitMs + s.adapterMs + s.restoreMs;
    L.push(
      `| ${r.name} | ${ms(r.firstRec.warmPageMs)} | ${ms(s.loadMs)} | ${ms(rest)} | ${ms(s.totalMs)} | ${ms(s.firstRecommendMs)} (${r.firstRec.warmSource}) | ${ms(r.firstRec.warmFirstMs)} | ${ms(s.engineMs)} | ${s.engine ? ms(s.engine.sessionMs) : '–'} | ${ms(s.readyMs)} | ${ms(r.firstRec.warmInteractionMs)} |`,
    );
  }
  L.push('');
  L.push(
    `Download: the model files are what \`createRecommender\` fetches for this model; *on the wire* is the same with gzip as the static server sends JSON and the binary catalogue (model.onnx and items.bin are sent as they are). onnxruntime-web's runtime is fetched once per page as well, whatever the model: on WASM its WASM-only build (ort-wasm-simd-threaded.*), where WebGPU is used its WebGPU build (ort-wasm-simd-threaded.asyncify.*) (${env.runtimeFiles}). *Transferred* = response bytes of every request of the page load (page, Worker, runtime, model), from Playwright's \`request.sizes()\`; a revalidated (304) response or one from the HTTP cache counts 0.`,
  );
  L.push('');
  L.push(
    "Memory: *page JS heap* = CDP `Performance.getMetrics` `JSHeapUsedSize` of the warm page (the catalogue, the page's item table and history; inference runs in the Worker, whose heap CDP does not reach through Playwright). *No Worker* = the same engine with `worker: false`, everything in the page: CDP `Runtime.getHeapUsage` after the latency run, JS heap and the backing stores of ArrayBuffers, which include onnxruntime-web's wasm linear memory (the session, its weights, the item table as external data) and the model bytes the page keeps. *Renderer RSS* = `/proc/<pid>/status` VmRSS of the largest renderer process of the warm page's browser, Chromium's own overhead included.",
  );
  L.push('');
  const ad = results.filter((r) => r.adapter);
  if (ad.length) {
    L.push('### On-device update (per-visitor adapter)');
    L.push('');
    L.push('| model | updates timed | p50 | p95 | target (p50) |');
    L.push('|---|---|---|---|---|');
    for (const r of ad)
      L.push(
        `| ${r.name} | ${r.adapter!.n} | ${ms(r.adapter!.p50)} ms | ${ms(r.adapter!.p95)} ms | ${target(r.adapter!.p50, 10, ' ms')} |`,
      );
    L.push('');
    L.push(
      'Timed inside the Worker by the engine (`window.debug(rec).adapterTimings()`: wall time of the learning steps after one interaction, not the model run or IndexedDB), WASM, after the latency run: one new view per update, each awaited (`rec.adapter()`).',
    );
    L.push('');
  }
  return L.join('\n');
}

function scaleReport(results: ModelResult[], scoring: ScoringResult[], env: Record<string, string>): string {
  const L: string[] = [];
  L.push('## Scale');
  L.push('');
  L.push('<!-- written by `npm run bench` (bench/bench.ts) except where marked; edit the code, not this section -->');
  L.push('');
  L.push(
    `Same run as **## Speed** (\`${env.command}\`). \`synthetic-1m\` is a 1,000,000-item model with the shipped architecture (d = 64, 2 layers, 4 experts; the Beauty transformer weights and a seeded random item table in the same compressed layout, 32 PQ codes + a float32 scale per item, the 1 % most popular items (10,000) kept as int8 rows, and a binary catalogue: for speed and size only, its recommendations mean nothing), made by \`training/.venv/bin/python -m training.compress ${GENERATED[1]!.args.join(' ')}\`; \`beauty-pq32\` is the shipped Beauty model with its item table compressed that way, the 3 % most popular items (1,636) kept as int8 rows (\`... -m training.compress ${GENERATED[0]!.args.join(' ')}\`). Both are git-ignored and regenerated by the bench when missing or stale.`,
  );
  L.push('');
  L.push('![recommend() p50 and download size against catalogue size](bench/scaling.svg)');
  L.push('');
  L.push(
    '| model | items | item table | recommend() p50 / p95, WASM, history 50 | target | native p50 | browser / native | download (raw) | on the wire (gzip) | target |',
  );
  L.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of [...results].sort((a, b) => a.items - b.items)) {
    const w = r.browser.wasm?.[50];
    const nat = r.native[50]!;
    const tp = r.items >= 500_000 ? 150 : TARGET_P50[r.name];
    L.push(
      `| ${r.name} | ${r.items.toLocaleString('en-US')} | ${r.table} | ${w ? `${ms(w.p50)} / ${ms(w.p95)} ms` : '–'} | ${tp ? target(w?.p50 ?? NaN, tp, ' ms') : '–'} | ${ms(nat.p50)} ms | ${w ? `${(w.p50 / nat.p50).toFixed(2)}×` : '–'} | ${bytes(r.downloadBytes)} | ${bytes(r.downloadGzipBytes)} | ${r.items >= 500_000 ? target(r.downloadGzipBytes / 1e6, 40, ' MB') : '–'} |`,
    );
  }
  L.push('');
  if (scoring.length) {
    L.push(
      '### Scoring a 1,000,000-item table outside the graph (Node, same code as the page: int8 rows through the WebAssembly SIMD kernel, pq rows by ADC in JavaScript)',
    );
    L.push('');
    L.push(
      '`ItemTable.scoreAll(user)` into a preallocated Float32Array + `topK(10)` over 1,000,001 random rows (dim 64), 30 timed calls, `bench/bench.ts` › `scoringMicrobench` (Node ' +
        env.node +
        ', same load as above):',
    );
    L.push('');
    L.push('| layout | bytes / item | 1M items | scoreAll + top-10 p50 / p95 |');
    L.push('|---|---|---|---|');
    for (const x of scoring)
      L.push(
        `| ${x.layout} | ${x.bytesPerItem} | ${bytes(x.bytesPerItem * x.items)} | ${ms(x.p50)} / ${ms(x.p95)} ms |`,
      );
    L.push('');
  }
  return L.join('\n');
}

/** onnxruntime-web runtime files the engine loads (the vite plugin serves them at ort/). */
function runtimeFiles(): string {
  const dist = join(REPO, 'node_modules/onnxruntime-web/dist');
  try {
    return ORT_RUNTIME_FILES.map((f) => `${f} ${bytes(statSync(join(dist, f)).size)}`).join(', ');
  } catch {
    return 'onnxruntime-web .wasm + .mjs';
  }
}

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '?';
  }
}

// ---------- main ----------
const loadBefore = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const results: ModelResult[] = [];
let chromiumVersion = '?';
await buildHarness();
const server = await startStaticServer({
  root: DIST,
  mounts: { '/models/': join(REPO, 'public/models'), '/bench-models/': GEN_DIR },
  port: PORT,
});
console.log(`serving the built harness at ${server.origin}`);
let scoring: ScoringResult[] = [];
try {
  const browser = await chromium.launch(launchOptions);
  chromiumVersion = browser.version();
  for (const m of models) {
    const t0 = Date.now();
    const ids = historyIds(m, Math.max(...HISTORY_LENGTHS));
    const files: Record<string, number> = {};
    let gz = 0;
    for (const [k, f] of Object.entries(m.manifest.files)) {
      if (!f) continue;
      const p = join(m.dir, (f as { path: string }).path);
      files[k] = existsSync(p) ? statSync(p).size : (f as { bytes: number }).bytes;
      gz += sentGzipped(p) && existsSync(p) ? gzipSync(readFileSync(p), { level: 6 }).length : files[k]!;
    }
    files.manifest = statSync(join(m.dir, 'manifest.json')).size;
    gz += gzipSync(readFileSync(join(m.dir, 'manifest.json'))).length;
    const it = m.manifest.itemTable;
    const r: ModelResult = {
      name: m.name,
      items: m.manifest.itemCount,
      maxHistory: m.manifest.maxHistory,
      table:
        it.dtype === 'pq'
          ? `pq M=${it.subspaces}${it.scaleOffset !== undefined ? ' + row scale' : ''}${it.exactRows ? ` + ${it.exactRows.toLocaleString('en-US')} int8 rows` : ''}`
          : it.dtype,
      downloadBytes: Object.values(files).reduce((a, b) => a + b, 0),
      downloadGzipBytes: gz,
      files,
      browser: {},
      backendUsed: {},
      native: await nativeLatency(m, ids),
      firstRec: {
        coldPageMs: NaN,
        warmPageMs: NaN,
        coldReadyMs: NaN,
        coldFirstMs: NaN,
        warmReadyMs: NaN,
        warmFirstMs: NaN,
        warmSource: '',
        warmModelReadyMs: NaN,
        warmSame: false,
        warmInteractionMs: NaN,
        transferredCold: 0,
        transferredWarm: 0,
      },
      warmStartup: null,
      memory: {
        pageJsHeap: NaN,
        workerJsHeap: null,
        rendererRss: null,
        wasmBytes: null,
        noWorkerJsHeap: null,
        noWorkerBacking: null,
      },
      adapter: null,
    };
    const runs: { key: string; backend: 'wasm' | 'webgpu'; worker: boolean }[] = backends.map((b) => ({
      key: b,
      backend: b,
      worker: true,
    }));
    if (backends.includes('wasm')) runs.splice(1, 0, { key: 'wasm-noworker', backend: 'wasm', worker: false });
    let mem: { jsHeap: number; backing: number } | null = null;
    for (const { key, backend: b, worker } of runs) {
      const ctx = await browser.newContext();
      try {
        const res = await browserLatency(ctx, m, b, ids, worker, key === 'wasm' && m.name === 'movielens');
        r.browser[key] = res.lat;
        r.backendUsed[key] = res.used;
        if (res.mem) mem = res.mem;
        if (res.adapter) r.adapter = res.adapter;
      } catch (e) {
        console.warn(`  ${m.name} ${key}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
      await ctx.close();
    }
    Object.assign(r, await firstRecommendation(m, ids));
    if (mem) {
      r.memory.noWorkerJsHeap = mem.jsHeap;
      r.memory.noWorkerBacking = mem.backing;
    }
    results.push(r);
    const w = r.browser.wasm?.[50];
    console.log(
      `${m.name} (${m.manifest.itemCount} items): WASM p50@50 ${w ? ms(w.p50) : '–'} ms, native ${ms(r.native[50]!.p50)} ms, warm first rec ${ms(r.firstRec.warmFirstMs)} ms${r.adapter ? `, adapter update p50 ${ms(r.adapter.p50)} ms` : ''}  [${((Date.now() - t0) / 1000).toFixed(0)} s]`,
    );
  }
  await browser.close();
  scoring = scoringMicrobench(1_000_000, 64);
  for (const x of scoring) console.log(`scoring 1M items, ${x.layout}: p50 ${ms(x.p50)} ms`);
} finally {
  await server.close();
}

const loadAfter = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const cpuModel =
  /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? '?';
const env = {
  cpu: cpuModel,
  cores: String(cpus().length),
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  chromium: chromiumVersion,
  ortWeb: versionOf('onnxruntime-web'),
  ortNode: versionOf('onnxruntime-node'),
  node: process.version,
  loadBefore,
  loadAfter,
  command: `${getPriority() > 0 ? `nice -n ${getPriority()} ` : ''}npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  niceness: String(getPriority()),
  runtimeFiles: runtimeFiles(),
  iterations: String(ITER),
  gpuIterations: String(GPU_ITER),
};
const md = `${report(results, env)}\n${scaleReport(results, scoring, env)}`;
console.log(`\n${md}`);

if (WRITE) {
  const dir = join(REPO, 'docs/bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'speed.json'),
    `${JSON.stringify({ env, historyLengths: HISTORY_LENGTHS, results }, null, 2)}\n`,
  );
  const points = results
    .filter((r) => r.browser.wasm)
    .map((r) => ({
      name: r.name,
      items: r.items,
      p50: r.browser.wasm![50]!.p50,
      bytes: r.downloadBytes,
      gzipBytes: r.downloadGzipBytes,
    }));
  writeFileSync(
    join(dir, 'scaling.svg'),
    scalingSvg(
      points,
      `localrec scaling (WASM, headless Chromium, ${env.cores} cores, load avg ${loadAfter.split(' ')[0]})`,
    ),
  );
  // only the "## Speed" and "## Scale" sections are ours: re-read the file right before writing,
  // keep every other section, and keep the hand-written notes between the scale-notes markers
  const docPath = join(REPO, 'docs/benchmarks.md');
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
  const START = '<!-- scale-notes:start -->';
  const END = '<!-- scale-notes:end -->';
  const notesAt = doc.indexOf(START);
  const notes =
    notesAt >= 0 && doc.indexOf(END, notesAt) > 0
      ? doc.slice(notesAt, doc.indexOf(END, notesAt) + END.length)
      : `${START}\n${END}`;
  const ours = /^## (Speed|Scale)\s*$/;
  const lines = doc.split('\n');
  const kept: string[] = [];
  let inOurs = false;
  let insertAt = -1;
  for (const line of lines) {
    if (/^## (?!#)/.test(line)) {
      inOurs = ours.test(line);
      if (inOurs && insertAt < 0) insertAt = kept.length;
    }
    if (!inOurs) kept.push(line);
  }
  const block = `${md}\n${notes}\n`.split('\n');
  if (insertAt < 0) {
    while (kept.length && kept[kept.length - 1] === '') kept.pop();
    kept.push('', ...block);
  } else kept.splice(insertAt, 0, ...block);
  writeFileSync(docPath, kept.join('\n').replace(/\n{3,}/g, '\n\n'));
  console.log('wrote docs/benchmarks.md (## Speed, ## Scale), docs/bench/speed.json, docs/bench/scaling.svg');
}
