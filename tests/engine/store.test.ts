import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { createAdapter, validateAdapter } from '../../src/core/adapter';
import { QuotaError } from '../../src/core/errors';
import {
  DB_VERSION,
  IdbStore,
  MemoryStore,
  openHistoryStore,
  upgradeSchema,
  upgradeToV1,
  type NewEvent,
} from '../../src/engine/store';

const ev = (itemId: string, time = 1, type: NewEvent['type'] = 'view'): NewEvent => ({
  type,
  itemId,
  value: null,
  time,
});

function quota(): DOMException {
  return new DOMException('simulated full disk', 'QuotaExceededError');
}

describe('IdbStore', () => {
  it('appends events with increasing ids and returns them oldest first', async () => {
    const store = await IdbStore.open({ indexedDB: new IDBFactory() });
    const a = await store.append([ev('1', 10), ev('2', 20)]);
    const b = await store.append([{ type: 'rate', itemId: '3', value: 4, time: 30 }]);
    expect(a.map((e) => e.id)).toEqual([1, 2]);
    expect(b[0]!.id).toBe(3);
    const all = await store.all();
    expect(all.map((e) => e.itemId)).toEqual(['1', '2', '3']);
    expect(all[2]).toEqual({ id: 3, type: 'rate', itemId: '3', value: 4, time: 30 });
    expect((await store.recent(2)).map((e) => e.itemId)).toEqual(['2', '3']);
    expect(await store.count()).toBe(3);
    await store.clear();
    expect(await store.all()).toEqual([]);
    store.close();
  });

  it('keeps at most maxEvents, pruning the oldest', async () => {
    const store = await IdbStore.open({ indexedDB: new IDBFactory(), maxEvents: 5 });
    for (let i = 0; i < 12; i++) await store.append([ev(String(i), i)]);
    expect((await store.all()).map((e) => e.itemId)).toEqual(['7', '8', '9', '10', '11']);
    // a batch larger than the bound keeps its newest events
    await store.append(Array.from({ length: 8 }, (_, i) => ev(`b${i}`, 100 + i)));
    expect((await store.all()).map((e) => e.itemId)).toEqual(['b3', 'b4', 'b5', 'b6', 'b7']);
    store.close();
  });

  it('a quota error prunes the oldest events and retries once', async () => {
    const attempts: number[] = [];
    const store = await IdbStore.open({
      indexedDB: new IDBFactory(),
      maxEvents: 20,
      beforeWrite: (attempt) => {
        attempts.push(attempt);
        if (failNext && attempt === 0) throw quota();
      },
    });
    let failNext = false;
    for (let i = 0; i < 10; i++) await store.append([ev(String(i))]);
    failNext = true;
    const [stored] = await store.append([ev('new')]);
    expect(stored!.itemId).toBe('new');
    const all = await store.all();
    // the oldest ceil(20/10) = 2 were freed, everything else kept, the new event stored
    expect(all.map((e) => e.itemId)).toEqual(['2', '3', '4', '5', '6', '7', '8', '9', 'new']);
    expect(attempts.slice(-2)).toEqual([0, 1]);
    store.close();
  });

  it('when the retry fails too: QuotaError, and no stored event is lost', async () => {
    let fail = false;
    const store = await IdbStore.open({
      indexedDB: new IDBFactory(),
      beforeWrite: () => {
        if (fail) throw quota();
      },
    });
    await store.append([ev('a'), ev('b'), ev('c')]);
    fail = true;
    await expect(store.append([ev('d')])).rejects.toBeInstanceOf(QuotaError);
    expect((await store.all()).map((e) => e.itemId)).toEqual(['a', 'b', 'c']);
    fail = false;
    await store.append([ev('e')]);
    expect((await store.all()).map((e) => e.itemId)).toEqual(['a', 'b', 'c', 'e']);
    store.close();
  });

  it('migrates a version 1 database (item → itemId, value → null) and adds the v2 stores', async () => {
    const factory = new IDBFactory();
    // write a v1 database the way the first release did
    const g = globalThis as { indexedDB: IDBFactory };
    const saved = g.indexedDB;
    g.indexedDB = factory;
    try {
      const v1 = await openDB('localrec', 1, { upgrade: (db) => upgradeToV1(db) });
      await v1.add('events', { type: 'view', item: '50', time: 1 });
      await v1.add('events', { type: 'rate', item: '7', value: 5, time: 2 });
      v1.close();
    } finally {
      g.indexedDB = saved;
    }
    const store = await IdbStore.open({ indexedDB: factory });
    expect(await store.all()).toEqual([
      { id: 1, type: 'view', itemId: '50', value: null, time: 1 },
      { id: 2, type: 'rate', itemId: '7', value: 5, time: 2 },
    ]);
    await store.setMeta('paused', true);
    expect(await store.getMeta('paused')).toBe(true);
    await store.putItems([{ id: 'x', title: 'X', genres: [], year: null, token: [1, 2], modelVersion: 'm', added: 1 }]);
    expect((await store.listItems()).map((i) => i.id)).toEqual(['x']);
    const [next] = await store.append([ev('9')]);
    expect(next!.id).toBe(3);
    store.close();
    expect(DB_VERSION).toBe(3);
  });

  it('migrates a version 2 database to 3: history, pause and added items kept, an adapters store added', async () => {
    const factory = new IDBFactory();
    const g = globalThis as { indexedDB: IDBFactory };
    const saved = g.indexedDB;
    g.indexedDB = factory;
    try {
      // the v2 schema exactly as the previous release created it
      const v2 = await openDB('localrec', 2, {
        upgrade: (db, old, _new, tx) => upgradeSchema(db as never, old, tx as never, 2),
      });
      expect([...v2.objectStoreNames].sort()).toEqual(['events', 'items', 'meta']);
      await v2.add('events', { type: 'view', itemId: '50', value: null, time: 1 });
      await v2.put('meta', { key: 'paused', value: true });
      await v2.put('items', { id: 'x', title: 'X', genres: [], year: null, token: [1], modelVersion: 'm', added: 1 });
      v2.close();
    } finally {
      g.indexedDB = saved;
    }
    const store = await IdbStore.open({ indexedDB: factory });
    expect(await store.all()).toEqual([{ id: 1, type: 'view', itemId: '50', value: null, time: 1 }]);
    expect(await store.getMeta('paused')).toBe(true);
    expect((await store.listItems()).map((i) => i.id)).toEqual(['x']);
    expect(await store.getAdapter('m1')).toBeUndefined();
    const a = createAdapter('m1', 4, 2);
    a.params[0] = 0.5;
    await store.putAdapter(a);
    const back = validateAdapter(await store.getAdapter('m1'));
    expect(back.params).toEqual(a.params);
    expect(back.params).toBeInstanceOf(Float32Array);
    store.close();
  });

  it('adapters are kept per model version; deleteAdapters keeps one or none', async () => {
    for (const store of [await IdbStore.open({ indexedDB: new IDBFactory() }), new MemoryStore('test')]) {
      await store.putAdapter(createAdapter('v1', 4, 2));
      const b = createAdapter('v2', 4, 2);
      b.updates = 3;
      await store.putAdapter(b);
      expect(validateAdapter(await store.getAdapter('v2')).updates).toBe(3);
      expect(await store.getAdapter('v1')).toBeDefined();
      await store.deleteAdapters('v2');
      expect(await store.getAdapter('v1')).toBeUndefined();
      expect(await store.getAdapter('v2')).toBeDefined();
      await store.deleteAdapters();
      expect(await store.getAdapter('v2')).toBeUndefined();
      store.close();
    }
  });

  it('a full disk while saving the adapter: QuotaError, the history and the previous adapter are intact', async () => {
    let fail = false;
    const store = await IdbStore.open({
      indexedDB: new IDBFactory(),
      beforeAdapterWrite: () => {
        if (fail) throw quota();
      },
    });
    await store.append([ev('1'), ev('2')]);
    const a = createAdapter('v', 4, 2);
    await store.putAdapter(a);
    fail = true;
    const b = createAdapter('v', 4, 2);
    b.updates = 9;
    await expect(store.putAdapter(b)).rejects.toBeInstanceOf(QuotaError);
    expect((await store.all()).map((e) => e.itemId)).toEqual(['1', '2']);
    expect(validateAdapter(await store.getAdapter('v')).updates).toBe(0);
    store.close();
  });

  it('an older connection steps aside (blocking) so a newer version can upgrade, then reopens lazily', async () => {
    const factory = new IDBFactory();
    const store = await IdbStore.open({ indexedDB: factory });
    await store.append([ev('1')]);
    // another tab opens a newer version: our connection must not block it
    const g = globalThis as { indexedDB: IDBFactory };
    const saved = g.indexedDB;
    g.indexedDB = factory;
    let upgraded = false;
    try {
      const newer = await openDB('localrec', DB_VERSION + 1, {
        upgrade: () => {
          upgraded = true;
        },
      });
      newer.close();
    } finally {
      g.indexedDB = saved;
    }
    expect(upgraded).toBe(true);
    // our store's schema version is now older than the database: reopening fails, typed
    await expect(store.count()).rejects.toThrow();
    store.close();
  });

  it('reopens after the connection was closed by the browser (terminated/blocking)', async () => {
    const factory = new IDBFactory();
    const store = await IdbStore.open({ indexedDB: factory });
    await store.append([ev('1')]);
    // simulate the versionchange handler having run: close the live connection under the store
    (store as unknown as { db: { close(): void } | null }).db!.close();
    await store.append([ev('2')]);
    expect((await store.all()).map((e) => e.itemId)).toEqual(['1', '2']);
    store.close();
  });

  it('does not hang when another tab blocks the upgrade: falls back after the timeout', async () => {
    const factory = new IDBFactory();
    const g = globalThis as { indexedDB: IDBFactory };
    const saved = g.indexedDB;
    g.indexedDB = factory;
    // an old tab with version 1 open that ignores versionchange
    const old = await openDB('localrec', 1, { upgrade: (db) => upgradeToV1(db) });
    g.indexedDB = saved;
    const store = await openHistoryStore({ indexedDB: factory, blockedTimeoutMs: 200 });
    expect(store.info.kind).toBe('memory');
    expect(store.info.reason).toMatch(/blocked/);
    await store.append([ev('1')]);
    expect(await store.count()).toBe(1);
    old.close();
  });

  it('two connections appending concurrently lose nothing', async () => {
    const factory = new IDBFactory();
    const a = await IdbStore.open({ indexedDB: factory });
    const b = await IdbStore.open({ indexedDB: factory });
    await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => a.append([ev(`a${i}`)])),
      ...Array.from({ length: 100 }, (_, i) => b.append([ev(`b${i}`)])),
    ]);
    const all = await a.all();
    expect(all.length).toBe(200);
    expect(new Set(all.map((e) => e.id)).size).toBe(200);
    expect(new Set(all.map((e) => e.itemId)).size).toBe(200);
    a.close();
    b.close();
  });
});

