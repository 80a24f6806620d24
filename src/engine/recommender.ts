/**
 * The recommender: validation, history, catalog, ranking and reasons, on the page side.
 * Inference runs behind the InferenceEngine interface (a Web Worker in browsers).
 *
 * Where things live and why: the history store, the catalog and the item table stay on the page
 * (main thread). IndexedDB calls are asynchronous and cheap (a few ms), BroadcastChannel,
 * `subscribe` and pause state belong with the page. The worker runs the model forward pass (the
 * part that can take long: WebGPU setup, SwiftShader) and the visitor's adapter (personal.ts):
 * the rescoring with the personal user vector and the learning steps, both O(catalogue). It holds
 * only a working copy of the adapter; the page keeps the source of truth in IndexedDB and hands it
 * over at start, after a reset/erase and when another tab changed it, so the worker can still be
 * dropped and recreated without touching the visitor's data.
 *
 * Behaviour decisions (documented in the public API):
 * - k: a positive integer; 0, negative, non-integer, NaN or Infinity → InvalidArgumentError.
 *   A k larger than the number of eligible items returns all eligible items (so 1e9 is fine).
 * - History fed to the model: all events are kept in the store (retention-bounded); the model sees
 *   the sequence of *distinct consecutive* items (view, view, click of the same item = one step),
 *   the most recent `manifest.maxHistory` of them, and only items the model knows (items added in
 *   the page have no ID embedding in the graph; they still count as seen and can be recommended).
 * - Seen items (anything in the stored history) are excluded unless `includeSeen`.
 * - Unknown ids in `exclude`/`candidates`/`similar`/`item`/`track` → UnknownItemError.
 * - Tracking while paused stores nothing and resolves to null.
 * - The adapter (issue 5): a tracked model item that extends the model's sequence by one step,
 *   after a non-empty history, is one example (shipped u/g of the history before it → the item).
 *   track() resolves once the event is stored; the update follows (write-behind, one at a time)
 *   and every read (recommend, adapter, exportData) waits for pending updates.
 */
import {
  applyAdapter,
  createAdapter,
  describeAdapter,
  gateShift,
  personalOf,
  validateAdapter,
  type AdapterOptions,
  type AdapterState,
} from '../core/adapter';
import { Catalog } from '../core/catalog';
import { now } from '../core/clock';
import {
  BadEventError,
  ClosedError,
  InvalidArgumentError,
  ModelFormatError,
  UnknownItemError,
} from '../core/errors';
import { itemFeatures } from '../core/features';
import { historyTensorData } from '../core/history';
import { ItemTable } from '../core/item-table';
import type { ModelManifest } from '../core/manifest-types';
import { topK } from '../core/rank';
import type {
  AdapterInfo,
  Backend,
  CatalogItem,
  CreateOptions,
  EventType,
  ExportedAdapter,
  ExportedData,
  HistoryChange,
  NewItem,
  Recommendation,
  RecommendedItem,
  RecommendOptions,
  SimilarOptions,
  StorageInfo,
  StoredEvent,
  TrackEvent,
} from '../types';
import type { EngineInit, EngineInitResult, InferenceEngine, RunResult } from './inference';
import { loadModel, type LoadedModel, type LoadOptions } from './loader';
import { isPersonalEngine, LocalEngine, type PersonalEngine, type PersonalRunResult } from './personal';
import { StartingEngine } from './starting';
import { DEFAULT_MAX_EVENTS, type HistoryStore, type NewEvent, type StoredItem } from './store';

export const EVENT_TYPES: readonly EventType[] = ['view', 'click', 'add_to_cart', 'purchase', 'rate'];
const VERBS: Record<EventType, string> = {
  view: 'viewed',
  click: 'clicked',
  add_to_cart: 'added to your cart',
  purchase: 'bought',
  rate: 'rated',
};
const DEFAULT_K = 10;

export type Listener = (change: HistoryChange) => void;

/** What the engine needs besides the public options; tests inject fakes here. */
export interface RecommenderDeps {
  engine: InferenceEngine;
  store: HistoryStore | Promise<HistoryStore>;
  load?: LoadOptions;
  /** a model already loaded (tests) instead of fetching `options.model` */
  loaded?: LoadedModel;
  /** extra engine init fields (Node: modelPath/encoderPath) */
  engineInit?: Partial<EngineInit>;
  /** cross-tab notifications (default: BroadcastChannel when available) */
  channel?: BroadcastChannel | null;
}

/** rec.testing.startup(): createRecommender's phases (ms). */
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

/** The model's output for one history, kept in IndexedDB (meta `lastRun`) for the next visit. */
interface StoredRun {
  modelVersion: string;
  /** the model input it belongs to: model indices joined by ',' */
  seq: string;
  user: number[];
  gate: number[];
  backend: Backend;
}

const LAST_RUN = 'lastRun';

/** Keys a page may pass to recommend(); anything else is a typo worth reporting. */
const RECOMMEND_KEYS = new Set(['k', 'exclude', 'candidates', 'includeSeen']);
const SIMILAR_KEYS = new Set(['k', 'exclude']);

export class Recommender {
  private readonly manifest: ModelManifest;
  private readonly catalog: Catalog;
  private readonly table: ItemTable;
  private readonly engine: StartingEngine;
  private readonly store: HistoryStore;
  private readonly hasEncoder: boolean;
  private readonly listeners = new Set<Listener>();
  private readonly channel: BroadcastChannel | null;
  private cache: StoredEvent[] | null = null;
  private pausedState: boolean;
  private closed = false;
  private addQueue: Promise<unknown> = Promise.resolve();
  private readonly maxEvents: number;
  /** scores of the catalogue when the table (not the graph) scores it; reused across calls */
  private scoreBuf: Float32Array | null = null;
  private inputMemo: { events: StoredEvent[]; length: number; lastId: number | undefined; size: number; input: ModelInput } | null = null;
  /** adapter settings; null = adapter disabled */
  private readonly adapterOpts: AdapterOptions | null;
  /** the page's copy of the adapter (the worker holds the working copy, IndexedDB the saved one) */
  private adapterState: AdapterState | null;
  /** the last problem learning/saving/loading the adapter */
  private adapterNote: string | null;
  /** on-device updates run one after another, after the event is stored (write-behind) */
  private learnQueue: Promise<void> = Promise.resolve();
  private trackQueue: Promise<unknown> = Promise.resolve();
  /** bumped by erase/reset/reload: updates scheduled before are dropped */
  private adapterEpoch = 0;
  /**
   * The shipped model's u and g of the last few history runs, finished or in flight, by sequence
   * (so learning usually needs no inference of its own: the example of an event is the history
   * the page last asked recommendations for).
   */
  private readonly runs = new Map<string, Promise<{ user: Float32Array; gate: Float32Array }>>();
  /** @internal where createRecommender's time went (set by createWith; rec.testing.startup()) */
  startup: StartupTimings | null = null;
  /** the stored model output of the current model version (read at start, then what was last written) */
  private lastRun: StoredRun | null = null;
  /** the write of the last stored model output (settles, never rejects) */
  private keeping: Promise<void> = Promise.resolve();
  private readonly resume: boolean;

