import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import {
  BadEventError,
  ClosedError,
  InvalidArgumentError,
  ModelFormatError,
  UnknownItemError,
} from '../../src/core/errors';
import { IdbStore, MemoryStore } from '../../src/engine/store';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWith } from '../../src/engine/recommender';
import { diskFetch, nodeEngine, TINY, TINY_URL, tinyRecommender } from './helpers';

// The tiny fixture (tests/fixtures/make_fixture.py): item j (model index 1..24) has id String(100 + j);
// after item i the model ranks i+1, i+2, ... cyclically with scores 1, 23/24, ...; one-hot tokens.
const id = (j: number): string => String(100 + j);

describe('recommend', () => {
  it('empty history → catalog popularity', async () => {
    const rec = await tinyRecommender();
    const r = await rec.recommend({ k: 5 });
    expect(r.source).toBe('popularity');
    expect(r.gate).toEqual([]);
    expect(r.historyLength).toBe(0);
    const pops = r.items.map((x) => x.score);
    expect([...pops].sort((a, b) => b - a)).toEqual(pops);
    // every other item is at most as popular as the 5th
    const ids = new Set(r.items.map((x) => x.id));
    const all = await (async () => {
      const full = await rec.recommend({ k: 24 });
      return full.items;
    })();
    for (const x of all) if (!ids.has(x.id)) expect(x.score).toBeLessThanOrEqual(pops[4]!);
    rec.close();
  });

  it('follows the model after a view, excludes seen items, carries catalog fields, gate and a reason', async () => {
    const rec = await tinyRecommender();
    await rec.track({ type: 'view', itemId: id(5) });
    const r = await rec.recommend({ k: 3 });
    expect(r.source).toBe('model');
    expect(r.backend).toBe('node');
    expect(r.historyLength).toBe(1);
    expect(r.items.map((x) => x.id)).toEqual([id(6), id(7), id(8)]);
    expect(r.items[0]).toMatchObject({ title: 'Item 6 (1996)', year: 1996 });
    expect(r.items[0]!.reason).toBe('Because you viewed Item 5 (1995)');
    expect(r.gate.length).toBe(2);
    expect(r.gate[0]! + r.gate[1]!).toBeCloseTo(1, 5);
    // the seen item is never recommended, unless includeSeen
    const all = await rec.recommend({ k: 100 });
    expect(all.items.map((x) => x.id)).not.toContain(id(5));
    expect(all.items.length).toBe(23);
    const withSeen = await rec.recommend({ k: 100, includeSeen: true });
    expect(withSeen.items.length).toBe(24);
    expect(withSeen.items.map((x) => x.id)).toContain(id(5));
    rec.close();
  });

  it('exclude and candidates', async () => {
    const rec = await tinyRecommender();
    await rec.track({ type: 'click', itemId: id(10) });
    const r = await rec.recommend({ k: 3, exclude: [id(11), id(13)] });
    expect(r.items.map((x) => x.id)).toEqual([id(12), id(14), id(15)]);
    const c = await rec.recommend({ k: 10, candidates: [id(3), id(20), id(10), id(12)] });
    // order by the model (12, 20, 3), the seen 10 removed
    expect(c.items.map((x) => x.id)).toEqual([id(12), id(20), id(3)]);
    const both = await rec.recommend({ candidates: [id(3), id(20)], exclude: [id(20)] });
    expect(both.items.map((x) => x.id)).toEqual([id(3)]);
    // candidates with an empty history: ordered by popularity, restricted
    await rec.erase();
    const pop = await rec.recommend({ candidates: [id(1), id(2)] });
    expect(pop.source).toBe('popularity');
    expect(new Set(pop.items.map((x) => x.id))).toEqual(new Set([id(1), id(2)]));
    rec.close();
  });

  it('feeds the model distinct consecutive items, the most recent maxHistory', async () => {
    const rec = await tinyRecommender();
    // 3, 3, 3, 7, 7: the model sees [3, 7]; the fixture ranks from the last item (7)
    for (const j of [3, 3, 3, 7, 7]) await rec.track({ type: 'view', itemId: id(j) });
    const r = await rec.recommend({ k: 2 });
    expect(r.historyLength).toBe(2);
    expect(r.items.map((x) => x.id)).toEqual([id(8), id(9)]);
    // 30 alternating events: 15 distinct-consecutive steps... bounded by maxHistory (10)
    for (let i = 0; i < 30; i++) await rec.track({ type: 'view', itemId: id(i % 2 ? 1 : 2) });
    expect((await rec.recommend()).historyLength).toBe(10);
    rec.close();
  });

  it('a long history is bounded by retention and the model still sees maxHistory', async () => {
    const store = new MemoryStore('test', { maxEvents: 1000 });
    const rec = await tinyRecommender({ maxEvents: 1000 }, { store });
    const batch = [];
    for (let i = 0; i < 100_000; i++)
      batch.push({ type: 'view' as const, itemId: id((i % 24) + 1), value: null, time: i });
    await store.append(batch);
    await rec.track({ type: 'view', itemId: id(1) });
    expect((await rec.history()).length).toBe(1000);
    const r = await rec.recommend({ includeSeen: true });
    expect(r.historyLength).toBe(10);
    expect(r.items[0]!.id).toBe(id(2));
    rec.close();
  });

  it('k: positive integers, clamped to the catalog; anything else InvalidArgumentError', async () => {
    const rec = await tinyRecommender();
    expect((await rec.recommend({ k: 1e9 })).items.length).toBe(24);
    expect((await rec.recommend()).items.length).toBe(10);
    for (const k of [0, -1, NaN, 2.5, Infinity, '3']) {
      await expect(rec.recommend({ k } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(rec.similar(id(1), { k } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(rec.recommend({ kk: 3 } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(rec.recommend('x' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(rec.recommend({ includeSeen: 'yes' } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    rec.close();
  });

  it('unknown or non-string ids are refused with typed errors', async () => {
    const rec = await tinyRecommender();
    await expect(rec.recommend({ exclude: ['nope'] })).rejects.toBeInstanceOf(UnknownItemError);
    await expect(rec.recommend({ candidates: [id(1), 'nope'] })).rejects.toBeInstanceOf(UnknownItemError);
    await expect(rec.recommend({ candidates: [101 as never] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(rec.recommend({ exclude: 'x' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(rec.similar('nope')).rejects.toBeInstanceOf(UnknownItemError);
    await expect(rec.similar(101 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => rec.item('nope')).toThrow(UnknownItemError);
    expect(() => rec.item(5 as never)).toThrow(InvalidArgumentError);
    expect(rec.item(id(4))).toEqual({ id: id(4), title: 'Item 4 (1994)', genres: ['Comedy'], year: 1994 });
    expect(rec.items().length).toBe(24);
    rec.close();
  });
});

describe('track', () => {
  it('validates events and never loses what is stored', async () => {
    const rec = await tinyRecommender();
    await rec.track({ type: 'view', itemId: id(1) });
    await rec.track({ type: 'rate', itemId: id(2), value: 4.5, time: 1234 });
    const bad: [unknown, unknown][] = [
      [null, BadEventError],
      ['view', BadEventError],
      [{ type: 'like', itemId: id(1) }, BadEventError],
      [{ itemId: id(1) }, BadEventError],
      [{ type: 'view', itemId: 101 }, BadEventError],
      [{ type: 'view' }, BadEventError],
      [{ type: 'rate', itemId: id(1) }, BadEventError],
      [{ type: 'rate', itemId: id(1), value: NaN }, BadEventError],
      [{ type: 'view', itemId: id(1), value: 'x' }, BadEventError],
      [{ type: 'view', itemId: id(1), time: -5 }, BadEventError],
      [{ type: 'view', itemId: 'nope' }, UnknownItemError],
    ];
    for (const [e, cls] of bad) await expect(rec.track(e as never)).rejects.toBeInstanceOf(cls as never);
    const h = await rec.history();
    expect(h.map((e) => [e.type, e.itemId, e.value])).toEqual([
      ['view', id(1), null],
      ['rate', id(2), 4.5],
    ]);
    expect(h[1]!.time).toBe(1234);
    rec.close();
  });

  it('pause stops tracking and is persisted', async () => {
    const factory = new IDBFactory();
    const rec = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }) });
    expect(rec.paused).toBe(false);
    await rec.setPaused(true);
    expect(await rec.track({ type: 'view', itemId: id(1) })).toBeNull();
    expect(await rec.history()).toEqual([]);
    await expect(rec.setPaused('yes' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    rec.close();
    const again = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }) });
    expect(again.paused).toBe(true);
    await again.setPaused(false);
    expect(await again.track({ type: 'view', itemId: id(1) })).toMatchObject({ itemId: id(1) });
    again.close();
  });

  it('subscribe, erase, export, close', async () => {
    const rec = await tinyRecommender();
    const seen: string[] = [];
    const off = rec.subscribe((c) => seen.push(`${c.kind}:${c.remote}`));
    await rec.track({ type: 'purchase', itemId: id(3) });
    const data = await rec.exportData();
    expect(data.format).toBe('localrec-export');
    expect(data.events.map((e) => e.itemId)).toEqual([id(3)]);
    expect(data.storage.kind).toBe('memory');
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    await rec.erase();
    expect(await rec.history()).toEqual([]);
    expect((await rec.recommend()).source).toBe('popularity');
    off();
    await rec.track({ type: 'view', itemId: id(3) });
    expect(seen).toEqual(['track:false', 'erase:false']);
    rec.close();
    await expect(rec.recommend()).rejects.toBeInstanceOf(ClosedError);
    await expect(rec.track({ type: 'view', itemId: id(1) })).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('two tabs', () => {
  it("see each other's events (store guard without a channel; BroadcastChannel notifies subscribers)", async () => {
    const factory = new IDBFactory();
    const a = await tinyRecommender(
      {},
      { store: await IdbStore.open({ indexedDB: factory }), channel: new BroadcastChannel('lr-test') },
    );
    const b = await tinyRecommender(
      {},
      { store: await IdbStore.open({ indexedDB: factory }), channel: new BroadcastChannel('lr-test') },
    );
    expect((await b.recommend()).source).toBe('popularity');
    const remote = new Promise<string>((resolve) => b.subscribe((c) => c.remote && resolve(c.kind)));
    await a.track({ type: 'view', itemId: id(8) });
    expect(await remote).toBe('track');
    const r = await b.recommend({ k: 1 });
    expect(r.items[0]!.id).toBe(id(9));
    // without any notification (no channel), the newest-event guard still catches the change
    const c = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }), channel: null });
    expect((await c.recommend({ k: 1 })).items[0]!.id).toBe(id(9));
    await a.track({ type: 'view', itemId: id(20) });
    expect((await c.recommend({ k: 1 })).items[0]!.id).toBe(id(21));
    const erased = new Promise<string>((resolve) => b.subscribe((x) => x.kind === 'erase' && resolve(x.kind)));
    await a.erase();
    expect(await erased).toBe('erase');
    expect((await c.recommend()).source).toBe('popularity');
    a.close();
    b.close();
    c.close();
  });
});

describe('items added in the page', () => {
  it('get encoder tokens, can be recommended and found by similar, and survive a reload', async () => {
    const factory = new IDBFactory();
    const rec = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }) });
    const added = await rec.addItems([
      { id: 'n1', title: 'Toy Story (1995)', genres: ['Animation', "Children's"], year: 1995 },
      { id: 'n2', title: 'Toy Story (1995)', genres: ['Animation', "Children's"], year: 1995 },
    ]);
    expect(added.map((x) => x.id)).toEqual(['n1', 'n2']);
    expect(rec.items().length).toBe(26);
    // identical content → identical tokens → each other's most similar item
    const sim = await rec.similar('n1', { k: 1 });
    expect(sim[0]!.id).toBe('n2');
    expect(sim[0]!.score).toBeCloseTo(1, 5);
    await rec.track({ type: 'view', itemId: id(5) });
    const r = await rec.recommend({ k: 100 });
    expect(r.items.map((x) => x.id)).toContain('n1');
    const restricted = await rec.recommend({ candidates: ['n1', id(1)] });
    expect(restricted.items.map((x) => x.id).sort()).toEqual(['101', 'n1']);
    const scoreN1 = r.items.find((x) => x.id === 'n1')!.score;
    rec.close();

    const again = await tinyRecommender({}, { store: await IdbStore.open({ indexedDB: factory }) });
    expect(again.item('n2')).toEqual({
      id: 'n2',
      title: 'Toy Story (1995)',
      genres: ['Animation', "Children's"],
      year: 1995,
    });
    const r2 = await again.recommend({ k: 100 });
    expect(r2.items.find((x) => x.id === 'n1')!.score).toBeCloseTo(scoreN1, 5);
    // tracking an added item counts as seen (excluded) though the graph cannot embed it
    await again.track({ type: 'view', itemId: 'n1' });
    const r3 = await again.recommend({ k: 100 });
    expect(r3.items.map((x) => x.id)).not.toContain('n1');
    expect(r3.historyLength).toBe(1);
    again.close();
  });

  it('refuses model catalog ids, duplicates and malformed items', async () => {
    const rec = await tinyRecommender();
    await expect(rec.addItems([{ id: id(1), title: 'x' }])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(rec.addItems([{ id: 'a' }, { id: 'a' }])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(rec.addItems([{ id: '' }])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(rec.addItems([{ id: 'b', year: 'x' as never }])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(rec.addItems('x' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(rec.items().length).toBe(24);
    rec.close();
  });

  it('without an encoder addItems is refused (ModelFormatError)', async () => {
    // the tiny model with its encoder removed from the manifest
    const manifest = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8'));
    delete manifest.files.encoder;
    manifest.content = null;
    const noEnc = await createWith(
      { model: TINY_URL },
      {
        engine: nodeEngine(),
        store: new MemoryStore('t'),
        load: {
          fetch: diskFetch(TINY, TINY_URL, { 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest)) }),
          caches: null,
        },
        engineInit: { modelPath: join(TINY, 'model.onnx') },
        channel: null,
      },
    );
    expect(noEnc.model.hasEncoder).toBe(false);
    await expect(noEnc.addItems([{ id: 'z', title: 'Z' }])).rejects.toBeInstanceOf(ModelFormatError);
    noEnc.close();
  });
});
