/**
 * The visitor's adapter in the engine: learning after tracked interactions, rescoring,
 * persistence per model version, corrupt records, erase/export/reset, pause, refused updates,
 * two tabs, and the worker protocol messages. Tiny fixture with onnxruntime-node.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADAPTER_DEFAULTS,
  applyAdapter,
  createAdapter,
  learn,
  validateAdapter,
  type AdapterState,
} from '../../src/core/adapter';
import { BackendError, InvalidArgumentError, QuotaError } from '../../src/core/errors';
import { ItemTable } from '../../src/core/item-table';
import type { ModelManifest } from '../../src/core/manifest-types';
import { type AdapterDebug, LocalEngine, type LearnRequest, type LearnResponse } from '../../src/engine/personal';
import { handleRequest, type WorkerRequest } from '../../src/engine/protocol';
import { IdbStore, MemoryStore } from '../../src/engine/store';
import { workerEngine } from '../../src/engine/worker-client';
import { debugHooks } from '../../src/engine/debug';
import { diskFetch, nodeEngine, TINY, TINY_URL, tinyRecommender } from './helpers';

const id = (j: number): string => String(100 + j);
const manifest = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8')) as ModelManifest;

/** A path through the catalogue the tiny model does not predict (it predicts i → i+1). */
async function browse(rec: Awaited<ReturnType<typeof tinyRecommender>>, items: number[]): Promise<void> {
  for (const j of items) await rec.track({ type: 'view', itemId: id(j) });
}

/** A node engine that records the `withScores` of every model run. */
function scoresSpy(): { engine: ReturnType<typeof nodeEngine>; asked: (boolean | undefined)[] } {
  const engine = nodeEngine();
  const asked: (boolean | undefined)[] = [];
  const run = engine.run.bind(engine);
  engine.run = (h, b, l, withScores) => {
    asked.push(withScores);
    return run(h, b, l, withScores);
  };
  return { engine, asked };
}