  /** @internal use createRecommender */
  constructor(args: {
    manifest: ModelManifest;
    catalog: Catalog;
    table: ItemTable;
    engine: StartingEngine;
    store: HistoryStore;
    hasEncoder: boolean;
    paused: boolean;
    channel: BroadcastChannel | null;
    maxEvents?: number;
    adapter?: { options: AdapterOptions; state: AdapterState; note: string | null } | null;
    /** keep the model's last output for the next visit (CreateOptions.resume) */
    resume?: boolean;
  }) {
    this.resume = args.resume !== false;
    this.adapterOpts = args.adapter?.options ?? null;
    this.adapterState = args.adapter?.state ?? null;
    this.adapterNote = args.adapter?.note ?? null;
    this.maxEvents = args.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.manifest = args.manifest;
    this.catalog = args.catalog;
    this.table = args.table;
    this.engine = args.engine;
    this.store = args.store;
    this.hasEncoder = args.hasEncoder;
    this.pausedState = args.paused;
    this.channel = args.channel;
    if (this.channel) {
      this.channel.onmessage = (ev: MessageEvent<{ kind?: unknown }>) => void this.onRemote(ev.data?.kind);
    }
  }

  /** The backend that answers now ('webgpu' | 'wasm'; 'node' in Node tests). */
  get backend(): Backend {
    return this.engine.backend;
  }

  /**
   * Resolves when the model session is up (at once when it already is). createRecommender usually
   * waits for it; a returning visitor answered from the stored model output (`resume`) gets the
   * recommender earlier. Rejects with the start-up error (e.g. BackendError) if it failed: calls
   * that need the model then reject with it too.
   */
  async ready(): Promise<void> {
    this.alive();
    await this.engine.ready;
  }

  /** Where the history lives: IndexedDB, or memory (with the reason). */
  get storage(): StorageInfo {
    return { ...this.store.info };
  }

  /** Whether tracking is paused (persisted with the history). */
  get paused(): boolean {
    return this.pausedState;
  }

  /** The model's manifest fields a page may want to show (name, version, sizes). */
  get model(): { name: string; modelVersion: string; itemCount: number; maxHistory: number; hasEncoder: boolean } {
    const m = this.manifest;
    return { name: m.name, modelVersion: m.modelVersion, itemCount: m.itemCount, maxHistory: m.maxHistory, hasEncoder: this.hasEncoder };
  }

  // ---------------------------------------------------------------- validation helpers

  private alive(): void {
    if (this.closed) throw new ClosedError();
  }

  private indexOfId(id: unknown, what: string): number {
    if (typeof id !== 'string') throw new InvalidArgumentError(`${what} must be a string item id, got ${typeof id}`);
    const i = this.catalog.indexOf(id);
    if (i === undefined) throw new UnknownItemError(id);
    return i;
  }

  private idList(v: unknown, what: string): number[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new InvalidArgumentError(`${what} must be an array of item ids`);
    return v.map((id, j) => this.indexOfId(id, `${what}[${j}]`));
  }