describe('fallback to memory', () => {
  it('when IndexedDB is missing', async () => {
    const g = globalThis as { indexedDB?: IDBFactory };
    const saved = g.indexedDB;
    delete g.indexedDB;
    try {
      const store = await openHistoryStore({});
      expect(store.info).toEqual({ kind: 'memory', reason: 'IndexedDB is not available in this context' });
    } finally {
      g.indexedDB = saved;
    }
  });

  it('when indexedDB.open throws', async () => {
    const broken = {
      open: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    } as unknown as IDBFactory;
    const store = await openHistoryStore({ indexedDB: broken, maxEvents: 3 });
    expect(store.info.kind).toBe('memory');
    expect(store.info.reason).toMatch(/denied/);
    for (let i = 0; i < 5; i++) await store.append([ev(String(i))]);
    expect((await store.all()).map((e) => e.itemId)).toEqual(['2', '3', '4']);
  });

  it('memory store: a million events stay bounded by retention', async () => {
    const store = new MemoryStore('test', { maxEvents: 5000 });
    const batch = Array.from({ length: 10000 }, (_, i) => ev(String(i % 24), i));
    for (let i = 0; i < 100; i++) await store.append(batch);
    expect(await store.count()).toBe(5000);
    const recent = await store.recent(3);
    expect(recent.map((e) => e.id)).toEqual([999998, 999999, 1000000]);
  });
});
