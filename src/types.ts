/** Public types of the engine entry (`src/index.ts`, the package's `localrec`). */
import type { AdapterOptions, AdapterState } from './core/adapter';
import type { AdapterError } from './core/errors';

export type { AdapterOptions };

export type EventType = 'view' | 'click' | 'add_to_cart' | 'purchase' | 'rate';

/** What a page passes to `track`. `value` is required for 'rate' (a finite number), optional otherwise. */
export interface TrackEvent {
  type: EventType;
  itemId: string;
  value?: number;
  /** ms since epoch; defaults to Date.now() */
  time?: number;
}

/** An event as stored on the device. */
export interface StoredEvent {
  id: number;
  type: EventType;
  itemId: string;
  value: number | null;
  time: number;
}

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
export type Backend = 'webgpu' | 'wasm' | 'node';

export interface CreateOptions {
  /** Base URL of the model folder (with manifest.json), e.g. '/models/movielens/'. */
  model: string;
  backend?: BackendChoice;
  /**
   * Where onnxruntime-web's .wasm/.mjs files are served from (page origin). Default
   * `${import.meta.env.BASE_URL}ort/`, where vite.config.ts's ortRuntimePlugin serves them.
   */
  wasmPaths?: string;
  /** Run inference in a Web Worker (default true in browsers). */
  worker?: boolean;
  /** IndexedDB database name (default 'localrec'). */
  dbName?: string;
  /** Maximum events kept; oldest pruned (default 5000). */
  maxEvents?: number;
  /** Model download progress. */
  onProgress?: (p: LoadProgress) => void;
  /**
   * A model file that receives nothing for this long (ms) is abandoned and createRecommender
   * rejects with ModelLoadError (default 30000), so a stalled download never leaves a page waiting.
   */
  stallTimeoutMs?: number;
  /**
   * The visitor's personal adapter, learned on the device from their own interactions and stored
   * next to the history (default true; false: the shipped model only, nothing learned). An object
   * turns it on with these learning settings (rank, lr, steps, window, clip, l2, maxNorm, maxBias...).
   */
  adapter?: boolean | AdapterOptions;
  /**
   * Returning visitors (default true): the model's last output (user representation and gate,
   * 64 + 4 numbers, kept in IndexedDB beside the history and erased with it) answers while the
   * model session starts, if it was computed for exactly the current history and this model
   * version. createRecommender then resolves without waiting for the session (about half a
   * second of wasm start-up); `rec.ready()` waits for it. Anything the stored output cannot
   * answer waits for the session as usual. false: always wait for the session.
   */
  resume?: boolean;
  /**
   * Whether the visitor's data may be stored on the device (default 'granted': the shop's own
   * consent covers it, or storing is strictly necessary for a service the visitor asked for).
   * 'required': nothing is written to the device until `rec.grantConsent()`; the recommender works
   * from memory for the page's life. 'consent-mode': like 'required', granted and revoked by the
   * page's Google Consent Mode (`personalization_storage` in `dataLayer`). See docs/privacy.md.
   */
  consent?: 'granted' | 'required' | 'consent-mode';
  /** Events older than this many days are deleted from the device (default 90; Infinity keeps them). */
  retentionDays?: number;
}

export interface LoadProgress {
  file: string;
  loaded: number;
  total: number;
  /** all files together, 0..1 */
  fraction: number;
  fromCache: boolean;
}

export interface CatalogItem {
  id: string;
  title: string;
  genres: string[];
  year: number | null;
  /** Shop fields of catalogues made by `localrec train` (docs/model-format.md); present only when the item has a value. */
  image?: string;
  price?: number;
  currency?: string;
  url?: string;
  brand?: string;
  availability?: string;
}

/** The optional shop fields of a catalogue item. */
export type ItemDetails = Pick<CatalogItem, 'image' | 'price' | 'currency' | 'url' | 'brand' | 'availability'>;

export interface NewItem {
  id: string;
  title?: string;
  genres?: string[];
  year?: number | null;
}

/**
 * Why an item is recommended, as data (the widget turns it into text in the page's language):
 * 'history': the visitor's item whose token is closest to it, and the visitor's last event on
 * that item; 'similar': it is close to the item asked about (`similar`); 'popular': the history
 * is empty and it is among the most popular.
 */
export type Reason =
  | { kind: 'history'; itemId: string; eventType: EventType }
  | { kind: 'similar'; itemId: string }
  | { kind: 'popular' };

export interface RecommendedItem extends CatalogItem {
  score: number;
  reason?: Reason;
}