  private checkK(k: unknown): number {
    if (k === undefined) return DEFAULT_K;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
      throw new InvalidArgumentError(`k must be a positive integer, got ${String(k)}`);
    }
    return Math.min(k, this.catalog.size);
  }

  private checkOptions(opts: unknown, keys: Set<string>, call: string): Record<string, unknown> {
    if (opts === undefined) return {};
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
      throw new InvalidArgumentError(`${call} options must be an object`);
    }
    for (const key of Object.keys(opts)) {
      if (!keys.has(key)) throw new InvalidArgumentError(`${call}: unknown option ${JSON.stringify(key)}`);
    }
    return opts as Record<string, unknown>;
  }

  /** Checks a TrackEvent; returns the event to store. */
  validateEvent(e: unknown): NewEvent {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new BadEventError('an event must be an object');
    const ev = e as Record<string, unknown>;
    const type = ev.type;
    if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
      throw new BadEventError(`event type must be one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    }
    if (typeof ev.itemId !== 'string') throw new BadEventError(`event itemId must be a string, got ${typeof ev.itemId}`);
    if (!this.catalog.has(ev.itemId)) throw new UnknownItemError(ev.itemId);
    let value: number | null = null;
    if (type === 'rate') {
      if (typeof ev.value !== 'number' || !Number.isFinite(ev.value)) throw new BadEventError('a rate event needs a finite numeric value');
      value = ev.value;
    } else if (ev.value !== undefined && ev.value !== null) {
      if (typeof ev.value !== 'number' || !Number.isFinite(ev.value)) throw new BadEventError('event value must be a finite number');
      value = ev.value;
    }
    let time = Date.now();
    if (ev.time !== undefined) {
      if (typeof ev.time !== 'number' || !Number.isFinite(ev.time) || ev.time < 0) {
        throw new BadEventError('event time must be a non-negative finite number (ms since epoch)');
      }
      time = ev.time;
    }
    return { type: type as EventType, itemId: ev.itemId, value, time };
  }

  // ---------------------------------------------------------------- history

  /**
   * Store an event of the visitor. Refuses unknown ids (UnknownItemError) and malformed events
   * (BadEventError) before touching the store. While paused nothing is stored and it resolves to null.
   */
  async track(event: TrackEvent): Promise<StoredEvent | null> {
    this.alive();
    const e = this.validateEvent(event);
    if (this.pausedState) return null;
    // one track at a time in this tab: the example of each event is the history right before it
    const run = async (): Promise<StoredEvent | undefined> => {
      const learnFrom = this.adapterOpts ? await this.learnInput(e.itemId) : null;
      const [stored] = await this.store.append([e]);
      if (this.cache && stored) this.cache.push(stored);
      this.trimCache();
      // queued before listeners hear of the event, so whatever they read waits for it
      if (learnFrom && stored) this.scheduleLearn(learnFrom.seq, learnFrom.target);
      this.emit({ kind: 'track', remote: false, events: stored ? [stored] : [] });
      return stored;
    };
    const p = this.trackQueue.then(run, run);
    this.trackQueue = p.catch(() => undefined);
    return (await p) ?? null;
  }

  // ---------------------------------------------------------------- the visitor's adapter

  /**
   * What an event of `itemId` teaches: the model sequence before it and the item as target. Only
   * items the model knows, only when the history before is not empty and the item extends the
   * distinct-consecutive sequence (a repeat of the last item is no new step).
   */
  private async learnInput(itemId: string): Promise<{ seq: readonly number[]; target: number } | null> {
    const target = this.catalog.indexOf(itemId);
    if (target === undefined || target > this.manifest.itemCount) return null;
    const { seq } = this.modelInput(await this.events());
    if (seq.length === 0 || seq[seq.length - 1] === target) return null;
    return { seq, target };
  }

  /** The shipped model's u and g for a sequence (from a finished or in-flight run of it when there is one). */
  private shippedUserGate(seq: readonly number[]): Promise<{ user: Float32Array; gate: Float32Array }> {
    const key = seq.join(',');
    const known = this.runs.get(key);
    if (known) return known;
    const { data, dims } = historyTensorData([seq], this.manifest.maxHistory);
    // only u and g are needed: no catalogue scores (where the model can skip them)
    return this.rememberRun(key, this.engine.run(data, 1, dims[1], false));
  }

  /** Keeps the u/g of a run (at most 8 sequences, most recent last); forgets failed runs. */
  private rememberRun(key: string, run: Promise<{ user: Float32Array; gate: Float32Array }>): Promise<{ user: Float32Array; gate: Float32Array }> {
    const d = this.manifest.dim;
    const K = this.manifest.experts;
    const p = run.then((out) => ({ user: out.user.slice(0, d), gate: out.gate.slice(0, K) }));
    this.runs.delete(key);
    this.runs.set(key, p);
    p.catch(() => {
      if (this.runs.get(key) === p) this.runs.delete(key);
    });
    while (this.runs.size > 8) this.runs.delete(this.runs.keys().next().value!);
    return p;
  }

  /** Queues one on-device update; failures are reported on `adapter().lastError`, never thrown at track(). */
  private scheduleLearn(seq: readonly number[], target: number): void {
    const epoch = this.adapterEpoch;
    const run = async (): Promise<void> => {
      if (this.closed || !this.adapterOpts || this.pausedState || epoch !== this.adapterEpoch) return;
      const ug = await this.shippedUserGate(seq);
      if (this.closed || epoch !== this.adapterEpoch) return;
      const res = await this.engine.adapterLearn({ user: ug.user.slice(), gate: ug.gate.slice(), target }, Date.now());
      if (!res.state) {
        // refused (non-finite): nothing changed, nothing is stored
        this.adapterNote = 'an update was refused (non-finite values); the adapter is unchanged';
        return;
      }
      this.adapterState = res.state;
      await this.saveAdapter();
      // other tabs reload it; this tab's listeners already heard 'track', and every read
      // (recommend, adapter, exportData) waits for pending updates
      this.postToOthers('adapter');
    };
    this.learnQueue = this.learnQueue.then(run).catch((err: unknown) => {
      this.adapterNote = `learning failed: ${err instanceof Error ? err.message : String(err)}`;
    });
  }

  /** Persists the page's copy; a failure (full disk) is reported, the update stays in use and is saved with the next one. */
  private async saveAdapter(): Promise<void> {
    if (!this.adapterState) return;
    try {
      await this.store.putAdapter(this.adapterState);
      if (this.adapterNote?.startsWith('the adapter could not be saved')) this.adapterNote = null;
    } catch (err) {
      this.adapterNote = `the adapter could not be saved (${err instanceof Error ? err.name + ': ' + err.message : String(err)}); it is kept in memory and saved with the next update`;
    }
  }

  /** Drops pending updates and sets `state` everywhere (page copy, engine). */
  private async replaceAdapter(state: AdapterState): Promise<void> {
    this.adapterEpoch++;
    await this.learnQueue;
    this.adapterState = state;
    await this.engine.adapterSet(state, this.adapterOpts!);
  }

  /**
   * The visitor's adapter: size, updates, last update, and how far it moves the gate for the
   * current history (shipped vs personal gate). Waits for pending updates.
   */
  async adapter(): Promise<AdapterInfo> {
    this.alive();
    await this.learnQueue;
    const m = this.manifest;
    const state = this.adapterState;
    if (!this.adapterOpts || !state) {
      return { enabled: false, modelVersion: m.modelVersion, bytes: 0, updates: 0, updatedAt: 0, gateShift: 0, shippedGate: [], personalGate: [], lastError: this.adapterNote };
    }
    const { seq } = this.modelInput(await this.events());
    let shippedGate: number[] = [];
    let personalGate: number[] = [];
    let shift = 0;
    if (seq.length > 0) {
      const ug = await this.shippedUserGate(seq);
      shippedGate = Array.from(ug.gate);
      personalGate = Array.from(applyAdapter(state, ug.user, ug.gate).gate);
      shift = gateShift(state, ug.gate);
    }
    const d = describeAdapter(state);
    return {
      enabled: true,
      modelVersion: state.modelVersion,
      bytes: d.bytes,
      updates: d.updates,
      updatedAt: d.updatedAt,
      gateShift: shift,
      shippedGate,
      personalGate,
      lastError: this.adapterNote,
    };
  }

  /** Back to the shipped model: a fresh adapter, the stored one deleted (all tabs are notified). */
  async resetAdapter(): Promise<void> {
    this.alive();
    if (!this.adapterOpts) return;
    const m = this.manifest;
    await this.replaceAdapter(createAdapter(m.modelVersion, m.dim, m.experts, this.adapterOpts));
    await this.store.deleteAdapters();
    this.adapterNote = null;
    this.emit({ kind: 'adapter', remote: false });
  }

  /** Another tab changed the adapter (learned, reset, erased): take the stored one. */
  private async reloadAdapter(): Promise<void> {
    if (!this.adapterOpts || this.closed) return;
    const { state, note } = await loadAdapter(this.store, this.manifest, this.adapterOpts);
    await this.replaceAdapter(state);
    if (note) this.adapterNote = note;
  }

  private trimCache(): void {
    // retention is enforced by the store; the cache mirrors it
    if (this.cache && this.cache.length > this.maxEvents) this.cache.splice(0, this.cache.length - this.maxEvents);
  }

  /**
   * The stored history, through a cache kept in step with our own writes. Another tab's writes
   * invalidate it through BroadcastChannel; where there is no channel, the newest stored event id
   * is compared on every read instead (one small IndexedDB read, a few ms).
   */
  private async events(): Promise<StoredEvent[]> {
    if (this.cache && !this.channel) {
      const [last] = await this.store.recent(1);
      const mine = this.cache[this.cache.length - 1];
      if (last?.id !== mine?.id) this.cache = null;
    }
    if (!this.cache) this.cache = await this.store.all();
    return this.cache;
  }

  /** The stored history, oldest first. */
  async history(): Promise<StoredEvent[]> {
    this.alive();
    this.cache = null; // always fresh from the store (another tab may have pruned)
    return (await this.events()).map((e) => ({ ...e }));
  }

  /** Everything kept on the device about the visitor, as JSON-able data. */
  async exportData(): Promise<ExportedData> {
    this.alive();
    await this.learnQueue;
    const events = await this.history();
    const added: CatalogItem[] = [];
    for (let i = this.manifest.itemCount + 1; i <= this.catalog.size; i++) added.push(this.catalog.item(i));
    return {
      format: 'localrec-export',
      version: 1,
      exportedAt: Date.now(),
      model: { name: this.manifest.name, modelVersion: this.manifest.modelVersion },
      storage: this.storage,
      paused: this.pausedState,
      events,
      addedItems: added,
      adapter: this.adapterState ? exportAdapter(this.adapterState) : null,
      storedOutput: this.lastRun
        ? {
            modelVersion: this.lastRun.modelVersion,
            history: this.lastRun.seq.split(',').map((i) => this.catalog.idAt(Number(i))),
            user: [...this.lastRun.user],
            gate: [...this.lastRun.gate],
          }
        : null,
    };
  }

  /** Erase the visitor's history and adapter (all tabs are notified). */
  async erase(): Promise<void> {
    this.alive();
    this.adapterEpoch++;
    await this.learnQueue;
    await this.store.clear();
    this.cache = [];
    this.runs.clear();
    this.lastRun = null;
    await this.store.setMeta(LAST_RUN, null);
    await this.store.deleteAdapters();
    if (this.adapterOpts) {
      const m = this.manifest;
      await this.replaceAdapter(createAdapter(m.modelVersion, m.dim, m.experts, this.adapterOpts));
      this.adapterNote = null;
    }
    this.emit({ kind: 'erase', remote: false });
  }

  /** Pause or resume tracking; persisted with the history. */
  async setPaused(paused: boolean): Promise<void> {
    this.alive();
    if (typeof paused !== 'boolean') throw new InvalidArgumentError('setPaused expects a boolean');
    this.pausedState = paused;
    await this.store.setMeta('paused', paused);
    this.emit({ kind: 'paused', remote: false });
  }

  /** Listen to history changes (this tab and, through BroadcastChannel, others). Returns unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.alive();
    if (typeof listener !== 'function') throw new InvalidArgumentError('subscribe expects a function');
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private postToOthers(kind: HistoryChange['kind']): void {
    try {
      this.channel?.postMessage({ kind });
    } catch {
      // channel closed
    }
  }

  private emit(change: HistoryChange): void {
    if (!change.remote) {
      try {
        this.channel?.postMessage({ kind: change.kind });
      } catch {
        // channel closed
      }
    }
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (err) {
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  private async onRemote(kind: unknown): Promise<void> {
    if (this.closed || (kind !== 'track' && kind !== 'erase' && kind !== 'paused' && kind !== 'adapter')) return;
    this.cache = null;
    if (kind === 'paused') {
      const p = await this.store.getMeta<boolean>('paused').catch(() => undefined);
      if (typeof p === 'boolean') this.pausedState = p;
    }
    if (kind === 'erase' || kind === 'adapter') {
      if (kind === 'erase') {
        this.runs.clear();
        this.lastRun = null;
      }
      await this.reloadAdapter().catch((err: unknown) => {
        this.adapterNote = `could not reload the adapter: ${err instanceof Error ? err.message : String(err)}`;
      });
    }
    this.emit({ kind, remote: true });
  }

  // ---------------------------------------------------------------- catalog

  /** Catalog fields of one item (catalog or added). */
  item(id: string): CatalogItem {
    this.alive();
    return this.catalog.item(this.indexOfId(id, 'id'));
  }

  /** The whole catalog (model items, then items added in the page), in model-index order. */
  items(): CatalogItem[] {
    this.alive();
    const out: CatalogItem[] = [];
    for (const [, it] of this.catalog.items()) out.push(it);
    return out;
  }

  /** Whether an id is known (catalog or added). */
  has(id: string): boolean {
    this.alive();
    return typeof id === 'string' && this.catalog.has(id);
  }

  /**
   * Add items the model never saw (new products). Their tokens come from the model's item encoder
   * (encoder.onnx, run in the worker); from then on they can be recommended and found by `similar`.
   * Persisted, so they survive a reload. Re-adding an id that was added before updates its fields
   * and token; ids of the model's own catalog are refused (InvalidArgumentError). Resolves to the
   * added items. Throws ModelFormatError when the model has no encoder.
   */
  addItems(items: NewItem[]): Promise<CatalogItem[]> {
    const run = async (): Promise<CatalogItem[]> => {
      this.alive();
      if (!Array.isArray(items)) throw new InvalidArgumentError('addItems expects an array of items');
      if (!this.hasEncoder || !this.manifest.content) throw new ModelFormatError('this model has no item encoder: addItems is not available');
      const seen = new Set<string>();
      for (const [j, it] of items.entries()) {
        if (typeof it !== 'object' || it === null) throw new InvalidArgumentError(`items[${j}] must be an object`);
        if (typeof it.id !== 'string' || it.id.length === 0) throw new InvalidArgumentError(`items[${j}].id must be a non-empty string`);
        const idx = this.catalog.indexOf(it.id);
        if (idx !== undefined && idx <= this.manifest.itemCount) {
          throw new InvalidArgumentError(`items[${j}].id ${JSON.stringify(it.id)} is in the model's catalog already`);
        }
        if (seen.has(it.id)) throw new InvalidArgumentError(`items[${j}].id ${JSON.stringify(it.id)} appears twice`);
        seen.add(it.id);
      }
      if (items.length === 0) return [];
      // field checks (types) happen in Catalog.addItems; run them before the encoder on a copy
      const normalized = items.map((it) => ({
        id: it.id,
        title: it.title ?? '',
        genres: it.genres ?? [],
        year: it.year ?? null,
      }));
      validateNewItems(normalized);
      const tokens = await this.encodeItems(normalized);
      this.insertItems(normalized, tokens);
      const now = Date.now();
      await this.store.putItems(
        normalized.map((it, j) => ({
          ...it,
          genres: [...it.genres],
          token: Array.from(tokens[j]!),
          modelVersion: this.manifest.modelVersion,
          added: now + j / 1000,
        })),
      );
      return normalized.map((it) => this.catalog.item(this.catalog.indexOf(it.id)!));
    };
    const p = this.addQueue.then(run, run);
    this.addQueue = p.catch(() => {});
    return p;
  }

  private async encodeItems(items: CatalogItem[]): Promise<Float32Array[]> {
    const c = this.manifest.content!;
    const feats = new BigInt64Array(items.length * c.maxFeatures);
    items.forEach((it, j) => {
      const f = itemFeatures(it, c);
      for (let x = 0; x < c.maxFeatures; x++) feats[j * c.maxFeatures + x] = BigInt(f[x]!);
    });
    const flat = await this.engine.encode(feats, items.length);
    const d = this.manifest.dim;
    return items.map((_, j) => flat.slice(j * d, (j + 1) * d));
  }

  /** Adds to catalog and table in lockstep (catalog index i ↔ table row i). */
  private insertItems(items: CatalogItem[], tokens: Float32Array[]): void {
    const idx = this.catalog.addItems(items);
    idx.forEach((i, j) => {
      if (i < this.table.rows) this.table.replace(i, tokens[j]!);
      else if (i === this.table.rows) this.table.append([tokens[j]!]);
      else throw new ModelFormatError(`catalog and item table out of step at index ${i}`);
    });
  }

  /** @internal restore items added in earlier visits */
  async restoreItems(): Promise<void> {
    const stored = await this.store.listItems().catch(() => [] as StoredItem[]);
    const ready: CatalogItem[] = [];
    const tokens: Float32Array[] = [];
    const stale: CatalogItem[] = [];
    for (const s of stored) {
      if (this.catalog.has(s.id) && this.catalog.indexOf(s.id)! <= this.manifest.itemCount) continue;
      const it = { id: s.id, title: s.title, genres: s.genres, year: s.year };
      if (s.modelVersion === this.manifest.modelVersion && s.token.length === this.manifest.dim) {
        ready.push(it);
        tokens.push(Float32Array.from(s.token));
      } else stale.push(it);
    }
    if (ready.length) this.insertItems(ready, tokens);
    if (stale.length && this.hasEncoder) {
      // the model changed since: recompute their tokens with the new encoder
      await this.addItems(stale).catch(() => {});
    }
  }

  // ---------------------------------------------------------------- ranking

  /**
   * The model's input for a history: distinct consecutive model-known items, most recent
   * `maxHistory`. Also returns every seen index and the last event of each item (for reasons).
   */
  private modelInput(events: StoredEvent[]): ModelInput {
    // the same history (same cached array, same newest event) over the same catalogue gives the same
    // input: kept from the previous call (callers only read it)
    const m = this.inputMemo;
    const lastId = events[events.length - 1]?.id;
    if (m && m.events === events && m.length === events.length && m.lastId === lastId && m.size === this.catalog.size) return m.input;
    const input = this.computeModelInput(events);
    this.inputMemo = { events, length: events.length, lastId, size: this.catalog.size, input };
    return input;
  }

  private computeModelInput(events: StoredEvent[]): ModelInput {
    const seen = new Set<number>();
    const lastType = new Map<number, EventType>();
    const seq: number[] = [];
    for (const e of events) {
      const i = this.catalog.indexOf(e.itemId);
      if (i === undefined) continue; // an added item no longer known (erased store of items)
      seen.add(i);
      lastType.set(i, e.type);
      if (i > this.manifest.itemCount) continue; // no ID embedding in the graph
      if (seq[seq.length - 1] !== i) seq.push(i);
    }
    return { seq: seq.slice(-this.manifest.maxHistory), seen, lastType };
  }

  /**
   * Recommendations for the visitor. Empty history → most popular (`source: 'popularity'`).
   * Excludes seen items unless `includeSeen`; `exclude` removes ids; `candidates` restricts to ids.
   */
  async recommend(options?: RecommendOptions): Promise<Recommendation> {
    this.alive();
    const o = this.checkOptions(options, RECOMMEND_KEYS, 'recommend');
    const k = this.checkK(o.k);
    const exclude = new Set(this.idList(o.exclude, 'exclude'));
    const candidates = o.candidates === undefined ? undefined : this.idList(o.candidates, 'candidates');
    if (o.includeSeen !== undefined && typeof o.includeSeen !== 'boolean') throw new InvalidArgumentError('includeSeen must be a boolean');
    const includeSeen = o.includeSeen === true;
    await this.learnQueue; // answers reflect every interaction tracked before

    const { seq, seen, lastType } = this.modelInput(await this.events());
    if (!includeSeen) for (const i of seen) exclude.add(i);
    const size = this.catalog.size;

    if (seq.length === 0) {
      const scores = new Float64Array(size + 1);
      for (let i = 1; i <= size; i++) scores[i] = this.catalog.popularity(i);
      const top = topK(scores, k, { from: 1, exclude, ...(candidates ? { allowed: candidates } : {}) });
      return {
        items: top.map(({ index, score }) => ({ ...this.catalog.item(index), score, reason: 'Popular' })),
        backend: this.engine.backend,
        gate: [],
        source: 'popularity',
        historyLength: 0,
        adapterApplied: false,
        personalGate: [],
      };
    }

    const key = seq.join(',');
    // while the session starts, the stored output of exactly this history answers (resume)
    const stored = !this.engine.started && this.lastRun?.seq === key ? this.lastRun : null;
    let out: PersonalRunResult;
    if (stored) out = this.fromStored(stored);
    else {
      const { data, dims } = historyTensorData([seq], this.manifest.maxHistory);
      // with or without the adapter: without one (no state set) the engine answers with u's scores,
      // from the graph or, where the model can skip them, from its own int8 table (the same dot products)
      const running: Promise<PersonalRunResult> = this.engine.runPersonal(data, dims[1]);
      if (this.adapterOpts) void this.rememberRun(key, running).catch(() => {});
      out = await running;
      this.alive();
      this.keepRun(key, out);
    }
    const d = this.manifest.dim;
    const K = this.manifest.experts;
    const user = out.personal ? out.personal.user : out.user.subarray(0, d);
    const scores = this.mergeScores(out.scores.subarray(0, this.manifest.itemCount + 1), user);
    const top = topK(scores, k, { from: 1, exclude, ...(candidates ? { allowed: candidates } : {}) });
    const historyItems = [...new Set(seq.concat([...seen].filter((i) => i > this.manifest.itemCount)))];
    return {
      items: this.withReasons(top, historyItems, lastType),
      backend: out.backend,
      gate: Array.from(out.gate.subarray(0, K)),
      source: stored ? 'stored' : 'model',
      historyLength: seq.length,
      adapterApplied: out.personal !== null,
      personalGate: Array.from((out.personal ? out.personal.gate : out.gate).subarray(0, K)),
    };
  }

  /**
   * A run result from the stored model output: the page's adapter applied like the engine would
   * (AdapterRuntime.personalize), no graph scores (the page's table scores every row).
   */
  private fromStored(run: StoredRun): PersonalRunResult {
    const user = Float32Array.from(run.user);
    const gate = Float32Array.from(run.gate);
    const personal = this.adapterOpts ? personalOf(this.adapterState, user, gate) : null;
    return { scores: new Float32Array(0), user, gate, backend: run.backend, personal };
  }

  /** Stores the model's output for this history (once per history; a failed write only loses the shortcut). */
  private keepRun(key: string, out: RunResult): void {
    if (!this.resume || this.lastRun?.seq === key || this.closed) return;
    const run: StoredRun = {
      modelVersion: this.manifest.modelVersion,
      seq: key,
      user: Array.from(out.user.subarray(0, this.manifest.dim)),
      gate: Array.from(out.gate.subarray(0, this.manifest.experts)),
      backend: out.backend,
    };
    this.lastRun = run;
    this.keeping = this.store.setMeta(LAST_RUN, run).catch(() => {
      if (this.lastRun === run) this.lastRun = null;
    });
  }

  /**
   * @internal Reads the stored model output (createWith). true when it belongs to this model
   * version and exactly the current history: recommend() can answer before the session is up.
   */
  async loadLastRun(): Promise<boolean> {
    const raw = await this.store.getMeta<unknown>(LAST_RUN).catch(() => undefined);
    const run = this.resume ? this.validRun(raw) : null;
    this.lastRun = run;
    // another model version's (or an unreadable) record, or any with resume off, is of no use: nothing kept that is not used
    if (!run && raw !== undefined && raw !== null) await this.store.setMeta(LAST_RUN, null).catch(() => {});
    if (!run) return false;
    const { seq } = this.modelInput(await this.events());
    if (seq.length === 0 || run.seq !== seq.join(',')) return false;
    // the adapter's next example is this history: no inference needed for it either
    this.runs.set(run.seq, Promise.resolve({ user: Float32Array.from(run.user), gate: Float32Array.from(run.gate) }));
    return true;
  }

  /** A stored run of this model version with the right shapes and finite numbers, else null (a cache: never an error). */
  private validRun(raw: unknown): StoredRun | null {
    if (typeof raw !== 'object' || raw === null) return null;
    const r = raw as Partial<StoredRun>;
    const nums = (a: unknown, n: number): a is number[] =>
      Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (r.modelVersion !== this.manifest.modelVersion || typeof r.seq !== 'string' || !/^\d+(,\d+)*$/.test(r.seq)) return null;
    if (!r.seq.split(',').every((i) => Number(i) >= 1 && Number(i) <= this.manifest.itemCount)) return null;
    if (!nums(r.user, this.manifest.dim) || !nums(r.gate, this.manifest.experts)) return null;
    if (r.backend !== 'wasm' && r.backend !== 'webgpu' && r.backend !== 'node') return null;
    return { modelVersion: r.modelVersion, seq: r.seq, user: r.user, gate: r.gate, backend: r.backend };
  }

  /** Graph scores for model items, dot(user, token) for items added in the page. */
  private mergeScores(graph: Float32Array, user: Float32Array): Float32Array {
    const size = this.catalog.size;
    if (graph.length === 0) {
      // the model has no scores output (pq table): the table scores every row, added items
      // included, into a buffer reused across calls (used synchronously by the caller)
      if (this.scoreBuf?.length !== this.table.rows) this.scoreBuf = new Float32Array(this.table.rows);
      const scores = this.table.scoreAll(user, this.scoreBuf);
      scores[0] = NaN;
      return scores;
    }
    if (graph.length === size + 1) {
      // no items added in the page: the answer's own buffer is ranked as it is (no copy)
      graph[0] = NaN;
      return graph;
    }
    const scores = new Float32Array(size + 1);
    scores.set(graph.subarray(0, Math.min(graph.length, size + 1)));
    scores[0] = NaN;
    const base = this.manifest.itemCount;
    if (size > base) {
      const d = this.manifest.dim;
      for (let i = base + 1; i <= size; i++) {
        const t = this.table.token(i);
        let acc = 0;
        for (let x = 0; x < d; x++) acc += t[x]! * user[x]!;
        scores[i] = acc;
      }
    }
    return scores;
  }

  /**
   * R2ec-style reasons: for each recommended item, the history item whose token is most similar
   * (cosine) to it. The history's tokens and norms are decoded once per answer, not per item.
   */
  private withReasons(top: { index: number; score: number }[], history: number[], lastType: ReadonlyMap<number, EventType>): RecommendedItem[] {
    const because = history.length ? this.table.nearest(top.map((t) => t.index), history) : [];
    return top.map(({ index, score }, r) => {
      const item = this.catalog.item(index);
      const best = because[r]! >= 0 ? because[r]! : (history[history.length - 1] ?? -1);
      const out: RecommendedItem = { ...item, score };
      if (best > 0) {
        const verb = VERBS[lastType.get(best) ?? 'view'];
        out.reason = `Because you ${verb} ${this.catalog.item(best).title || this.catalog.idAt(best)}`;
      }
      return out;
    });
  }

  /** Items whose tokens are most similar (cosine) to the item `id`'s token. */
  async similar(id: string, options?: SimilarOptions): Promise<RecommendedItem[]> {
    this.alive();
    const i = this.indexOfId(id, 'id');
    const o = this.checkOptions(options, SIMILAR_KEYS, 'similar');
    const k = this.checkK(o.k);
    const exclude = new Set(this.idList(o.exclude, 'exclude'));
    const title = this.catalog.item(i).title || id;
    return this.table
      .similar(i, k, exclude)
      .map(({ index, score }) => ({ ...this.catalog.item(index), score, reason: `Similar to ${title}` }));
  }

  /**
   * Test and benchmark hooks. Not part of the page API: no stability promise.
   */
  readonly testing = {
    /**
     * Where createRecommender's time went, ms: load = manifest and model files (fetched or from
     * Cache Storage, sha256-verified), parse = catalogue and item table; then, side by side:
     * engine = inference engine start (Worker boot, onnxruntime-web import, wasm runtime,
     * sessions; `engine` has the engine's own split) and storeWait = the history store opened,
     * adapter = the stored adapter read, restore = items added in the page restored and the stored
     * model output read; readyMs = from the start until the session was up (adapter handed over);
     * totalMs = until createRecommender resolved (before readyMs when `resumed`).
     */
    startup: (): StartupTimings | null => (this.startup ? { ...this.startup } : null),
    /**
     * Settles once the model output kept by the last recommend() is written (or failed to be): a
     * page that closes right after answering may otherwise leave before the write commits.
     */
    storedOutputWritten: (): Promise<void> => this.keeping,
    /** Make the next WebGPU run fail ('throw') or destroy the device; the engine must answer on WASM. */
    simulateGpuFailure: (mode: 'throw' | 'destroy-device' = 'throw'): Promise<string> => this.engine.simulateGpuFailure(mode),
    /**
     * Raw model ranking for arbitrary histories (model indices, oldest first), in one batch:
     * the top-k model indices of each row (pad excluded, nothing else excluded).
     */
    rankHistories: async (histories: number[][], k: number): Promise<{ top: number[][]; backend: Backend }> => {
      this.alive();
      const { data, dims } = historyTensorData(histories, this.manifest.maxHistory);
      const out = await this.engine.run(data, dims[0], dims[1]);
      const n = this.manifest.itemCount + 1;
      const d = this.manifest.dim;
      const rowScores = (b: number): Float32Array =>
        out.scores.length ? out.scores.subarray(b * n, (b + 1) * n) : this.table.scoreAll(out.user.subarray(b * d, (b + 1) * d)).subarray(0, n);
      const top = histories.map((_, b) => topK(rowScores(b), k, { from: 1 }).map((s) => s.index));
      return { top, backend: out.backend };
    },
    /**
     * Wall time (ms, performance.now() where the adapter maths runs: the worker) of each on-device
     * update (the steps after one interaction), oldest first, the last 256. Waits for pending
     * updates; `clear` empties the list after reading it.
     */
    adapterTimings: async (opts?: { clear?: boolean }): Promise<number[]> => {
      this.alive();
      await this.learnQueue;
      return (await this.engine.adapterDebug(opts?.clear === true)).timings;
    },
    /** The inputs (u, g, target, accepted) of the updates since the adapter was last set (at most 64), oldest first. */
    adapterTrace: async (): Promise<{ user: number[]; gate: number[]; target: number; accepted: boolean }[]> => {
      this.alive();
      await this.learnQueue;
      return (await this.engine.adapterDebug(false)).trace;
    },
  };

  /** Release the worker, the database connection and the channel. Later calls throw ClosedError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    try {
      this.channel?.close();
    } catch {
      // already closed
    }
    this.store.close();
    void this.engine.close();
  }
}

/** The model's view of the stored history: model indices, items seen, each item's last event type. */
interface ModelInput {
  readonly seq: readonly number[];
  readonly seen: ReadonlySet<number>;
  readonly lastType: ReadonlyMap<number, EventType>;
}

