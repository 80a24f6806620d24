/**
 * The visitor's stored history, read through a cache kept in step with this tab's writes.
 * Another tab's writes invalidate it through BroadcastChannel; where there is no channel, the
 * newest stored event id is compared on every read instead (one small IndexedDB read, a few ms).
 */
import type { StoredEvent } from '../types';
import type { HistoryStore, NewEvent } from './store';
import { EVENT_TYPES } from './validate';

/**
 * A stored record as the engine writes it. Anything else (a record another script or an older
 * bug wrote) is left out of answers, reasons and exports, and counted on `malformed`.
 */
function wellFormed(e: unknown): e is StoredEvent {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Partial<StoredEvent>;
  return (
    typeof r.id === 'number' &&
    typeof r.itemId === 'string' &&
    (EVENT_TYPES as readonly unknown[]).includes(r.type) &&
    (r.value === null || (typeof r.value === 'number' && Number.isFinite(r.value))) &&
    typeof r.time === 'number' &&
    Number.isFinite(r.time)
  );
}

export class VisitorHistory {
  private cache: StoredEvent[] | null = null;
  /** stored records left out because they are malformed (at the last read) */
  malformed = 0;

  constructor(
    private readonly store: HistoryStore,
    private readonly maxEvents: number,
    /** whether another tab's writes are announced (else every read checks the store) */
    private readonly announced: () => boolean,
  ) {}

  /** The history, oldest first (the cached array: callers only read it). */
  async events(): Promise<StoredEvent[]> {
    if (this.cache && !this.announced()) {
      const [last] = await this.store.recent(1);
      const mine = this.cache[this.cache.length - 1];
      if (last?.id !== mine?.id) this.cache = null;
    }
    if (!this.cache) {
      const all = await this.store.all();
      const good = all.filter(wellFormed);
      this.malformed = all.length - good.length;
      if (this.malformed) console.warn(`localrec: ${this.malformed} malformed stored event(s) are ignored`);
      this.cache = good;
    }
    return this.cache;
  }

  /** The history read afresh from the store (another tab may have pruned it), as copies. */
  async fresh(): Promise<StoredEvent[]> {
    this.cache = null;
    return (await this.events()).map((e) => ({ ...e }));
  }

  /** Stores one event; returns it with its id (undefined when the store kept nothing). */
  async append(e: NewEvent): Promise<StoredEvent | undefined> {
    const [stored] = await this.store.append([e]);
    if (this.cache && stored) {
      this.cache.push(stored);
      // retention is enforced by the store; the cache mirrors it
      if (this.cache.length > this.maxEvents) this.cache.splice(0, this.cache.length - this.maxEvents);
    }
    return stored;
  }

  async clear(): Promise<void> {
    await this.store.clear();
    this.cache = [];
  }

  /** Another tab changed the store: the next read goes to it. */
  invalidate(): void {
    this.cache = null;
  }
}
