/**
 * The recommender a page holds: the public API, as a thin facade over the modules that do the
 * work (validate.ts, visitor-history.ts, ranking.ts, adapter-session.ts, resume.ts,
 * added-items.ts, tab-sync.ts; create.ts wires them). Inference runs behind the Engine operations
 * (a Web Worker in browsers).
 *
 * Where things live and why: the history store, the catalogue and the item table stay on the page.
 * IndexedDB calls are asynchronous and cheap (a few ms); BroadcastChannel, `subscribe` and pause
 * state belong with the page. The Worker runs the model forward pass (the part that can take long:
 * WebGPU set-up, SwiftShader) and the visitor's adapter (personal.ts): the rescoring with the
 * personal user representation and the learning steps, both O(catalogue). It holds only a working
 * copy of the adapter; the page keeps the source of truth in IndexedDB, so the Worker can be
 * dropped and recreated without touching the visitor's data.
 *
 * Behaviour decisions (documented in the public API):
 * - k: a positive integer; 0, negative, non-integer, NaN or Infinity → InvalidArgumentError.
 *   A k larger than the number of eligible items returns all eligible items (so 1e9 is fine).
 * - Seen items (anything in the stored history) are excluded unless `includeSeen`.
 * - Unknown ids in `exclude`/`candidates`/`similar`/`item`/`track` → UnknownItemError.
 * - Tracking while paused stores nothing and resolves to null.
 */
import type { Catalog } from '../core/catalog';
import { ClosedError, InvalidArgumentError } from '../core/errors';
import { historyTensorData } from '../core/history';
import { settled } from '../core/settle';
import type { ItemTable } from '../core/item-table';
import type { ModelManifest } from '../core/manifest-types';
import type {
  AdapterInfo,
  Backend,
  CatalogItem,
  ExportedData,
  NewItem,
  Recommendation,
  RecommendedItem,
  RecommendOptions,
  SimilarOptions,
  StorageInfo,
  StoredEvent,
  TrackEvent,
} from '../types';
import type { AddedItems } from './added-items';
import { type AdapterSession, disabledInfo, type ShippedRuns } from './adapter-session';
import type { PersonalRunResult } from './personal';
import type { Ranker } from './ranking';
import type { StoredOutput } from './resume';
import type { StartingEngine } from './starting';
import type { HistoryStore } from './store';
import type { ChangeKind, Listener, TabSync } from './tab-sync';
import {
  checkK,
  checkOptions,
  idList,
  indexOfId,
  RECOMMEND_KEYS,
  SIMILAR_KEYS,
  unknownIdsSetting,
  validateEvent,
} from './validate';
import type { VisitorHistory } from './visitor-history';
import type { ConsentState, ConsentStore } from './consent';
import { applyRetention } from './retention';
import { experimentArm, summarize, type VisitorSummary } from './summary';

export type { Listener } from './tab-sync';

/** The parts a recommender is made of (create.ts builds them). */
export interface RecommenderParts {
  manifest: ModelManifest;
  catalog: Catalog;
  table: ItemTable;
  engine: StartingEngine;
  store: HistoryStore;
  history: VisitorHistory;
  ranker: Ranker;
  runs: ShippedRuns;
  /** null when the adapter is off */
  adapter: AdapterSession | null;
  stored: StoredOutput;
  added: AddedItems;
  sync: TabSync;
  paused: boolean;
  /** the store all parts write to, switching with the visitor's consent */
  consent: ConsentStore;
  /** events older than this many days are deleted (Infinity: kept until erased) */
  retentionDays: number;
}

/** What the debug channel (debug.ts) reads of a recommender; not part of the public API. */
export interface RecommenderInternals {
  readonly parts: RecommenderParts;
  /** where createRecommender's time went (create.ts fills it in) */
  startup: StartupTimings | null;
  /** throws ClosedError once closed */
  alive(): void;
  /** whether on-device learning is wanted now (not closed, not paused) */
  learning(): boolean;
  /** when retention was last applied (ms since epoch) */
  retentionCheckedAt: number;
  /** called on close (watchers the start-up set up) */
  onClose: (() => void)[];
}

/** debug.ts's access to a recommender's parts: a page holding only the public API cannot reach them. */
export const INTERNALS = new WeakMap<Recommender, RecommenderInternals>();

