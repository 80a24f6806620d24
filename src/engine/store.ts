/**
 * The visitor's history on their device: IndexedDB through `idb`, with an in-memory fallback.
 *
 * Schema (database `localrec` by default):
 *   v1  `events` (keyPath `id`, autoIncrement, index `by-time`): `{ id, type, item, value?, time }`
 *   v2  `events` records become `{ id, type, itemId, value: number | null, time }` (migrated in place),
 *       new `meta` (key → value: `paused`...) and `items` (items added in the page, with their token).
 *   v3  new `adapters` (keyPath `modelVersion`): the visitor's personal adapter per model version
 *       (src/core/adapter.ts AdapterState; typed arrays stored as such). Existing stores untouched.
 *
 * Concurrency: IndexedDB serialises readwrite transactions across tabs and autoIncrement keys are
 * allocated inside the transaction, so two tabs appending at once never overwrite each other.
 * Connections: one per store (per tab). `blocking` (another tab wants a newer version) closes it and
 * the next call reopens lazily; `terminated` (the browser closed it) likewise; `blocked` (an older
 * tab keeps the database open) waits at most `blockedTimeoutMs` and then falls back to memory so
 * the page never hangs.
 * Quota: a `QuotaExceededError` while appending retries once in one transaction that first deletes
 * the oldest events; if that fails too the transaction aborts (the deletions roll back, no stored
 * event is lost) and `QuotaError` is thrown.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { AdapterState } from '../core/adapter';
import { QuotaError, StorageUnavailableError } from '../core/errors';
import { messageOf } from '../core/message';
import { settled } from '../core/settle';
import type { EventType, StoredEvent, StorageInfo } from '../types';

export const DB_VERSION = 3;

/** An event before it is stored (the store assigns `id`). */
export type NewEvent = Omit<StoredEvent, 'id'>;

/** An item added in the page (`addItems`), persisted so it survives a reload. */
export interface StoredItem {
  id: string;
  title: string;
  genres: string[];
  year: number | null;
  /** the encoder's token (length = model dim) */
  token: number[];
  /** model the token was computed with; recomputed when the model changes */
  modelVersion: string;
  added: number;
}

export interface HistoryStore {
  readonly info: StorageInfo;
  /** Append events (one transaction); returns them with their ids. */
  append(events: NewEvent[]): Promise<StoredEvent[]>;
  /** All events, oldest first. */
  all(): Promise<StoredEvent[]>;
  /** The most recent `n` events, oldest first. */
  recent(n: number): Promise<StoredEvent[]>;
  count(): Promise<number>;
  clear(): Promise<void>;
  /** Deletes the events older than `time` (ms since epoch); returns how many went. */
  pruneBefore(time: number): Promise<number>;
  /** Deletes everything this store ever wrote (the whole database) and closes it. */
  destroy(): Promise<void>;
  getMeta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  putItems(items: StoredItem[]): Promise<void>;
  listItems(): Promise<StoredItem[]>;
  /** The stored adapter record of a model version (unvalidated: callers run validateAdapter). */
  getAdapter(modelVersion: string): Promise<unknown>;
  /** Stores (replaces) the adapter of its model version; QuotaError when the disk is full (history untouched). */
  putAdapter(state: AdapterState): Promise<void>;
  /** Deletes stored adapters: every one, or every one except the `keep` model version. */
  deleteAdapters(keep?: string): Promise<void>;
  /** Called when the database is deleted from outside (another tab, the site's data cleared). */
  onDeleted?(listener: () => void): void;
  close(): void;
}

export interface StoreOptions {
  dbName?: string;
  /** retention: at most this many events are kept, oldest pruned (default 5000) */
  maxEvents?: number;
  /** how long to wait for other tabs to release an older version before falling back to memory */
  blockedTimeoutMs?: number;
  /** the IDBFactory to use (default `globalThis.indexedDB`; tests pass fake-indexeddb) */
  indexedDB?: IDBFactory;
  /**
   * Test hook, called inside every append transaction just before the writes (attempt 0, then 1
   * on the prune-and-retry). Throwing a DOMException named 'QuotaExceededError' simulates a full disk.
   */
  beforeWrite?: (attempt: number) => void;
  /** Test hook, called inside every adapter write transaction (throw to simulate a full disk). */
  beforeAdapterWrite?: () => void;
}