function validateNewItems(items: CatalogItem[]): void {
  items.forEach((it, i) => {
    if (typeof it.title !== 'string') throw new InvalidArgumentError(`items[${i}].title must be a string`);
    if (!(Array.isArray(it.genres) && it.genres.every((g) => typeof g === 'string'))) {
      throw new InvalidArgumentError(`items[${i}].genres must be an array of strings`);
    }
    if (it.year !== null && !(typeof it.year === 'number' && Number.isInteger(it.year))) {
      throw new InvalidArgumentError(`items[${i}].year must be an integer or null`);
    }
  });
}

/** Checks the public options (typed errors instead of surprises later). */
export function checkCreateOptions(opts: unknown): CreateOptions {
  if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('createRecommender expects an options object');
  const o = opts as CreateOptions;
  if (typeof o.model !== 'string' || o.model.length === 0) throw new InvalidArgumentError('options.model must be the model folder URL');
  if (o.backend !== undefined && !['auto', 'webgpu', 'wasm'].includes(o.backend)) {
    throw new InvalidArgumentError(`options.backend must be 'auto', 'webgpu' or 'wasm'`);
  }
  if (o.maxEvents !== undefined && !(Number.isInteger(o.maxEvents) && o.maxEvents >= 1)) {
    throw new InvalidArgumentError('options.maxEvents must be a positive integer');
  }
  if (o.wasmPaths !== undefined && typeof o.wasmPaths !== 'string') throw new InvalidArgumentError('options.wasmPaths must be a string');
  if (o.dbName !== undefined && (typeof o.dbName !== 'string' || !o.dbName)) throw new InvalidArgumentError('options.dbName must be a non-empty string');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidArgumentError('options.onProgress must be a function');
  if (o.adapter !== undefined && typeof o.adapter !== 'boolean' && (typeof o.adapter !== 'object' || o.adapter === null || Array.isArray(o.adapter))) {
    throw new InvalidArgumentError('options.adapter must be a boolean or an object of adapter settings');
  }
  return o;
}