describe('adapter in the engine', () => {
  it('starts fresh (the shipped answers exactly), learns after interactions and then changes the answer', async () => {
    const rec = await tinyRecommender();
    const plain = await tinyRecommender({ adapter: false });
    let info = await rec.adapter();
    expect(info).toMatchObject({
      enabled: true,
      modelVersion: manifest.modelVersion,
      updates: 0,
      updatedAt: 0,
      gateShift: 0,
      lastError: null,
    });
    expect(info.bytes).toBeGreaterThan(0);
    expect(info.bytes).toBeLessThan(8 * 1024);

    // the first event of a fresh visitor has no history before it: nothing to learn
    await browse(rec, [3]);
    await browse(plain, [3]);
    expect((await rec.adapter()).updates).toBe(0);
    const r0 = await rec.recommend({ k: 24 });
    const p0 = await plain.recommend({ k: 24 });
    expect(r0.adapterApplied).toBe(false);
    expect(r0.items).toEqual(p0.items);
    expect(r0.personalGate).toEqual(r0.gate);

    const before = Date.now();
    await browse(rec, [10, 3, 10, 3, 10]); // 3 → 10 again and again: a jump the model does not predict
    await browse(plain, [10, 3, 10, 3, 10]);
    info = await rec.adapter();
    expect(info.updates).toBe(5);
    expect(info.updatedAt).toBeGreaterThanOrEqual(before);
    expect(info.shippedGate.length).toBe(2);
    expect(info.personalGate.length).toBe(2);
    expect(info.gateShift).toBeGreaterThanOrEqual(0);
    // repeats of the last item are no new step: nothing learned
    await rec.track({ type: 'click', itemId: id(10) });
    expect((await rec.adapter()).updates).toBe(5);

    const r = await rec.recommend({ k: 24, includeSeen: true });
    const p = await plain.recommend({ k: 24, includeSeen: true });
    expect(r.adapterApplied).toBe(true);
    expect(p.adapterApplied).toBe(false);
    expect(r.gate).toEqual(p.gate); // the shipped gate is the same for both
    const rank = (items: { id: string }[], x: string): number => items.findIndex((i) => i.id === x);
    // after "10" the visitor went to "3" every time: 3 climbs in their personal ranking
    expect(rank(r.items, id(3))).toBeLessThan(rank(p.items, id(3)));
    const s3 = r.items.find((i) => i.id === id(3))!.score;
    const p3 = p.items.find((i) => i.id === id(3))!.score;
    expect(s3).toBeGreaterThan(p3);
    rec.close();
    plain.close();
  });

  it('is persisted per model version; a new model version starts fresh and drops the old one', async () => {
    const factory = new IDBFactory();
    const rec = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }) });
    await browse(rec, [1, 7, 2, 7]);
    const exported = (await rec.exportData()).adapter!;
    expect(exported.updates).toBe(3);
    rec.close();

    const again = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }) });
    const back = (await again.exportData()).adapter!;
    expect(back.params).toEqual(exported.params);
    expect(back.updates).toBe(3);
    expect((await again.recommend()).adapterApplied).toBe(true);
    again.close();

    // the same files under a new modelVersion
    const m2 = { ...manifest, modelVersion: 'next-version' };
    const store = await IdbStore.open({ indexedDB: factory });
    const next = await tinyRecommender(
      {},
      {
        store,
        load: {
          fetch: diskFetch(TINY, TINY_URL, { 'manifest.json': new TextEncoder().encode(JSON.stringify(m2)) }),
          caches: null,
        },
      },
    );
    const info = await next.adapter();
    expect(info).toMatchObject({ modelVersion: 'next-version', updates: 0, lastError: null });
    expect((await next.history()).length).toBe(4); // the history is kept
    const r = await next.recommend();
    expect(r.source).toBe('model');
    expect(r.adapterApplied).toBe(false);
    expect(await store.getAdapter(manifest.modelVersion)).toBeUndefined();
    next.close();
  });

  it('a corrupt stored adapter → a fresh one (reported), and recommendations still work', async () => {
    const factory = new IDBFactory();
    const s0 = await IdbStore.open({ indexedDB: factory });
    await s0.append([{ type: 'view', itemId: id(4), value: null, time: Date.now() }]);
    s0.close();
    const corrupt: unknown[] = [
      { modelVersion: manifest.modelVersion, format: 'something else' },
      (() => {
        const a = createAdapter(manifest.modelVersion, manifest.dim, manifest.experts) as AdapterState;
        a.params[3] = NaN;
        return a;
      })(),
      (() => {
        const a = createAdapter(manifest.modelVersion, manifest.dim, manifest.experts) as AdapterState;
        a.examples.count = 1;
        a.examples.target[0] = 999; // not an item of this model
        a.updates = 1;
        return a;
      })(),
    ];
    const g = globalThis as { indexedDB: IDBFactory };
    const saved = g.indexedDB;
    for (const bad of corrupt) {
      g.indexedDB = factory;
      try {
        const db = await openDB('localrec', 3);
        await db.put('adapters', bad);
        db.close();
      } finally {
        g.indexedDB = saved;
      }
      const rec = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }) });
      const info = await rec.adapter();
      expect(info.updates).toBe(0);
      expect(info.lastError?.message).toMatch(/stored adapter/);
      const r = await rec.recommend({ k: 3 });
      expect(r.items.map((x) => x.id)).toEqual([id(5), id(6), id(7)]);
      // it learns again from here, and the next save replaces the corrupt record
      await browse(rec, [9]);
      expect((await rec.adapter()).updates).toBe(1);
      rec.close();
      const s = await IdbStore.open({ indexedDB: factory });
      expect(validateAdapter(await s.getAdapter(manifest.modelVersion)).updates).toBe(1);
      await s.clear();
      await s.append([{ type: 'view', itemId: id(4), value: null, time: Date.now() }]);
      s.close();
    }
  });

  it('erase deletes it; export includes it as JSON-safe data; reset goes back to the shipped model', async () => {
    const store = new MemoryStore('t');
    const rec = await tinyRecommender({}, { store });
    await browse(rec, [2, 11, 2, 11]);
    const data = await rec.exportData();
    const json = JSON.parse(JSON.stringify(data)) as typeof data;
    expect(json.adapter).toEqual(data.adapter);
    const a = json.adapter!;
    expect(a).toMatchObject({
      format: 'localrec-adapter',
      modelVersion: manifest.modelVersion,
      dim: 24,
      experts: 2,
      updates: 3,
    });
    expect(Array.isArray(a.params)).toBe(true);
    // the replay window keeps the newest min(3, window) targets, oldest first
    const w = Math.min(3, ADAPTER_DEFAULTS.window);
    expect(a.examples.count).toBe(w);
    expect(a.examples.target.slice(0, w)).toEqual([11, 2, 11].slice(3 - w));
    const fresh = createAdapter(manifest.modelVersion, 24, 2);
    expect(a.params).not.toEqual(Array.from(fresh.params));

    await rec.erase();
    expect(await store.getAdapter(manifest.modelVersion)).toBeUndefined();
    const info = await rec.adapter();
    expect(info.updates).toBe(0);
    expect((await rec.exportData()).adapter!.params).toEqual(Array.from(fresh.params));
    expect((await rec.exportData()).adapter!.examples.count).toBe(0);

    await browse(rec, [2, 11, 2]);
    expect((await rec.adapter()).updates).toBe(2);
    await rec.resetAdapter();
    expect((await rec.adapter()).updates).toBe(0);
    expect(await store.getAdapter(manifest.modelVersion)).toBeUndefined();
    expect((await rec.history()).length).toBe(3); // reset keeps the history
    expect((await rec.recommend()).adapterApplied).toBe(false);
    rec.close();
  });

  it('paused → no learning; disabled → nothing learned or stored', async () => {
    const store = new MemoryStore('t');
    const rec = await tinyRecommender({}, { store });
    await browse(rec, [1]);
    await rec.setPaused(true);
    await browse(rec, [5, 9]);
    expect((await rec.adapter()).updates).toBe(0);
    await rec.setPaused(false);
    await browse(rec, [5]);
    expect((await rec.adapter()).updates).toBe(1);
    rec.close();

    const off = await tinyRecommender({ adapter: false }, { store: new MemoryStore('t') });
    await browse(off, [1, 5, 9]);
    expect(await off.adapter()).toMatchObject({ enabled: false, updates: 0 });
    expect((await off.exportData()).adapter).toBeNull();
    expect((await off.recommend()).adapterApplied).toBe(false);
    await expect(debugHooks(off).adapterTimings()).resolves.toEqual([]);
    off.close();
  });

  it('events tracked at once each learn from the history right before them', async () => {
    const rec = await tinyRecommender();
    await browse(rec, [1]);
    // a click and the view of the page it opens arrive together: one step, not two
    await Promise.all([
      rec.track({ type: 'click', itemId: id(6) }),
      rec.track({ type: 'view', itemId: id(6) }),
      rec.track({ type: 'view', itemId: id(9) }),
    ]);
    expect((await rec.adapter()).updates).toBe(2);
    expect((await debugHooks(rec).adapterTrace()).map((t) => t.target)).toEqual([6, 9]);
    expect((await rec.history()).map((e) => e.itemId)).toEqual([id(1), id(6), id(6), id(9)]);
    rec.close();
  });

  it('a listener reading the adapter when it hears of an event sees the update of that event', async () => {
    const rec = await tinyRecommender();
    await browse(rec, [2]);
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      rec.subscribe((c) => {
        if (c.kind !== 'track') return;
        void rec.adapter().then((a) => {
          seen.push(a.updates);
          resolve();
        });
      });
    });
    await browse(rec, [20]);
    await done;
    expect(seen).toEqual([1]);
    rec.close();
  });

  it('bad adapter settings are refused at creation', async () => {
    await expect(tinyRecommender({ adapter: { lr: -1 } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(tinyRecommender({ adapter: { typo: 1 } as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(tinyRecommender({ adapter: 'yes' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a refused update (non-finite result) is never stored nor used', async () => {
    const store = new MemoryStore('t');
    // learn() refuses only non-finite results, which its clipping and norm limits make unreachable
    // with finite inputs: an engine that answers "refused" stands in for it
    class Refusing extends LocalEngine {
      override async adapterLearn(example: LearnRequest, at: number): Promise<LearnResponse> {
        void at;
        this.refused.push(example.target);
        return { result: { accepted: false, lossBefore: NaN, lossAfter: NaN, gradNorm: NaN }, state: null, ms: 0 };
      }
      readonly refused: number[] = [];
    }
    const engine = new Refusing(nodeEngine());
    const rec = await tinyRecommender({}, { store, engine });
    await browse(rec, [1, 5]);
    const info = await rec.adapter();
    expect(info.updates).toBe(0);
    expect(info.lastError?.message).toMatch(/refused/);
    expect(await store.getAdapter(manifest.modelVersion)).toBeUndefined();
    expect(engine.refused).toEqual([5]);
    const exported = (await rec.exportData()).adapter!;
    expect(exported.params.every(Number.isFinite)).toBe(true);
    expect(exported.examples.count).toBe(0);
    expect((await rec.recommend()).adapterApplied).toBe(false);
    rec.close();
  });

  it('a full disk while saving: reported, the update kept in use and saved with the next one, history intact', async () => {
    let full = true;
    const store = await IdbStore.open({
      indexedDB: new IDBFactory(),
      beforeAdapterWrite: () => {
        if (full) throw new DOMException('full', 'QuotaExceededError');
      },
    });
    const rec = await tinyRecommender({}, { store });
    await browse(rec, [1, 6]);
    const info = await rec.adapter();
    expect(info.updates).toBe(1);
    expect(info.lastError?.message).toMatch(/could not be saved.*QuotaError/);
    expect((await rec.recommend()).adapterApplied).toBe(true);
    expect((await rec.history()).length).toBe(2);
    expect(await store.getAdapter(manifest.modelVersion)).toBeUndefined();
    full = false;
    await browse(rec, [12]);
    expect((await rec.adapter()).lastError).toBeNull();
    expect(validateAdapter(await store.getAdapter(manifest.modelVersion)).updates).toBe(2);
    rec.close();
    expect(QuotaError).toBeDefined();
  });

  it('learns from the shipped u/g of the history before the item (cached from the last recommend)', async () => {
    // every model run of recommend() and of the updates skips the graph's catalogue scores (the
    // fixture has with_scores): the runtime scores the table itself, the updates need only u and g
    const { engine, asked } = scoresSpy();
    const rec = await tinyRecommender({}, { engine });
    await browse(rec, [2, 8]);
    await rec.recommend();
    await browse(rec, [15]);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(asked.every((w) => w === false)).toBe(true);
    const trace = await debugHooks(rec).adapterTrace();
    expect(trace.map((t) => t.target)).toEqual([8, 15]);
    // the same math in this realm from the traced inputs gives the same adapter
    const table = ItemTable.fromBytes(new Uint8Array(readFileSync(join(TINY, 'items.bin'))), manifest.itemTable);
    const ref = createAdapter(manifest.modelVersion, manifest.dim, manifest.experts);
    for (const t of trace) learn(ref, table, t, undefined, 0);
    expect((await rec.exportData()).adapter!.params).toEqual(Array.from(ref.params));
    // and the traced u/g are the shipped model's for [2, 8]
    const plain = await tinyRecommender({ adapter: false });
    await browse(plain, [2, 8]);
    const g = (await plain.recommend()).gate;
    expect(trace[1]!.gate.map((x) => Math.fround(x))).toEqual(g.map((x) => Math.fround(x)));
    plain.close();
    const timings = await debugHooks(rec).adapterTimings({ clear: true });
    expect(timings.length).toBe(2);
    expect(timings.every((ms) => ms >= 0 && Number.isFinite(ms))).toBe(true);
    expect(await debugHooks(rec).adapterTimings()).toEqual([]);
    rec.close();
  });

  it('without the adapter recommend() skips the graph scores too, and answers as the graph would', async () => {
    const { engine: spy, asked } = scoresSpy();
    // the reference asks the graph for its scores whatever the caller wants
    const graph = nodeEngine();
    const graphRun = graph.run.bind(graph);
    graph.run = (h, b, l) => graphRun(h, b, l, true);
    const rec = await tinyRecommender({ adapter: false }, { engine: spy });
    const ref = await tinyRecommender({ adapter: false }, { engine: graph });
    for (const r of [rec, ref]) await browse(r, [2, 8, 5, 11]);
    const a = await rec.recommend({ k: 20 });
    const b = await ref.recommend({ k: 20 });
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.every((w) => w === false)).toBe(true);
    expect(a.adapterApplied).toBe(false);
    expect(a.items.map((i) => i.id)).toEqual(b.items.map((i) => i.id));
    for (const [i, item] of a.items.entries()) expect(item.score).toBeCloseTo(b.items[i]!.score, 5);
    rec.close();
    ref.close();
  });

  it('items added in the page are never targets, and are scored with the personal user vector', async () => {
    const rec = await tinyRecommender();
    await rec.addItems([{ id: 'n1', title: 'Toy Story (1995)', genres: ['Animation'], year: 1995 }]);
    await browse(rec, [4]);
    await rec.track({ type: 'view', itemId: 'n1' });
    expect((await rec.adapter()).updates).toBe(0);
    await browse(rec, [9, 4, 9]);
    expect((await rec.adapter()).updates).toBe(3);
    const r = await rec.recommend({ k: 30, includeSeen: true });
    expect(r.adapterApplied).toBe(true);
    const state = validateAdapter(await exportedState(rec));
    expect(state.updates).toBe(3);
    expect((await debugHooks(rec).adapterTrace()).map((t) => t.target)).toEqual([9, 4, 9]);
    // the added item is scored dot(u', token) with the personal u': not the shipped score
    const plain = await tinyRecommender({ adapter: false });
    await plain.addItems([{ id: 'n1', title: 'Toy Story (1995)', genres: ['Animation'], year: 1995 }]);
    await browse(plain, [4]);
    await plain.track({ type: 'view', itemId: 'n1' });
    await browse(plain, [9, 4, 9]);
    const p = await plain.recommend({ k: 30, includeSeen: true });
    const mine = r.items.find((x) => x.id === 'n1')!.score;
    const shipped = p.items.find((x) => x.id === 'n1')!.score;
    expect(Number.isFinite(mine)).toBe(true);
    expect(Math.abs(mine - shipped)).toBeGreaterThan(1e-6);
    plain.close();
    rec.close();
  });

  it('two tabs: an erase or reset in one is seen by the other', async () => {
    const factory = new IDBFactory();
    const name = `adapter-tabs-${Math.random()}`;
    const a = await tinyRecommender(
      {},
      { store: await IdbStore.open({ indexedDB: factory }), channel: new BroadcastChannel(name) },
    );
    const b = await tinyRecommender(
      {},
      { store: await IdbStore.open({ indexedDB: factory }), channel: new BroadcastChannel(name) },
    );
    const changed = (rec: typeof a, kind: string): Promise<void> =>
      new Promise((resolve) => {
        const off = rec.subscribe((c) => {
          if (c.remote && c.kind === kind) {
            off();
            resolve();
          }
        });
      });
    let seen = changed(b, 'adapter');
    await browse(a, [3, 17]);
    await a.adapter();
    await seen;
    expect((await b.adapter()).updates).toBe(1);
    expect((await b.exportData()).adapter!.params).toEqual((await a.exportData()).adapter!.params);

    seen = changed(b, 'erase');
    await a.erase();
    await seen;
    expect((await b.adapter()).updates).toBe(0);

    await browse(b, [3, 17, 3]);
    await b.adapter();
    seen = changed(b, 'adapter');
    const seenA = changed(a, 'adapter');
    await a.resetAdapter();
    await seen;
    expect((await b.adapter()).updates).toBe(0);
    void seenA;
    a.close();
    b.close();
  });
});

async function exportedState(rec: Awaited<ReturnType<typeof tinyRecommender>>): Promise<AdapterState> {
  const a = (await rec.exportData()).adapter!;
  return {
    ...a,
    params: Float32Array.from(a.params),
    examples: {
      user: Float32Array.from(a.examples.user),
      gate: Float32Array.from(a.examples.gate),
      target: Int32Array.from(a.examples.target),
      count: a.examples.count,
    },
  };
}

/** A Worker stand-in running the real worker dispatch (handleRequest) in-process, with structured clones both ways. */
class LoopbackWorker {
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  readonly seen: string[] = [];
  private readonly engine = new LocalEngine(nodeEngine());
  postMessage(msg: WorkerRequest): void {
    const req = structuredClone(msg);
    this.seen.push(req.op);
    void handleRequest(this.engine, req).then(({ msg: res }) =>
      this.onmessage?.({ data: structuredClone(res) } as MessageEvent),
    );
  }
  terminate(): void {
    // the loopback runs in this thread: nothing to stop
  }
}

describe('worker protocol: adapter messages', () => {
  it('adapterSet / runPersonal / adapterLearn / adapterDebug round-trip and match the in-realm maths', async () => {
    const fake = new LoopbackWorker();
    const engine = workerEngine(fake as unknown as Worker);
    const items = new Uint8Array(readFileSync(join(TINY, 'items.bin')));
    await engine.init({ manifest, items: items.slice(), modelPath: join(TINY, 'model.onnx'), backend: 'wasm' });
    // no adapter set: learning is a BackendError crossing the boundary as its class
    await expect(
      engine.adapterLearn({ user: new Float32Array(24), gate: new Float32Array([0.5, 0.5]), target: 1 }, 0),
    ).rejects.toBeInstanceOf(BackendError);

    const state = createAdapter(manifest.modelVersion, manifest.dim, manifest.experts);
    await engine.adapterSet(state, {});
    const hist = new BigInt64Array([0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 3n, 5n]);
    const fresh = await engine.runPersonal(hist, 10);
    expect(fresh.personal).toBeNull();
    const raw = await engine.run(hist, 1, 10);
    const table = ItemTable.fromBytes(items, manifest.itemTable);
    // the model can skip its scores (inputs.withScores): the runtime scores the table with the
    // shipped u (the same dot products as the graph's, up to float rounding)
    expect(Array.from(fresh.scores)).toEqual(Array.from(table.scoreAll(raw.user)).map((x, j) => (j === 0 ? 0 : x)));
    expect(raw.scores.length).toBe(manifest.itemCount + 1);
    fresh.scores.forEach((x, j) => {
      expect(x).toBeCloseTo(raw.scores[j]!, 6);
    });
    const bare = await engine.run(hist, 1, 10, false);
    expect(bare.scores.length).toBe(0);
    expect(Array.from(bare.user)).toEqual(Array.from(raw.user));
    expect(Array.from(bare.gate)).toEqual(Array.from(raw.gate));

    const res = await engine.adapterLearn({ user: raw.user.slice(), gate: raw.gate.slice(), target: 12 }, 1234);
    expect(res.result.accepted).toBe(true);
    expect(res.ms).toBeGreaterThanOrEqual(0);
    expect(res.state!.updates).toBe(1);
    expect(res.state!.updatedAt).toBe(1234);
    // the caller's object is untouched (the worker works on its own copy)
    expect(state.updates).toBe(0);
    const ref = createAdapter(manifest.modelVersion, manifest.dim, manifest.experts);
    learn(ref, table, { user: raw.user, gate: raw.gate, target: 12 }, {}, 1234);
    expect(Array.from(res.state!.params)).toEqual(Array.from(ref.params));

    const personal = await engine.runPersonal(hist, 10);
    expect(personal.personal).not.toBeNull();
    const ap = applyAdapter(ref, raw.user, raw.gate);
    expect(Array.from(personal.personal!.user)).toEqual(Array.from(ap.user));
    expect(Array.from(personal.personal!.gate)).toEqual(Array.from(ap.gate));
    expect(Array.from(personal.scores)).toEqual(Array.from(table.scoreAll(ap.user)).map((x, j) => (j === 0 ? 0 : x)));
    expect(Array.from(personal.user)).toEqual(Array.from(raw.user)); // the shipped u is returned too

    const dbg = (await engine.debug({ kind: 'adapter', clear: true })) as AdapterDebug;
    expect(dbg.timings.length).toBe(1);
    expect(dbg.trace).toEqual([{ user: Array.from(raw.user), gate: Array.from(raw.gate), target: 12, accepted: true }]);
    expect(((await engine.debug({ kind: 'adapter', clear: false })) as AdapterDebug).timings).toEqual([]);
    // setting null turns the adapter off
    await engine.adapterSet(null);
    expect((await engine.runPersonal(hist, 10)).personal).toBeNull();
    expect(fake.seen).toEqual(
      expect.arrayContaining(['init', 'adapterSet', 'runPersonal', 'adapterLearn', 'debug', 'run']),
    );
    await engine.close();
  });
});