export const DEFAULT_MAX_EVENTS = 5000;

interface V2Schema extends DBSchema {
  events: { key: number; value: StoredEvent; indexes: { 'by-time': number } };
  meta: { key: string; value: { key: string; value: unknown } };
  items: { key: string; value: StoredItem };
  adapters: { key: string; value: AdapterState };
}

/** v1 records, as written by schema version 1 (kept for the migration). */
interface V1Event {
  id: number;
  type: EventType;
  item: string;
  value?: number;
  time: number;
}

/** A full disk while writing `what` → QuotaError (the write did not happen); other errors as they are. */
async function quotaAsTyped<T>(write: Promise<T>, what: string): Promise<T> {
  try {
    return await write;
  } catch (e) {
    if (isQuotaError(e) && !(e instanceof QuotaError)) {
      throw new QuotaError(`storage quota exceeded while saving ${what}; nothing was changed`, { cause: e });
    }
    throw e;
  }
}

function isQuotaError(e: unknown): boolean {
  if (e instanceof QuotaError) return true;
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || (e as { code?: unknown } | null)?.code === 22;
}

/**
 * Upgrade code path: every step from `oldVersion` to `newVersion` (default DB_VERSION), in order.
 * Exported for tests that open a database at an older version (upgradeToV1, or this with
 * `newVersion` 2) and then reopen it with the store.
 */
export function upgradeSchema(
  db: IDBPDatabase<V2Schema>,
  oldVersion: number,
  tx: IDBPTransaction<V2Schema, StoreNames<V2Schema>[], 'versionchange'>,
  newVersion: number = DB_VERSION,
): void {
  if (oldVersion < 1) {
    upgradeToV1(db as unknown as IDBPDatabase);
  }
  if (oldVersion < 2 && newVersion >= 2) {
    db.createObjectStore('meta', { keyPath: 'key' });
    db.createObjectStore('items', { keyPath: 'id' });
    // rewrite v1 records: item → itemId, value → number | null
    const events = tx.objectStore('events');
    void (async () => {
      let cursor = await events.openCursor();
      while (cursor) {
        const old = cursor.value as unknown as V1Event & Partial<StoredEvent>;
        if (old.itemId === undefined) {
          const next: StoredEvent = {
            id: old.id,
            type: old.type,
            itemId: String(old.item),
            value: typeof old.value === 'number' ? old.value : null,
            time: old.time,
          };
          await cursor.update(next);
        }
        cursor = await cursor.continue();
      }
    })();
  }
  if (oldVersion < 3 && newVersion >= 3) {
    db.createObjectStore('adapters', { keyPath: 'modelVersion' });
  }
}

/** Schema version 1 (the first release): one `events` store. */
export function upgradeToV1(db: IDBPDatabase): void {
  const events = db.createObjectStore('events', { keyPath: 'id', autoIncrement: true });
  events.createIndex('by-time', 'time');
}

export class IdbStore implements HistoryStore {
  readonly info: StorageInfo = { kind: 'indexeddb' };
  private db: IDBPDatabase<V2Schema> | null = null;
  private opening: Promise<IDBPDatabase<V2Schema>> | null = null;
  private closed = false;
  private readonly name: string;
  private readonly maxEvents: number;
  private readonly factory: IDBFactory;
  private readonly blockedTimeoutMs: number;
  private readonly beforeWrite: ((attempt: number) => void) | undefined;
  private readonly beforeAdapterWrite: (() => void) | undefined;
  private readonly deletedListeners = new Set<() => void>();

  onDeleted(listener: () => void): void {
    this.deletedListeners.add(listener);
  }

  private constructor(opts: StoreOptions, factory: IDBFactory) {
    this.beforeAdapterWrite = opts.beforeAdapterWrite;
    this.name = opts.dbName ?? 'localrec';
    this.maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.factory = factory;
    this.blockedTimeoutMs = opts.blockedTimeoutMs ?? 5000;
    this.beforeWrite = opts.beforeWrite;
  }

