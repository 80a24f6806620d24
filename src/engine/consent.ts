/**
 * Consent to keep the visitor's data on their device. Under `consent: 'required'` nothing is
 * written to the device until consent is granted: the recommender works from memory for the
 * page's life. Granting moves what the page gathered into IndexedDB (and keeps writing there);
 * revoking deletes the database and everything this page holds of the visitor, and goes back to
 * memory. The store the recommender's parts hold is this one: it switches what it writes to.
 */
import type { AdapterState } from '../core/adapter';
import type { StorageInfo, StoredEvent } from '../types';
import { type HistoryStore, MemoryStore, type NewEvent, type StoredItem } from './store';

export type ConsentState = 'granted' | 'pending' | 'denied';

/** The meta keys a store keeps besides events, items and adapters (moved on grant). */
const META_KEYS = ['paused', 'lastRun', 'experimentSeed'] as const;

export class ConsentStore implements HistoryStore {
  private inner: HistoryStore;
  private deleted = new Set<() => void>();

  /**
   * `initial`: the store to use now (memory while consent is pending). `open` opens the device's
   * store once consent is granted.
   */
  constructor(
    initial: HistoryStore,
    private state: ConsentState,
    private readonly open: () => Promise<HistoryStore>,
    private readonly maxEvents: number | undefined,
  ) {
    this.inner = initial;
    this.watch(initial);
  }

  get consent(): ConsentState {
    return this.state;
  }

  get info(): StorageInfo {
    return this.inner.info;
  }

  /** Consent given: the memory gathered so far goes to the device, and from now on everything does. */
  async grant(): Promise<void> {
    if (this.state === 'granted') return;
    const from = this.inner;
    const to = await this.open();
    await copyInto(from, to);
    this.inner = to;
    this.watch(to);
    this.state = 'granted';
    from.close();
  }

  /** Consent withdrawn: everything on the device is deleted, and the page goes on from empty memory. */
  async revoke(): Promise<void> {
    const from = this.inner;
    this.inner = memory('consent was withdrawn: nothing is kept on this device', this.maxEvents);
    this.state = 'denied';
    await from.destroy();
  }

  /** The device's store deleted from outside (another tab revoked, the site's data cleared): consent is gone too. */
  private watch(store: HistoryStore): void {
    store.onDeleted?.(() => {
      if (this.inner !== store) return;
      this.inner = memory(
        'the data on this device was deleted: nothing is kept until consent is given again',
        this.maxEvents,
      );
      this.state = 'denied';
      for (const l of this.deleted) l();
    });
  }

  append(events: NewEvent[]): Promise<StoredEvent[]> {
    return this.inner.append(events);
  }
  all(): Promise<StoredEvent[]> {
    return this.inner.all();
  }
  recent(n: number): Promise<StoredEvent[]> {
    return this.inner.recent(n);
  }
  count(): Promise<number> {
    return this.inner.count();
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
  pruneBefore(time: number): Promise<number> {
    return this.inner.pruneBefore(time);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
  getMeta<T>(key: string): Promise<T | undefined> {
    return this.inner.getMeta<T>(key);
  }
  setMeta(key: string, value: unknown): Promise<void> {
    return this.inner.setMeta(key, value);
  }
  putItems(items: StoredItem[]): Promise<void> {
    return this.inner.putItems(items);
  }
  listItems(): Promise<StoredItem[]> {
    return this.inner.listItems();
  }
  getAdapter(modelVersion: string): Promise<unknown> {
    return this.inner.getAdapter(modelVersion);
  }
  putAdapter(state: AdapterState): Promise<void> {
    return this.inner.putAdapter(state);
  }
  deleteAdapters(keep?: string): Promise<void> {
    return this.inner.deleteAdapters(keep);
  }
  onDeleted(listener: () => void): void {
    this.deleted.add(listener);
  }
  close(): void {
    this.inner.close();
  }
}

export function memory(reason: string, maxEvents: number | undefined): MemoryStore {
  return new MemoryStore(reason, maxEvents === undefined ? {} : { maxEvents });
}

/**
 * Everything `from` holds, appended to `to` after what `to` already has (an earlier visit that
 * had consent): events in order, items, adapters, the meta keys the engine writes.
 */
async function copyInto(from: HistoryStore, to: HistoryStore): Promise<void> {
  const events = await from.all();
  if (events.length) await to.append(events.map(({ id: _id, ...e }) => e));
  const items = await from.listItems();
  if (items.length) await to.putItems(items);
  for (const key of META_KEYS) {
    const v = await from.getMeta(key);
    if (v !== undefined) await to.setMeta(key, v);
  }
  // the adapters of every model version the page used (usually one)
  // the adapters of every model version the page used (usually one); one the device already has
  // from an earlier visit has learned longer and stays
  const versions = from instanceof MemoryStore ? from.adapterVersions() : [];
  for (const version of versions) {
    const a = await from.getAdapter(version);
    if (a && (await to.getAdapter(version)) === undefined) await to.putAdapter(a as AdapterState);
  }
}