/** createRecommender's phases (ms), read through the debug channel. */
export interface StartupTimings {
  totalMs: number;
  loadMs: number;
  parseMs: number;
  engineMs: number;
  storeWaitMs: number;
  adapterMs: number;
  restoreMs: number;
  engine?: { probeMs: number; sessionMs: number; encoderMs: number };
  /**
   * true: createRecommender resolved before the model session was up, because the stored model
   * output matched the history (`resume`); engineMs (from the start of the engine) and `engine`
   * are filled in when the session is up, and `readyMs` is when that was (from the start).
   */
  resumed: boolean;
  /** ms from createRecommender's start until the model session was up (NaN while starting) */
  readyMs: number;
}

export class Recommender {
  readonly #p: RecommenderParts;
  #paused: boolean;
  #closed = false;
  /** one track at a time in this tab: the example of each event is the history right before it */
  #trackQueue: Promise<unknown> = Promise.resolve();

  /** @internal use createRecommender */
  constructor(parts: RecommenderParts) {
    this.#p = parts;
    this.#paused = parts.paused;
    INTERNALS.set(this, {
      parts,
      startup: null,
      alive: () => this.#alive(),
      learning: () => !this.#closed && !this.#paused,
      retentionCheckedAt: 0,
      onClose: [],
    });
  }

  /** The backend that answers now ('webgpu' | 'wasm'; 'node' in Node tests). */
  get backend(): Backend {
    return this.#p.engine.backend;
  }

  /**
   * Resolves when the model session is up (at once when it already is). createRecommender usually
   * waits for it; a returning visitor answered from the stored model output (`resume`) gets the
   * recommender earlier. Rejects with the start-up error (e.g. BackendError) if it failed: calls
   * that need the model then reject with it too.
   */
  async ready(): Promise<void> {
    this.#alive();
    await this.#p.engine.ready;
  }