const ADAPTER_KEYS = new Set(['rank', 'lr', 'steps', 'window', 'clip', 'l2', 'maxNorm', 'maxBias', 'fullSoftmaxMax', 'negatives']);

/** `options.adapter` → the settings (null = off); bad settings → InvalidArgumentError. */
function adapterSetting(a: CreateOptions['adapter'], m: ModelManifest): AdapterOptions | null {
  if (a === false) return null;
  const o: AdapterOptions = a === undefined || a === true ? {} : { ...a };
  for (const k of Object.keys(o)) if (!ADAPTER_KEYS.has(k)) throw new InvalidArgumentError(`options.adapter: unknown setting ${JSON.stringify(k)}`);
  createAdapter(m.modelVersion, m.dim, m.experts, o); // validates every setting
  return o;
}

/**
 * The stored adapter of the manifest's model version, validated; anything else (none, another
 * version's, another shape, corrupt) → a fresh adapter. Adapters of other model versions are deleted.
 */
async function loadAdapter(
  store: HistoryStore,
  m: ModelManifest,
  options: AdapterOptions,
): Promise<{ state: AdapterState; note: string | null }> {
  const fresh = createAdapter(m.modelVersion, m.dim, m.experts, options);
  let raw: unknown;
  try {
    raw = await store.getAdapter(m.modelVersion);
    await store.deleteAdapters(m.modelVersion);
  } catch (err) {
    return { state: fresh, note: `the stored adapter could not be read (${err instanceof Error ? err.message : String(err)}): started fresh` };
  }
  if (raw === undefined || raw === null) return { state: fresh, note: null };
  try {
    const s = validateAdapter(raw);
    const ex = s.examples;
    for (let i = 0; i < ex.count; i++) {
      const t = ex.target[i]!;
      if (!(t >= 1 && t <= m.itemCount)) throw new ModelFormatError(`stored adapter: example target ${t} out of range`);
    }
    if (s.modelVersion !== m.modelVersion || s.dim !== m.dim || s.experts !== m.experts || s.rank !== fresh.rank || ex.target.length !== fresh.examples.target.length) {
      return { state: fresh, note: 'the stored adapter has another shape (model or settings changed): started fresh' };
    }
    return { state: s, note: null };
  } catch (err) {
    await store.deleteAdapters().catch(() => {});
    return { state: fresh, note: `the stored adapter was unreadable and was replaced by a fresh one (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** The adapter as JSON-safe data (exportData). */
function exportAdapter(s: AdapterState): ExportedAdapter {
  const { params, examples, ...rest } = s;
  return {
    ...rest,
    params: Array.from(params),
    examples: { user: Array.from(examples.user), gate: Array.from(examples.gate), target: Array.from(examples.target), count: examples.count },
  };
}

/** Wires a Recommender from options and dependencies (the browser defaults live in src/index.ts). */
export async function createWith(options: CreateOptions, deps: RecommenderDeps): Promise<Recommender> {
  const opts = checkCreateOptions(options);
  const storePromise = Promise.resolve(deps.store);
  const engine: PersonalEngine = isPersonalEngine(deps.engine) ? deps.engine : new LocalEngine(deps.engine);
  const t0 = now();
  let channel: BroadcastChannel | null = null;
  try {
    const loaded =
      deps.loaded ??
      (await loadModel(opts.model, { ...deps.load, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) }));
    const tLoaded = now();
    const manifest = loaded.manifest;
    const catalog =
      loaded.catalog instanceof Uint8Array ? Catalog.fromBytes(loaded.catalog, manifest.itemCount) : Catalog.fromJSON(loaded.catalog, manifest.itemCount);
    const table = ItemTable.fromBytes(loaded.items, manifest.itemTable);
    if (table.baseRows !== manifest.itemCount + 1 || table.dim !== manifest.dim) {
      throw new ModelFormatError(`items.bin: table [${table.baseRows}, ${table.dim}] does not match itemCount ${manifest.itemCount}, dim ${manifest.dim}`);
    }
    const init: EngineInit = {
      manifest,
      model: loaded.model,
      // the page keeps its own items.bin (similar, reasons); the engine gets a copy (transferred)
      items: loaded.items.slice(),
      backend: opts.backend ?? 'auto',
      ...(loaded.encoder ? { encoder: loaded.encoder } : {}),
      ...(opts.wasmPaths ? { wasmPaths: opts.wasmPaths } : {}),
      ...deps.engineInit,
    };
    const adapterOptions = adapterSetting(opts.adapter, manifest);
    const tParsed = now();
    // the engine (Worker, wasm runtime, sessions) starts now and runs beside the store reads below
    let tEngine = NaN;
    let tReady = NaN;
    const started = engine.init(init).then((r) => {
      tEngine = now();
      return r;
    });
    started.catch(() => {}); // awaited below (or reported by the calls that need the engine)
    const store = await storePromise;
    const tStore = now();
    const paused = (await store.getMeta<boolean>('paused').catch(() => undefined)) === true;
    if (deps.channel !== undefined) channel = deps.channel;
    else if (typeof BroadcastChannel !== 'undefined') channel = new BroadcastChannel(`localrec:${opts.dbName ?? 'localrec'}`);
    let adapter: { options: AdapterOptions; state: AdapterState; note: string | null } | null = null;
    if (adapterOptions) adapter = { options: adapterOptions, ...(await loadAdapter(store, manifest, adapterOptions)) };
    const tAdapter = now();
    const handOver = adapter;
    const ready = started.then(async (r) => {
      if (handOver) await engine.adapterSet(handOver.state, handOver.options);
      tReady = now();
      return r;
    });
    const starting = new StartingEngine(engine, ready);
    const rec = new Recommender({
      manifest,
      catalog,
      table,
      engine: starting,
      adapter,
      store,
      hasEncoder: init.encoder !== undefined || init.encoderPath !== undefined,
      paused,
      channel,
      resume: opts.resume !== false,
      ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
    });
    await rec.restoreItems();
    const resumed = await rec.loadLastRun();
    const tRestored = now();
    const startup: StartupTimings = {
      totalMs: NaN,
      loadMs: tLoaded - t0,
      parseMs: tParsed - tLoaded,
      engineMs: NaN,
      storeWaitMs: tStore - tParsed,
      adapterMs: tAdapter - tStore,
      restoreMs: tRestored - tAdapter,
      resumed,
      readyMs: NaN,
    };
    const fill = (info: EngineInitResult): void => {
      startup.engineMs = tEngine - tParsed;
      startup.readyMs = tReady - t0;
      if (info.timings) startup.engine = info.timings;
    };
    rec.startup = startup;
    // a returning visitor whose stored output answers does not wait for the session
    if (resumed) void starting.ready.then(fill, () => {});
    else fill(await starting.ready);
    startup.totalMs = now() - t0;
    return rec;
  } catch (e) {
    // nothing half-open stays behind: the worker is terminated, the database connection closed
    void engine.close().catch(() => {});
    void storePromise.then((s) => s.close()).catch(() => {});
    if (channel && channel !== deps.channel) channel.close();
    throw e;
  }
}