  /** Opens (and upgrades) the database; throws StorageUnavailableError when it cannot. */
  static async open(opts: StoreOptions = {}): Promise<IdbStore> {
    const factory = opts.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!factory) throw new StorageUnavailableError('IndexedDB is not available in this context');
    const store = new IdbStore(opts, factory);
    await store.connection();
    return store;
  }

  private connection(): Promise<IDBPDatabase<V2Schema>> {
    if (this.closed) return Promise.reject(new StorageUnavailableError('the store is closed'));
    if (this.db) return Promise.resolve(this.db);
    if (this.opening) return this.opening;
    const p = this.openOnce().finally(() => {
      this.opening = null;
    });
    this.opening = p;
    return p;
  }

  private async openOnce(): Promise<IDBPDatabase<V2Schema>> {
    let request: IDBOpenDBRequest;
    try {
      request = this.factory.open(this.name, DB_VERSION);
    } catch (e) {
      throw new StorageUnavailableError(`indexedDB.open failed: ${String(e)}`, { cause: e });
    }
    request.onupgradeneeded = (ev) => {
      const db = wrap(request.result) as unknown as IDBPDatabase<V2Schema>;
      const tx = wrap(request.transaction as IDBTransaction) as unknown as IDBPTransaction<
        V2Schema,
        StoreNames<V2Schema>[],
        'versionchange'
      >;
      upgradeSchema(db, ev.oldVersion, tx);
    };
    // `blocked`: another tab holds an older version open and did not close on `versionchange`.
    // We wait a bounded time (below) instead of hanging.
    request.onblocked = () => console.debug('localrec: IndexedDB is held open by another tab; waiting');
    const opened = wrap(request) as unknown as Promise<IDBPDatabase<V2Schema>>;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StorageUnavailableError('opening IndexedDB was blocked by another tab')),
        this.blockedTimeoutMs,
      );
    });
    try {
      const db = await Promise.race([opened, timeout]);
      // `blocking`: a newer version (another tab) wants to upgrade: step aside, reopen lazily.
      db.addEventListener('versionchange', (ev) => {
        db.close();
        if (this.db === db) this.db = null;
        // no new version: the database was deleted (another tab, the site's data cleared)
        if ((ev as IDBVersionChangeEvent).newVersion === null) for (const l of this.deletedListeners) l();
      });
      // `terminated`: the browser closed the connection abnormally.
      db.addEventListener('close', () => {
        if (this.db === db) this.db = null;
      });
      this.db = db;
      return db;
    } catch (e) {
      // a late success after the timeout: close that connection so it blocks nobody
      opened.then(
        (db) => db.close(),
        (lateError: unknown) => console.debug('localrec: IndexedDB open after the timeout failed too', lateError),
      );
      if (e instanceof StorageUnavailableError) throw e;
      throw new StorageUnavailableError(`IndexedDB could not be opened: ${String(e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `fn` with a connection; if the connection was closed under us (blocking/terminated), reopen once. */
  private async withDb<T>(fn: (db: IDBPDatabase<V2Schema>) => Promise<T>): Promise<T> {
    const db = await this.connection();
    try {
      return await fn(db);
    } catch (e) {
      const name = (e as { name?: string } | null)?.name;
      if (name === 'InvalidStateError' && !this.closed) {
        this.db = null;
        return fn(await this.connection());
      }
      throw e;
    }
  }

  async append(events: NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    try {
      return await this.withDb((db) => this.appendTx(db, events, 0));
    } catch (e) {
      if (!isQuotaError(e)) throw e;
    }
    try {
      return await this.withDb((db) => this.appendTx(db, events, 1));
    } catch (e) {
      if (isQuotaError(e)) {
        throw new QuotaError('storage quota exceeded; nothing stored was lost and this event is not stored', {
          cause: e,
        });
      }
      throw e;
    }
  }

  /** One transaction: (attempt 1: delete the oldest events first), add, prune to retention. */
  private async appendTx(db: IDBPDatabase<V2Schema>, events: NewEvent[], attempt: number): Promise<StoredEvent[]> {
    const tx = db.transaction('events', 'readwrite');
    const store = tx.store;
    return commitOrAbort(tx, async () => {
      if (attempt > 0) {
        // free room: the oldest tenth of the retention window (at least as many as we add), but
        // never below half of it: a short history is worth more than the new event, which is
        // refused instead (QuotaError) and loses nothing already stored
        const stored = await store.count();
        const keep = Math.ceil(this.maxEvents / 2);
        const toFree = Math.min(Math.max(events.length, Math.ceil(this.maxEvents / 10)), stored - keep);
        if (toFree < events.length)
          throw new QuotaError('storage quota exceeded; the history is kept and this event is not stored');
        let cursor = await store.openCursor();
        for (let i = 0; cursor && i < toFree; i++) {
          await cursor.delete();
          cursor = await cursor.continue();
        }
      }
      this.beforeWrite?.(attempt);
      const out: StoredEvent[] = [];
      for (const e of events) {
        const id = await store.add(e as StoredEvent);
        out.push({ ...e, id });
      }
      const count = await store.count();
      if (count > this.maxEvents) {
        let excess = count - this.maxEvents;
        let cursor = await store.openCursor();
        while (cursor && excess > 0) {
          await cursor.delete();
          excess--;
          cursor = await cursor.continue();
        }
      }
      return out;
    });
  }

  async all(): Promise<StoredEvent[]> {
    return this.withDb((db) => db.getAll('events'));
  }

  async recent(n: number): Promise<StoredEvent[]> {
    if (n <= 0) return [];
    return this.withDb(async (db) => {
      // readonly: no need to wait for the transaction to complete
      const tx = db.transaction('events', 'readonly');
      const out: StoredEvent[] = [];
      let cursor = await tx.store.openCursor(null, 'prev');
      while (cursor) {
        out.push(cursor.value);
        if (out.length >= n) break;
        cursor = await cursor.continue();
      }
      return out.reverse();
    });
  }

  async count(): Promise<number> {
    return this.withDb((db) => db.count('events'));
  }

  async clear(): Promise<void> {
    await this.withDb((db) => db.clear('events'));
  }

  async pruneBefore(time: number): Promise<number> {
    return this.withDb(async (db) => {
      const tx = db.transaction('events', 'readwrite');
      let gone = 0;
      let cursor = await tx.store.index('by-time').openCursor(IDBKeyRange.upperBound(time, true));
      while (cursor) {
        await cursor.delete();
        gone++;
        cursor = await cursor.continue();
      }
      await tx.done;
      return gone;
    });
  }

  async destroy(): Promise<void> {
    this.close();
    await new Promise<void>((resolve, reject) => {
      const req = this.factory.deleteDatabase(this.name);
      req.onsuccess = () => resolve();
      req.onerror = () =>
        reject(new StorageUnavailableError(`the database could not be deleted: ${String(req.error)}`));
      // another tab still holds it open: the deletion completes once that tab lets go (it is told to)
      req.onblocked = () => console.debug('localrec: deleting the database waits for another tab');
    });
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    const row = await this.withDb((db) => db.get('meta', key));
    return row?.value as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await quotaAsTyped(
      this.withDb((db) => db.put('meta', { key, value })),
      'a setting',
    );
  }

  async putItems(items: StoredItem[]): Promise<void> {
    if (items.length === 0) return;
    await quotaAsTyped(
      this.withDb(async (db) => {
        const tx = db.transaction('items', 'readwrite');
        for (const it of items) void tx.store.put(it);
        await tx.done;
      }),
      'added items',
    );
  }

  async listItems(): Promise<StoredItem[]> {
    const items = await this.withDb((db) => db.getAll('items'));
    return items.sort((a, b) => a.added - b.added || (a.id < b.id ? -1 : 1));
  }

  async getAdapter(modelVersion: string): Promise<unknown> {
    return this.withDb((db) => db.get('adapters', modelVersion));
  }

  async putAdapter(state: AdapterState): Promise<void> {
    try {
      await this.withDb(async (db) => {
        const tx = db.transaction('adapters', 'readwrite');
        await commitOrAbort(tx, async () => {
          this.beforeAdapterWrite?.();
          await tx.store.put(state);
        });
      });
    } catch (e) {
      if (isQuotaError(e))
        throw new QuotaError('storage quota exceeded while saving the adapter; the history is untouched', { cause: e });
      throw e;
    }
  }

  async deleteAdapters(keep?: string): Promise<void> {
    await this.withDb(async (db) => {
      const tx = db.transaction('adapters', 'readwrite');
      for (const key of await tx.store.getAllKeys()) if (key !== keep) await tx.store.delete(key);
      await tx.done;
    });
  }

  close(): void {
    this.closed = true;
    this.db?.close();
    this.db = null;
  }
}

/**
 * Runs `body` inside the readwrite transaction `tx` and resolves once the transaction has
 * committed. On any error the transaction is aborted (nothing of it is kept) and the error is
 * rethrown after the abort has settled.
 */
async function commitOrAbort<T>(
  tx: { readonly done: Promise<void>; abort(): void },
  body: () => Promise<T>,
): Promise<T> {
  const done = tx.done;
  // awaited below on both paths; this copy keeps an early abort from being reported as unhandled
  void settled(done);
  try {
    const out = await body();
    await done;
    return out;
  } catch (e) {
    try {
      tx.abort();
    } catch {
      // already finished
    }
    // the abort's own rejection is the expected outcome here; `e` is what the caller needs
    await settled(done);
    throw e;
  }
}

/** Same interface, kept in memory (IndexedDB unavailable or broken). Lost on reload. */
export class MemoryStore implements HistoryStore {
  readonly info: StorageInfo;
  private events: StoredEvent[] = [];
  private nextId = 1;
  private readonly meta = new Map<string, unknown>();
  private readonly items = new Map<string, StoredItem>();
  private readonly adapters = new Map<string, AdapterState>();
  private readonly maxEvents: number;

  constructor(reason: string, opts: { maxEvents?: number } = {}) {
    this.info = { kind: 'memory', reason };
    this.maxEvents = opts.maxEvents ?? DEFAULT_MAX_EVENTS;
  }

  async append(events: NewEvent[]): Promise<StoredEvent[]> {
    const out = events.map((e) => ({ ...e, id: this.nextId++ }));
    for (const e of out) this.events.push(e);
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    return out.map((e) => ({ ...e }));
  }
  async all(): Promise<StoredEvent[]> {
    return this.events.map((e) => ({ ...e }));
  }
  async recent(n: number): Promise<StoredEvent[]> {
    if (n <= 0) return [];
    return this.events.slice(-n).map((e) => ({ ...e }));
  }
  async count(): Promise<number> {
    return this.events.length;
  }
  async clear(): Promise<void> {
    this.events = [];
  }
  async pruneBefore(time: number): Promise<number> {
    const before = this.events.length;
    this.events = this.events.filter((e) => e.time >= time);
    return before - this.events.length;
  }
  async destroy(): Promise<void> {
    this.events = [];
    this.meta.clear();
    this.items.clear();
    this.adapters.clear();
  }
  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.meta.get(key) as T | undefined;
  }
  async setMeta(key: string, value: unknown): Promise<void> {
    this.meta.set(key, value);
  }
  async putItems(items: StoredItem[]): Promise<void> {
    for (const it of items) this.items.set(it.id, { ...it });
  }
  async listItems(): Promise<StoredItem[]> {
    return [...this.items.values()].sort((a, b) => a.added - b.added);
  }
  async getAdapter(modelVersion: string): Promise<unknown> {
    const a = this.adapters.get(modelVersion);
    return a ? structuredClone(a) : undefined;
  }
  async putAdapter(state: AdapterState): Promise<void> {
    this.adapters.set(state.modelVersion, structuredClone(state));
  }
  async deleteAdapters(keep?: string): Promise<void> {
    for (const k of [...this.adapters.keys()]) if (k !== keep) this.adapters.delete(k);
  }
  /** The model versions with a stored adapter (moving memory to the device on consent). */
  adapterVersions(): string[] {
    return [...this.adapters.keys()];
  }
  close(): void {
    // nothing to release: the history lives in this object
  }
}

/** IndexedDB when it works, else memory with the reason (reported on `rec.storage`). */
export async function openHistoryStore(opts: StoreOptions = {}): Promise<HistoryStore> {
  try {
    const store = await IdbStore.open(opts);
    // a probe read: some browsers (private modes, corrupt profiles) open but fail on use
    await store.count();
    return store;
  } catch (e) {
    const reason = messageOf(e);
    return new MemoryStore(reason, opts.maxEvents === undefined ? {} : { maxEvents: opts.maxEvents });
  }
}