  /** Where the history lives: IndexedDB, or memory (with the reason). */
  get storage(): StorageInfo {
    return { ...this.#p.store.info };
  }

  /** Whether tracking is paused (persisted with the history). */
  get paused(): boolean {
    return this.#paused;
  }

  /** The model's manifest fields a page may want to show (name, version, sizes). */
  get model(): { name: string; modelVersion: string; itemCount: number; maxHistory: number; hasEncoder: boolean } {
    const m = this.#p.manifest;
    return {
      name: m.name,
      modelVersion: m.modelVersion,
      itemCount: m.itemCount,
      maxHistory: m.maxHistory,
      hasEncoder: this.#p.added.hasEncoder,
    };
  }

  #alive(): void {
    if (this.#closed) throw new ClosedError();
  }

  // ---------------------------------------------------------------- history

  /**
   * Store an event of the visitor. Refuses unknown ids (UnknownItemError) and malformed events
   * (BadEventError) before touching the store. While paused nothing is stored and it resolves to null.
   */
  async track(event: TrackEvent): Promise<StoredEvent | null> {
    this.#alive();
    const p = this.#p;
    const e = validateEvent(event, p.catalog);
    if (this.#paused) return null;
    const run = async (): Promise<StoredEvent | undefined> => {
      await applyRetention(this, false);
      const learnFrom = p.adapter ? await this.#learnInput(e.itemId) : null;
      const stored = await p.history.append(e);
      // queued before listeners hear of the event, so whatever they read waits for it
      if (learnFrom && stored) p.adapter?.schedule(learnFrom.seq, learnFrom.target);
      p.sync.emit({ kind: 'track', events: stored ? [stored] : [] });
      return stored;
    };
    const queued = this.#trackQueue.then(run, run);
    this.#trackQueue = settled(queued);
    return (await queued) ?? null;
  }

  /**
   * What an event of `itemId` teaches: the model sequence before it and the item as target. Only
   * items the model knows, only when the history before is not empty and the item extends the
   * distinct-consecutive sequence (a repeat of the last item is no new step).
   */
  async #learnInput(itemId: string): Promise<{ seq: readonly number[]; target: number } | null> {
    const p = this.#p;
    const target = p.catalog.indexOf(itemId);
    if (target === undefined || target > p.manifest.itemCount) return null;
    const { seq } = p.ranker.input(await p.history.events());
    if (seq.length === 0 || seq[seq.length - 1] === target) return null;
    return { seq, target };
  }

  /** The stored history, oldest first. */
  async history(): Promise<StoredEvent[]> {
    this.#alive();
    return this.#p.history.fresh();
  }

  /** Everything kept on the device about the visitor, as JSON-able data. */
  async exportData(): Promise<ExportedData> {
    this.#alive();
    const p = this.#p;
    await p.adapter?.idle();
    const events = await this.history();
    return {
      format: 'localrec-export',
      version: 1,
      exportedAt: Date.now(),
      model: { name: p.manifest.name, modelVersion: p.manifest.modelVersion },
      storage: this.storage,
      paused: this.#paused,
      events,
      addedItems: p.added.list(),
      adapter: p.adapter ? p.adapter.exported() : null,
      storedOutput: p.stored.exported((i) => p.catalog.idAt(i)),
      consent: p.consent.consent,
      retentionDays: p.retentionDays,
    };
  }

  /** Erase the visitor's history and adapter (all tabs are notified). */
  async erase(): Promise<void> {
    this.#alive();
    const p = this.#p;
    await p.adapter?.stop();
    await p.history.clear();
    p.runs.clear();
    await p.stored.forget();
    await p.store.deleteAdapters();
    await p.adapter?.erased();
    p.sync.emit({ kind: 'erase' });
  }

  /**
   * Whether the visitor's data may be kept on the device: 'granted', 'pending' (`consent:
   * 'required'` before grantConsent(): everything is kept in memory only) or 'denied' (after
   * revokeConsent(), until consent is granted again).
   */
  get consent(): ConsentState {
    return this.#p.consent.consent;
  }

  /**
   * The visitor consented to keeping their data on this device: what this page gathered so far is
   * stored (after what an earlier visit with consent stored), and from now on everything is.
   */
  async grantConsent(): Promise<void> {
    this.#alive();
    const p = this.#p;
    if (p.consent.consent === 'granted') return;
    await p.adapter?.stop();
    await p.consent.grant();
    p.history.invalidate();
    await p.adapter?.reload();
    p.sync.emit({ kind: 'consent' });
  }

  /**
   * The visitor withdrew consent: everything localrec keeps on the device is deleted (the database,
   * in every tab of the site) and this page goes on from empty memory.
   */
  async revokeConsent(): Promise<void> {
    this.#alive();
    const p = this.#p;
    await p.adapter?.stop();
    await p.consent.revoke();
    p.history.invalidate();
    p.runs.clear();
    p.stored.dropInMemory();
    await p.adapter?.erased();
    p.sync.emit({ kind: 'consent' });
  }

  /**
   * What the device holds about the visitor and what shapes their recommendations, for a privacy
   * panel: events kept and since when, the items and categories that weigh most, the adapter, the
   * consent, retention and pause state.
   */
  async summary(): Promise<
    VisitorSummary &
      Pick<ExportedData, 'consent' | 'retentionDays' | 'paused' | 'storage'> & {
        adapterBytes: number;
      }
  > {
    this.#alive();
    const p = this.#p;
    const events = await p.history.events();
    const adapter = await this.adapter();
    return {
      ...summarize(events, p.catalog),
      adapterBytes: adapter.bytes,
      consent: p.consent.consent,
      retentionDays: p.retentionDays,
      paused: this.#paused,
      storage: this.storage,
    };
  }

  /**
   * This visitor's arm of an experiment (e.g. `['model', 'popularity']`): the same on every page
   * and visit of the visitor (a random seed kept with the history; per page while consent is
   * pending), independent between experiments. Nothing leaves the device: a page attaches the arm
   * to its own measurement (see the widget's `experiment` setting).
   */
  async experimentArm<A extends string>(name: string, arms: readonly A[]): Promise<A> {
    this.#alive();
    if (typeof name !== 'string' || !name)
      throw new InvalidArgumentError('experimentArm: name must be a non-empty string');
    const list: readonly unknown[] = arms;
    if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string')) {
      throw new InvalidArgumentError('experimentArm: arms must be a non-empty array of strings');
    }
    const store = this.#p.store;
    let seed = await store.getMeta<number>('experimentSeed');
    if (typeof seed !== 'number' || !Number.isInteger(seed)) {
      seed = Math.floor(Math.random() * 2 ** 31);
      await store.setMeta('experimentSeed', seed);
    }
    return experimentArm(seed, name, arms);
  }

