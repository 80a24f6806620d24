/**
 * Resume (CreateOptions.resume): a returning visitor is answered from the model output stored on
 * the last visit while the model session starts. The engine here starts only when the test lets
 * it, so "answered before the session was up" is a fact the test controls, not a race.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendError, ClosedError } from '../../src/core/errors';
import type { ModelManifest } from '../../src/core/manifest-types';
import type { EngineInit, EngineInitResult, InferenceEngine, RunResult } from '../../src/engine/inference';
import { MemoryStore } from '../../src/engine/store';
import { debugHooks } from '../../src/engine/debug';
import type { Backend } from '../../src/types';
import { nodeEngine, TINY, tinyRecommender } from './helpers';

const manifest = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8')) as ModelManifest;
const id = (j: number): string => String(100 + j);

/** onnxruntime-node behind a gate: init() waits for open() (or fails with fail()); counts runs. */
class GatedEngine implements InferenceEngine {
  readonly inner = nodeEngine();
  runs = 0;
  initCalled = false;
  private release!: (ok: boolean) => void;
  private readonly gate = new Promise<boolean>((r) => (this.release = r));
  open(): void {
    this.release(true);
  }
  fail(): void {
    this.release(false);
  }
  get backend(): Backend {
    return this.inner.backend;
  }
  async init(init: EngineInit): Promise<EngineInitResult> {
    this.initCalled = true;
    if (!(await this.gate)) throw new BackendError('the session could not be created (test)');
    return this.inner.init(init);
  }
  run(history: BigInt64Array, batch: number, length: number, withScores?: boolean): Promise<RunResult> {
    this.runs++;
    return this.inner.run(history, batch, length, withScores);
  }
  encode(features: BigInt64Array, batch: number): Promise<Float32Array> {
    return this.inner.encode(features, batch);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Resolves with the value, or with 'pending' if it has not settled after a few turns of the event loop. */
async function settled<T>(p: Promise<T>, ms = 200): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

async function firstVisit(store: MemoryStore, views: number[], opts: { adapter?: boolean } = {}) {
  const rec = await tinyRecommender(opts, { store });
  for (const j of views) await rec.track({ type: 'view', itemId: id(j) });
  const r = await rec.recommend({ k: 5 });
  rec.close();
  return r;
}

describe('resume: the stored model output answers while the session starts', () => {
  it('a returning visitor gets the same answer before the session is up; a new history waits for it', async () => {
    const store = new MemoryStore('t');
    const before = await firstVisit(store, [3, 7, 8]);
    expect(before.source).toBe('model');

    const engine = new GatedEngine();
    const rec = await settled(tinyRecommender({}, { store, engine }));
    expect(rec).not.toBe('pending'); // resolved while init() still waits at the gate
    if (rec === 'pending') return;
    expect(engine.initCalled).toBe(true);
    expect(debugHooks(rec).startup()).toMatchObject({ resumed: true });
    expect(Number.isNaN(debugHooks(rec).startup()!.readyMs)).toBe(true);

    const r = await rec.recommend({ k: 5 });
    expect(r.source).toBe('stored');
    expect(engine.runs).toBe(0);
    expect(r.items.map((x) => x.id)).toEqual(before.items.map((x) => x.id));
    r.items.forEach((x, i) => {
      expect(x.score).toBeCloseTo(before.items[i]!.score, 5);
    });
    expect(r.gate).toEqual(before.gate);
    expect(r.historyLength).toBe(3);
    expect(r.items.every((x) => x.reason?.kind === 'history')).toBe(true);
    // recommend() options still apply to the stored answer
    const ex = await rec.recommend({ k: 3, exclude: [before.items[0]!.id] });
    expect(ex.source).toBe('stored');
    expect(ex.items.map((x) => x.id)).toEqual(before.items.slice(1, 4).map((x) => x.id));

    // a new event: the stored output no longer matches, so the answer waits for the session
    await rec.track({ type: 'view', itemId: id(12) });
    const waiting = rec.recommend({ k: 5 });
    expect(await settled(waiting)).toBe('pending');
    engine.open();
    const after = await waiting;
    expect(after.source).toBe('model');
    expect(engine.runs).toBeGreaterThan(0);
    await rec.ready();
    const st = debugHooks(rec).startup()!;
    expect(st.readyMs).toBeGreaterThan(0);
    expect(st.engine).toBeDefined();
    // once the session is up, every answer is the model's
    await rec.track({ type: 'view', itemId: id(8) });
    rec.close();
  });

  it('waits for the session when nothing matches: a fresh visitor, another history, another model version, a corrupt record', async () => {
    const cases: [string, (s: MemoryStore) => Promise<void>][] = [
      ['fresh', async () => undefined],
      [
        'history changed',
        async (s) => {
          await firstVisit(s, [3, 7]);
          await s.append([{ type: 'view', itemId: id(9), value: null, time: Date.now() }]);
        },
      ],
      [
        'other model version',
        async (s) => {
          await firstVisit(s, [3, 7]);
          const run = await s.getMeta<{ modelVersion: string }>('lastRun');
          await s.setMeta('lastRun', { ...run, modelVersion: 'sha256:another' });
        },
      ],
      [
        'corrupt',
        async (s) => {
          await firstVisit(s, [3, 7]);
          const run = await s.getMeta<{ user: number[] }>('lastRun');
          await s.setMeta('lastRun', { ...run, user: run!.user.slice(1) });
        },
      ],
      [
        'not an object',
        async (s) => {
          await firstVisit(s, [3, 7]);
          await s.setMeta('lastRun', 'garbage');
        },
      ],
    ];
    for (const [name, prepare] of cases) {
      const store = new MemoryStore('t');
      await prepare(store);
      const engine = new GatedEngine();
      const creating = tinyRecommender({}, { store, engine });
      expect(await settled(creating), name).toBe('pending');
      engine.open();
      const rec = await creating;
      expect(debugHooks(rec).startup()!.resumed, name).toBe(false);
      // a record that cannot be used is not kept either
      if (name === 'other model version' || name === 'corrupt' || name === 'not an object')
        expect(await store.getMeta('lastRun'), name).toBeNull();
      const r = await rec.recommend({ k: 5 });
      expect(r.source, name).toBe(name === 'fresh' ? 'popularity' : 'model');
      rec.close();
    }
  });

  it('resume: false stores nothing and always waits; erase deletes the stored output', async () => {
    const store = new MemoryStore('t');
    const rec = await tinyRecommender({ resume: false }, { store });
    await rec.track({ type: 'view', itemId: id(4) });
    await rec.recommend();
    expect(await store.getMeta('lastRun')).toBeUndefined();
    rec.close();

    await firstVisit(store, [5]);
    expect(await store.getMeta('lastRun')).toMatchObject({ modelVersion: manifest.modelVersion, seq: '4,5' });
    const engine = new GatedEngine();
    const creating = tinyRecommender({ resume: false }, { store, engine });
    expect(await settled(creating)).toBe('pending');
    engine.open();
    const again = await creating;
    // turning resume off deletes what an earlier visit kept
    expect(await store.getMeta('lastRun')).toBeNull();
    expect((await again.exportData()).storedOutput).toBeNull();
    again.close();

    // what is kept is in the export (item ids, not model indices), and erase deletes it
    const on = await tinyRecommender({}, { store });
    await on.recommend();
    const kept = (await on.exportData()).storedOutput;
    expect(kept).toMatchObject({ modelVersion: manifest.modelVersion, history: [id(4), id(5)] });
    expect(kept!.user).toHaveLength(manifest.dim);
    expect(kept!.gate).toHaveLength(manifest.experts);
    expect(await store.getMeta('lastRun')).toMatchObject({ seq: '4,5' });
    await on.erase();
    expect(await store.getMeta('lastRun')).toBeNull();
    expect((await on.exportData()).storedOutput).toBeNull();
    on.close();
  });

  it('the visitor adapter is applied to the stored output like the engine applies it', async () => {
    const store = new MemoryStore('t');
    const before = await firstVisit(store, [2, 11, 2, 11, 2, 11, 5]);
    expect(before.adapterApplied).toBe(true);
    const engine = new GatedEngine();
    const rec = await settled(tinyRecommender({}, { store, engine }));
    if (rec === 'pending') throw new Error('did not resume');
    const r = await rec.recommend({ k: 5 });
    expect(r.source).toBe('stored');
    expect(r.adapterApplied).toBe(true);
    expect(r.items.map((x) => x.id)).toEqual(before.items.map((x) => x.id));
    r.items.forEach((x, i) => {
      expect(x.score).toBeCloseTo(before.items[i]!.score, 5);
    });
    r.personalGate.forEach((g, i) => {
      expect(g).toBeCloseTo(before.personalGate[i]!, 6);
    });
    engine.open();
    await rec.ready();
    const model = await rec.recommend({ k: 5 });
    expect(model.source).toBe('model');
    expect(model.items.map((x) => x.id)).toEqual(r.items.map((x) => x.id));
    rec.close();
  });

  it('a session that fails after resuming: stored answers go on, calls that need the model reject with the error', async () => {
    const store = new MemoryStore('t');
    await firstVisit(store, [6]);
    const engine = new GatedEngine();
    const rec = await settled(tinyRecommender({}, { store, engine }));
    if (rec === 'pending') throw new Error('did not resume');
    engine.fail();
    await expect(rec.ready()).rejects.toBeInstanceOf(BackendError);
    expect((await rec.recommend()).source).toBe('stored');
    await rec.track({ type: 'view', itemId: id(9) });
    await expect(rec.recommend()).rejects.toBeInstanceOf(BackendError);
    rec.close();
    await expect(rec.ready()).rejects.toBeInstanceOf(ClosedError);
  });
});
