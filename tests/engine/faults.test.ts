/**
 * Faults an independent test found, one test each: every one of them fails on the engine as it
 * was before its fix.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/core/manifest';
import {
  BackendError,
  InvalidArgumentError,
  ModelFormatError,
  ModelLoadError,
  QuotaError,
  UnknownItemError,
} from '../../src/core/errors';
import { loadModel } from '../../src/engine/loader';
import { preflightRuntime, wrapCreateError } from '../../src/engine/inference';
import { deserializeError, serializeError } from '../../src/engine/protocol';
import { IdbStore, MemoryStore, type StoredItem } from '../../src/engine/store';
import { createRecommender } from '../../src/index';
import { diskFetch, TINY, TINY_URL, tinyRecommender } from './helpers';

const id = (j: number): string => String(100 + j);
const quota = (): DOMException => new DOMException('simulated full disk', 'QuotaExceededError');

describe('faults found by an independent test', () => {
  it('error names survive minification, and the Worker boundary maps errors by code', () => {
    // a minifier renames classes: the subclass below stands for `class c extends ModelFormatError`
    const Renamed = class extends ModelFormatError {};
    const e = new Renamed('bad graph');
    expect(e.name).toBe('ModelFormatError');
    const across = deserializeError({ ...serializeError(e), name: 'c' });
    expect(across).toBeInstanceOf(ModelFormatError);
    expect(across.name).toBe('ModelFormatError');
    expect(deserializeError({ name: 's', code: 'quota', message: 'full' })).toBeInstanceOf(QuotaError);
  });

  it('malformed records in the items store never stop createRecommender', async () => {
    const store = new MemoryStore('t');
    const good: StoredItem = {
      id: 'new-1',
      title: 'New one',
      genres: ['Drama'],
      year: 2001,
      token: [],
      modelVersion: 'other',
      added: 1,
    };
    await store.putItems([
      good,
      { ...good, id: 'bad-title', title: 42 as never },
      { ...good, id: 'no-token', token: undefined as never },
      { id: 'bare' } as never,
    ]);
    const rec = await tinyRecommender({}, { store });
    expect(rec.has('new-1')).toBe(true);
    expect(rec.has('bad-title')).toBe(false);
    expect(rec.has('no-token')).toBe(false);
    expect((await rec.recommend({ k: 3 })).items.length).toBe(3);
    rec.close();
  });

  it('a stalled model download is abandoned with ModelLoadError', async () => {
    const serve = diskFetch(TINY, TINY_URL);
    const stalling = async (url: string, init?: RequestInit): Promise<Response> => {
      if (!url.endsWith('model.onnx')) return serve(url);
      // headers arrive, then the body never does
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new Uint8Array(10));
          init?.signal?.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(body);
    };
    const t0 = Date.now();
    const p = loadModel(TINY_URL, { fetch: stalling, caches: null, stallTimeoutMs: 200 });
    await expect(p).rejects.toBeInstanceOf(ModelLoadError);
    await expect(p).rejects.toThrow(/stalled/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a manifest declaring a huge file is a ModelFormatError, not a RangeError', () => {
    const m = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8'));
    m.files.model.bytes = 1e12;
    expect(() => parseManifest(m)).toThrow(ModelFormatError);
  });

  it('a runtime that does not start is a BackendError; a wrongly typed wasmPaths an InvalidArgumentError', async () => {
    expect(
      wrapCreateError(new Error('no available backend found. ERR: [wasm] TypeError: Failed to fetch')),
    ).toBeInstanceOf(BackendError);
    expect(
      wrapCreateError(new Error("Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval'")),
    ).toBeInstanceOf(BackendError);
    expect(wrapCreateError(new Error('Failed to load model because protobuf parsing failed.'))).toBeInstanceOf(
      ModelFormatError,
    );
    await expect(createRecommender({ model: TINY_URL, wasmPaths: 5 as never })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('a passing runtime failure (503) is found before onnxruntime-web keeps it; the next try goes through', async () => {
    let calls = 0;
    const flaky = async (url: string, init: RequestInit): Promise<Response> => {
      expect(init.method).toBe('HEAD');
      calls++;
      return new Response(null, { status: calls <= 2 && url.endsWith('.wasm') ? 503 : 200 });
    };
    await expect(preflightRuntime('http://shop.test/ort/', 'wasm', flaky)).rejects.toBeInstanceOf(BackendError);
    await expect(preflightRuntime('http://shop.test/ort/', 'wasm', flaky)).resolves.toBeUndefined();
    // a server that does not answer HEAD is not held against the runtime
    const noHead = async (): Promise<Response> => new Response(null, { status: 405 });
    await expect(preflightRuntime('http://shop.test/ort/', 'webgpu', noHead)).resolves.toBeUndefined();
    // offline (a service worker serves the runtime to GETs only): left to onnxruntime-web's own load
    const offline = async (): Promise<Response> => {
      throw new TypeError('Failed to fetch');
    };
    await expect(preflightRuntime('http://shop.test/ort/', 'wasm', offline)).resolves.toBeUndefined();
  });

  it('a full disk in addItems and setPaused: QuotaError, and memory stays as stored', async () => {
    const store = new MemoryStore('t');
    const rec = await tinyRecommender({}, { store });
    store.putItems = async () => {
      throw new QuotaError('full');
    };
    store.setMeta = async () => {
      throw new QuotaError('full');
    };
    await expect(rec.addItems([{ id: 'sku-1', title: 'A new product' }])).rejects.toBeInstanceOf(QuotaError);
    expect(rec.has('sku-1')).toBe(false);
    await expect(rec.setPaused(true)).rejects.toBeInstanceOf(QuotaError);
    expect(rec.paused).toBe(false);
    rec.close();

    // IndexedDB's own QuotaExceededError arrives as the typed error
    const idb = await IdbStore.open({ indexedDB: new IDBFactory() });
    const raw = idb as unknown as { withDb: (fn: unknown) => Promise<unknown> };
    raw.withDb = async () => {
      throw quota();
    };
    await expect(idb.setMeta('paused', true)).rejects.toBeInstanceOf(QuotaError);
    idb.close();
  });

  it('after the database is deleted from outside, this tab forgets the history and writes nothing learned from it', async () => {
    const factory = new IDBFactory();
    const rec = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }) });
    for (const j of [1, 2, 3, 4]) await rec.track({ type: 'view', itemId: id(j) });
    expect((await rec.recommend({ k: 3 })).source).toBe('model');
    expect((await rec.adapter()).updates).toBeGreaterThan(0);
    const changes: string[] = [];
    rec.subscribe((c) => changes.push(`${c.kind}:${c.remote}`));
    await new Promise<void>((resolve, reject) => {
      const req = factory.deleteDatabase('localrec');
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    });
    await expect.poll(() => changes).toContain('erase:true');
    const after = await rec.recommend({ k: 3 });
    expect(after.source).toBe('popularity');
    expect(await rec.history()).toEqual([]);
    expect((await rec.adapter()).updates).toBe(0);
    const fresh = await IdbStore.open({ indexedDB: factory });
    expect(await fresh.getAdapter((rec.model as { modelVersion: string }).modelVersion)).toBeUndefined();
    expect(await fresh.count()).toBe(0);
    fresh.close();
    rec.close();
  });

  it('malformed stored events stay out of answers and exports', async () => {
    const store = new MemoryStore('t');
    const rec = await tinyRecommender({}, { store });
    await rec.track({ type: 'view', itemId: id(3) });
    // what another script (or an old bug) may leave in the database
    const events = (store as unknown as { events: unknown[] }).events;
    events.push({ id: 99, itemId: id(4), time: Date.now() }, { id: 100, type: 'view', itemId: 7, time: 1 });
    const fresh = await tinyRecommender({}, { store });
    const r = await fresh.recommend({ k: 5 });
    expect(r.historyLength).toBe(1);
    expect(r.items.every((x) => x.reason?.kind === 'history' && x.reason.itemId === id(3))).toBe(true);
    const exported = await fresh.exportData();
    expect(exported.events.map((e) => e.itemId)).toEqual([id(3)]);
    fresh.close();
    rec.close();
  });

  it('an event is stored as it was checked, even when its getters change between reads', async () => {
    const rec = await tinyRecommender();
    let reads = 0;
    const sly = {
      type: 'view',
      get itemId() {
        reads++;
        return reads === 1 ? id(2) : 'NOT-IN-CATALOG';
      },
    };
    const stored = await rec.track(sly as never);
    expect(stored?.itemId).toBe(id(2));
    expect((await rec.history()).map((e) => e.itemId)).toEqual([id(2)]);
    rec.close();
  });

  it('unknown createRecommender options are refused', async () => {
    await expect(tinyRecommender({ dbname: 'x' } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(tinyRecommender({ maxEvent: 10 } as never)).rejects.toThrow(/maxEvent/);
    await expect(tinyRecommender({ stallTimeoutMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a burst of tracks never leaves recommend() waiting on a long learning queue', async () => {
    const rec = await tinyRecommender();
    await rec.track({ type: 'view', itemId: id(1) });
    await rec.recommend({ k: 3 });
    const ids = Array.from({ length: 200 }, (_, i) => id(2 + (i % 20)));
    await Promise.all(ids.map((itemId) => rec.track({ type: 'view', itemId })));
    const t0 = performance.now();
    await rec.recommend({ k: 3 });
    const waited = performance.now() - t0;
    const info = await rec.adapter();
    // a bounded number of the 200 updates ran: the others were superseded before their turn
    expect(info.updates).toBeLessThanOrEqual(32);
    expect(info.updates).toBeGreaterThan(0);
    expect(waited).toBeLessThan(2000);
    rec.close();
  });

  it('unknown ids in exclude and candidates can be skipped instead of failing the answer', async () => {
    const rec = await tinyRecommender();
    await expect(rec.recommend({ exclude: ['sku-new'] })).rejects.toBeInstanceOf(UnknownItemError);
    const r = await rec.recommend({ exclude: ['sku-new'], unknownIds: 'skip' });
    expect(r.items.length).toBe(10);
    expect(r.skipped).toEqual(['sku-new']);
    rec.close();
  });
});