  /** Pause or resume tracking; persisted with the history. */
  async setPaused(paused: boolean): Promise<void> {
    this.#alive();
    if (typeof paused !== 'boolean') throw new InvalidArgumentError('setPaused expects a boolean');
    // stored first: on a full disk (QuotaError) the page's state stays as it was
    await this.#p.store.setMeta('paused', paused);
    this.#paused = paused;
    this.#p.sync.emit({ kind: 'paused' });
  }

  /** Listen to history changes (this tab and, through BroadcastChannel, others). Returns unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.#alive();
    if (typeof listener !== 'function') throw new InvalidArgumentError('subscribe expects a function');
    return this.#p.sync.subscribe(listener);
  }

  /**
   * @internal the database was deleted from outside: what this tab holds of the visitor goes too,
   * as after an erase, and listeners hear of it as a remote erase
   */
  async onStoreDeleted(): Promise<void> {
    if (this.#closed) return;
    const p = this.#p;
    // pending updates learned from the deleted history are dropped before anything is written again
    await p.adapter?.stop();
    p.history.invalidate();
    p.runs.clear();
    try {
      // the next store call opens a new, empty database: nothing learned before may land in it
      await p.stored.forget();
      await p.store.deleteAdapters();
    } catch (err) {
      console.warn('localrec: the reopened database could not be cleared', err);
    }
    await p.adapter?.erased();
    p.sync.notifyRemote('erase');
  }

  /** @internal another tab changed the store (create.ts hands this to TabSync) */
  async onRemoteChange(kind: ChangeKind): Promise<void> {
    if (this.#closed) return;
    const p = this.#p;
    p.history.invalidate();
    if (kind === 'paused') {
      try {
        const stored = await p.store.getMeta<boolean>('paused');
        if (typeof stored === 'boolean') this.#paused = stored;
      } catch {
        // the other tab's choice is read again on the next 'paused' message; this tab keeps its own meanwhile
      }
    }
    if (kind === 'erase') {
      p.runs.clear();
      p.stored.dropInMemory();
    }
    if (kind === 'erase' || kind === 'adapter') await p.adapter?.reload();
  }

  // ---------------------------------------------------------------- the visitor's adapter

  /**
   * The visitor's adapter: size, updates, last update, and how far it moves the gate for the
   * current history (shipped vs personal gate). Waits for pending updates.
   */
  async adapter(): Promise<AdapterInfo> {
    this.#alive();
    const p = this.#p;
    if (!p.adapter) return disabledInfo(p.manifest);
    await p.adapter.idle();
    const { seq } = p.ranker.input(await p.history.events());
    return p.adapter.info(seq);
  }

  /** Back to the shipped model: a fresh adapter, the stored one deleted (all tabs are notified). */
  async resetAdapter(): Promise<void> {
    this.#alive();
    if (!this.#p.adapter) return;
    await this.#p.adapter.reset();
    this.#p.sync.emit({ kind: 'adapter' });
  }

  // ---------------------------------------------------------------- catalogue

  /** Catalogue fields of one item (catalogue or added). */
  item(id: string): CatalogItem {
    this.#alive();
    const c = this.#p.catalog;
    return c.item(indexOfId(c, id, 'id'));
  }

  /** The whole catalogue (model items, then items added in the page), in model-index order. */
  items(): CatalogItem[] {
    this.#alive();
    const out: CatalogItem[] = [];
    for (const [, it] of this.#p.catalog.items()) out.push(it);
    return out;
  }

  /** Whether an id is known (catalogue or added). */
  has(id: string): boolean {
    this.#alive();
    return typeof id === 'string' && this.#p.catalog.has(id);
  }

  /**
   * Add items the model never saw (new products). Their tokens come from the model's item encoder
   * (encoder.onnx, run in the Worker); from then on they can be recommended and found by `similar`.
   * Persisted, so they survive a reload. Re-adding an id that was added before updates its fields
   * and token; ids of the model's own catalogue are refused (InvalidArgumentError). Resolves to the
   * added items. Throws ModelFormatError when the model has no encoder.
   */
  addItems(items: NewItem[]): Promise<CatalogItem[]> {
    return this.#p.added.add(items, () => this.#alive());
  }

  // ---------------------------------------------------------------- ranking

  /**
   * Recommendations for the visitor. Empty history → most popular (`source: 'popularity'`).
   * Excludes seen items unless `includeSeen`; `exclude` removes ids; `candidates` restricts to ids.
   */
  async recommend(options?: RecommendOptions): Promise<Recommendation> {
    this.#alive();
    const p = this.#p;
    const o = checkOptions(options, RECOMMEND_KEYS, 'recommend');
    const k = checkK(o.k, p.catalog.size);
    const skipped = unknownIdsSetting(o.unknownIds) === 'skip' ? ([] as string[]) : undefined;
    const exclude = new Set(idList(p.catalog, o.exclude, 'exclude', skipped));
    const candidates = o.candidates === undefined ? undefined : idList(p.catalog, o.candidates, 'candidates', skipped);
    if (o.includeSeen !== undefined && typeof o.includeSeen !== 'boolean') {
      throw new InvalidArgumentError('includeSeen must be a boolean');
    }
    await p.adapter?.idle(); // answers reflect every interaction tracked before

    if (o.strategy !== undefined && o.strategy !== 'personal' && o.strategy !== 'popular') {
      throw new InvalidArgumentError(`strategy must be 'personal' or 'popular', got ${JSON.stringify(o.strategy)}`);
    }
    const { seq, seen, lastType } = p.ranker.input(await p.history.events());
    if (o.includeSeen !== true) for (const i of seen) exclude.add(i);

    if (seq.length === 0 || o.strategy === 'popular') {
      return {
        items: p.ranker.popular(k, exclude, candidates),
        backend: p.engine.backend,
        gate: [],
        source: 'popularity',
        historyLength: 0,
        adapterApplied: false,
        personalGate: [],
        ...(skipped ? { skipped } : {}),
      };
    }

    const key = seq.join(',');
    // while the session starts, the stored output of exactly this history answers (resume)
    const stored = p.engine.started ? null : p.stored.matching(key);
    let out: PersonalRunResult;
    if (stored) {
      out = p.stored.answer(stored, p.adapter ? { state: p.adapter.current, options: p.adapter.options } : null);
    } else {
      const { data, dims } = historyTensorData([seq], p.manifest.maxHistory);
      // with or without the adapter: without one (no state set) the engine answers with u's scores,
      // from the graph or, where the model can skip them, from its own int8 table
      const running = p.engine.runPersonal(data, dims[1]);
      // the kept copy of a failed run drops out by itself; recommend() reports the failure below
      if (p.adapter) void settled(p.runs.keep(key, running));
      out = await running;
      this.#alive();
      p.stored.keep(key, out, this.#closed);
    }
    const d = p.manifest.dim;
    const K = p.manifest.experts;
    const user = out.personal ? out.personal.user : out.user.subarray(0, d);
    const top = p.ranker.top(out.scores.subarray(0, p.manifest.itemCount + 1), user, k, exclude, candidates);
    const historyItems = [...new Set(seq.concat([...seen].filter((i) => i > p.manifest.itemCount)))];
    return {
      items: p.ranker.withReasons(top, historyItems, lastType),
      backend: out.backend,
      gate: Array.from(out.gate.subarray(0, K)),
      source: stored ? 'stored' : 'model',
      historyLength: seq.length,
      adapterApplied: out.personal !== null,
      personalGate: Array.from((out.personal ? out.personal.gate : out.gate).subarray(0, K)),
      ...(skipped ? { skipped } : {}),
    };
  }

  /** Items whose tokens are most similar (cosine) to the item `id`'s token. */
  async similar(id: string, options?: SimilarOptions): Promise<RecommendedItem[]> {
    this.#alive();
    const c = this.#p.catalog;
    const i = indexOfId(c, id, 'id');
    const o = checkOptions(options, SIMILAR_KEYS, 'similar');
    const k = checkK(o.k, c.size);
    const skipped = unknownIdsSetting(o.unknownIds) === 'skip' ? ([] as string[]) : undefined;
    const exclude = new Set(idList(c, o.exclude, 'exclude', skipped));
    return this.#p.ranker.similar(i, k, exclude);
  }

  /** Release the Worker, the database connection and the channel. Later calls throw ClosedError. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const p = this.#p;
    for (const stop of INTERNALS.get(this)?.onClose ?? []) stop();
    p.sync.close();
    p.store.close();
    void p.engine.close().catch((err: unknown) => console.debug('localrec: closing the engine', err));
  }
}