export interface RecommendOptions {
  /**
   * How many (default 10). A positive integer, else InvalidArgumentError (0, negative, NaN,
   * 2.5, Infinity); more than the eligible items returns all of them (1e9 is fine).
   */
  k?: number;
  /** ids never to return */
  exclude?: string[];
  /** restrict to these ids (e.g. in stock) */
  candidates?: string[];
  /** include items already in the history (default false) */
  includeSeen?: boolean;
  /**
   * Ids in `exclude` / `candidates` the catalogue does not know: 'error' (default) rejects with
   * UnknownItemError; 'skip' leaves them out and lists them in `Recommendation.skipped`.
   */
  unknownIds?: 'error' | 'skip';
  /**
   * 'personal' (default): the model for this visitor's history. 'popular': the most popular items
   * whatever the history (seen items still excluded): the control arm of an experiment.
   */
  strategy?: 'personal' | 'popular';
}

export interface Recommendation {
  items: RecommendedItem[];
  backend: Backend;
  /** iLoRA expert weights of this request (empty when answered from popularity) */
  gate: number[];
  /**
   * 'model': the model ran for this history. 'stored': the model's output for exactly this
   * history, kept from an earlier visit, answered while the model session is still starting
   * (see `CreateOptions.resume`; the same items as 'model' up to float rounding).
   * 'popularity': empty history, or `strategy: 'popular'`.
   */
  source: 'model' | 'stored' | 'popularity';
  /** how many history events were fed to the model */
  historyLength: number;
  /** whether the visitor's adapter changed this answer (false for popularity, a fresh or disabled adapter) */
  adapterApplied: boolean;
  /** the gate after the visitor's adapter (equal to `gate` when not applied; empty for popularity) */
  personalGate: number[];
  /** with `unknownIds: 'skip'`: the unknown ids that were left out */
  skipped?: string[];
}

/** The visitor's adapter, as `rec.adapter()` reports it. */
export interface AdapterInfo {
  /** false when created with `adapter: false` */
  enabled: boolean;
  /** the model version the adapter belongs to */
  modelVersion: string;
  /** bytes kept on the device (parameters and the replay window of recent examples) */
  bytes: number;
  /** accepted on-device updates so far (0 = fresh: the shipped model's answers exactly) */
  updates: number;
  /** time of the last accepted update (ms since epoch; 0 = never) */
  updatedAt: number;
  /** how far it moves the gate for the current history: total-variation distance 0..1 (0 without history) */
  gateShift: number;
  /** the shipped model's gate for the current history (empty without history) */
  shippedGate: number[];
  /** the personal gate for the current history (empty without history) */
  personalGate: number[];
  /** the last problem learning, saving or reading the adapter (e.g. a full disk), or null */
  lastError: AdapterError | null;
}

/** The adapter in `exportData()`: its AdapterState with plain number arrays. */
export type ExportedAdapter = Omit<AdapterState, 'params' | 'examples'> & {
  params: number[];
  examples: { user: number[]; gate: number[]; target: number[]; count: number };
};

export interface StorageInfo {
  kind: 'indexeddb' | 'memory';
  /** why memory was used, when it is */
  reason?: string;
}

export interface SimilarOptions {
  /** how many (default 10; see RecommendOptions.k) */
  k?: number;
  /** ids never to return */
  exclude?: string[];
  /** unknown ids in `exclude`: 'error' (default) or 'skip' (see RecommendOptions.unknownIds) */
  unknownIds?: 'error' | 'skip';
}

/** What `subscribe` listeners receive. */
export interface HistoryChange {
  /**
   * 'track': events were stored; 'erase': the history (and the adapter) was erased; 'paused':
   * tracking paused/resumed; 'adapter': the visitor's adapter was reset (this tab), or learned
   * or was reset in another tab (learning in this tab follows its 'track' and is not announced
   * again: reads wait for it); 'consent': consent was granted or revoked (the stored data moved
   * to the device, or was deleted)
   */
  kind: 'track' | 'erase' | 'paused' | 'adapter' | 'consent';
  /** true when the change came from another tab (BroadcastChannel) */
  remote: boolean;
  /** the stored events (local 'track' only) */
  events?: StoredEvent[];
}

/** Everything the device keeps about the visitor (`exportData`). */
export interface ExportedData {
  format: 'localrec-export';
  version: 1;
  exportedAt: number;
  model: { name: string; modelVersion: string };
  storage: StorageInfo;
  paused: boolean;
  events: StoredEvent[];
  /** items added in the page with addItems (shop data, not personal; listed for completeness) */
  addedItems: CatalogItem[];
  /** the visitor's adapter for the current model version (null when disabled) */
  adapter: ExportedAdapter | null;
  /**
   * The model's last output kept for the next visit (`resume`): the history it was computed for
   * (item ids, oldest first), the user representation and the gate. null when none is kept.
   */
  storedOutput: { modelVersion: string; history: string[]; user: number[]; gate: number[] } | null;
  /** whether these data are kept on the device ('granted') or only in this page's memory */
  consent: 'granted' | 'pending' | 'denied';
  /** events older than this many days are deleted automatically (Infinity: kept until erased) */
  retentionDays: number;
}
