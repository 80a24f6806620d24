/**
 * Builds a recommender from options and dependencies: the model loaded and verified, the catalogue
 * and item table parsed, the engine started beside the store reads, the visitor's adapter and
 * stored model output restored. The browser's defaults (Worker, IndexedDB, runtime location) are
 * chosen by src/index.ts; tests inject their own here.
 */
import { Catalog } from '../core/catalog';
import { now } from '../core/clock';
import { ModelFormatError } from '../core/errors';
import { ItemTable } from '../core/item-table';
import type { AdapterOptions } from '../core/adapter';
import type { CreateOptions } from '../types';
import { AddedItems } from './added-items';
import { AdapterSession, loadAdapter, ShippedRuns } from './adapter-session';
import type { EngineInit, EngineInitResult, InferenceEngine } from './inference';
import { type LoadedModel, type LoadOptions, loadModel } from './loader';
import { type Engine, isEngine } from './operations';
import { LocalEngine } from './personal';
import { Ranker } from './ranking';
import { INTERNALS, Recommender, type StartupTimings } from './recommender';
import { StoredOutput } from './resume';
import { startingEngine } from './starting';
import { DEFAULT_MAX_EVENTS, type HistoryStore } from './store';
import { TabSync } from './tab-sync';
import { ConsentStore, type ConsentState, memory } from './consent';
import { pageDataLayer, personalizationConsent, watchConsentMode } from './consent-mode';
import { applyRetention, DEFAULT_RETENTION_DAYS } from './retention';
import { adapterSetting, checkCreateOptions } from './validate';
import { VisitorHistory } from './visitor-history';

/** What the engine needs besides the public options; tests inject fakes here. */
export interface RecommenderDeps {
  /** an engine with every operation, or a bare inference engine (the adapter is put in front) */
  engine: Engine | InferenceEngine;
  /**
   * The device's store, or how to open it: a function is called only once storing is allowed
   * (at once, or when consent is granted under `consent: 'required'`).
   */
  store: HistoryStore | Promise<HistoryStore> | (() => Promise<HistoryStore>);
  load?: LoadOptions;
  /** a model already loaded (tests) instead of fetching `options.model` */
  loaded?: LoadedModel;
  /** extra engine init fields (Node: modelPath/encoderPath) */
  engineInit?: Partial<EngineInit>;
  /** cross-tab notifications (default: BroadcastChannel when available) */
  channel?: BroadcastChannel | null;
}

export async function createWith(options: CreateOptions, deps: RecommenderDeps): Promise<Recommender> {
  const opts = checkCreateOptions(options);
  const openDevice =
    typeof deps.store === 'function'
      ? deps.store
      : (
          (s) => () =>
            Promise.resolve(s)
        )(deps.store);
  const layer = opts.consent === 'consent-mode' ? pageDataLayer() : undefined;
  const consentNow: ConsentState =
    opts.consent === 'required' ||
    (opts.consent === 'consent-mode' && personalizationConsent(layer ?? []) !== 'granted')
      ? 'pending'
      : 'granted';
  // under consent still pending nothing is opened on the device: the page works from memory
  const storePromise =
    consentNow === 'granted'
      ? openDevice()
      : Promise.resolve(memory('consent to store data on this device is pending', opts.maxEvents));
  const engine: Engine = isEngine(deps.engine) ? deps.engine : new LocalEngine(deps.engine);
  const t0 = now();
  let channel: BroadcastChannel | null = null;
  try {
    const loaded =
      deps.loaded ??
      (await loadModel(opts.model, {
        ...deps.load,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
      }));
    const tLoaded = now();
    const manifest = loaded.manifest;
    const catalog =
      loaded.catalog instanceof Uint8Array
        ? Catalog.fromBytes(loaded.catalog, manifest.itemCount)
        : Catalog.fromJSON(loaded.catalog, manifest.itemCount);
    const table = ItemTable.fromBytes(loaded.items, manifest.itemTable);
    if (table.baseRows !== manifest.itemCount + 1 || table.dim !== manifest.dim) {
      throw new ModelFormatError(
        `items.bin: table [${table.baseRows}, ${table.dim}] does not match itemCount ${manifest.itemCount}, dim ${manifest.dim}`,
      );
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
    let tEngine = Number.NaN;
    let tReady = Number.NaN;
    const started = engine.init(init).then((r) => {
      tEngine = now();
      return r;
    });
    // awaited below, or reported by the calls that need the engine
    started.catch(reportedLater);
    const store = new ConsentStore(await storePromise, consentNow, openDevice, opts.maxEvents);
    const tStore = now();
    let paused = false;
    try {
      paused = (await store.getMeta<boolean>('paused')) === true;
    } catch {
      // an unreadable flag reads as "not paused": the visitor sees and can change it in the panel
    }
    if (deps.channel !== undefined) channel = deps.channel;
    else if (typeof BroadcastChannel !== 'undefined')
      channel = new BroadcastChannel(`localrec:${opts.dbName ?? 'localrec'}`);
    const restoredAdapter = adapterOptions ? await loadAdapter(store, manifest, adapterOptions) : null;
    const tAdapter = now();
    const ready = started.then(async (r) => {
      if (restoredAdapter) await engine.adapterSet(restoredAdapter.state, adapterOptions as AdapterOptions);
      tReady = now();
      return r;
    });
    const starting = startingEngine(engine, ready);

    // the recommender's own state, read by parts made before it
    let rec: Recommender | null = null;
    const sync = new TabSync(channel, (kind) => rec?.onRemoteChange(kind) ?? Promise.resolve());
    const runs = new ShippedRuns(manifest, starting);
    const adapter =
      adapterOptions && restoredAdapter
        ? new AdapterSession(
            manifest,
            adapterOptions,
            starting,
            store,
            runs,
            restoredAdapter,
            () => sync.announce('adapter'),
            () => (rec ? (INTERNALS.get(rec)?.learning() ?? false) : false),
          )
        : null;
    const history = new VisitorHistory(store, opts.maxEvents ?? DEFAULT_MAX_EVENTS, () => sync.connected);
    const ranker = new Ranker(manifest, catalog, table);
    const stored = new StoredOutput(manifest, store, opts.resume !== false);
    const retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
    const added = new AddedItems(
      manifest,
      catalog,
      table,
      starting,
      store,
      init.encoder !== undefined || init.encoderPath !== undefined,
    );
    rec = new Recommender({
      manifest,
      catalog,
      table,
      engine: starting,
      store,
      history,
      ranker,
      runs,
      adapter,
      stored,
      added,
      sync,
      paused,
      consent: store,
      retentionDays,
    });
    const made = rec;
    store.onDeleted(() => void made.onStoreDeleted());
    if (opts.consent === 'consent-mode') {
      const stop = watchConsentMode(pageDataLayer, consentNow === 'granted' ? 'granted' : undefined, (state) => {
        const change = state === 'granted' ? made.grantConsent() : made.revokeConsent();
        change.catch((err: unknown) => console.warn('localrec: following Consent Mode failed', err));
      });
      INTERNALS.get(made)?.onClose.push(stop);
    }
    await applyRetention(made);
    for (const problem of await added.restore()) console.warn('localrec: an added item was not restored', problem);
    const resumed = await resumeFromStored(stored, history, ranker, runs);
    const tRestored = now();
    const startup: StartupTimings = {
      totalMs: Number.NaN,
      loadMs: tLoaded - t0,
      parseMs: tParsed - tLoaded,
      engineMs: Number.NaN,
      storeWaitMs: tStore - tParsed,
      adapterMs: tAdapter - tStore,
      restoreMs: tRestored - tAdapter,
      resumed,
      readyMs: Number.NaN,
    };
    const fill = (info: EngineInitResult): void => {
      startup.engineMs = tEngine - tParsed;
      startup.readyMs = tReady - t0;
      if (info.timings) startup.engine = info.timings;
    };
    const internals = INTERNALS.get(rec);
    if (internals) internals.startup = startup;
    // a returning visitor whose stored output answers does not wait for the session
    if (resumed) void starting.ready.then(fill, reportedLater);
    else fill(await starting.ready);
    startup.totalMs = now() - t0;
    return rec;
  } catch (e) {
    // nothing half-open stays behind: the Worker is terminated, the database connection closed
    void engine
      .close()
      .catch((err: unknown) => console.debug('localrec: closing the engine after a failed start', err));
    // a store that failed to open has nothing to close
    void storePromise.then((s) => s.close(), settledAnyway);
    if (channel && channel !== deps.channel) channel.close();
    throw e;
  }
}

/**
 * Reads the stored model output. true when it belongs to this model version and exactly the
 * current history: recommend() can answer before the session is up.
 */
async function resumeFromStored(
  stored: StoredOutput,
  history: VisitorHistory,
  ranker: Ranker,
  runs: ShippedRuns,
): Promise<boolean> {
  const run = await stored.load();
  if (!run) return false;
  const { seq } = ranker.input(await history.events());
  if (seq.length === 0 || run.seq !== seq.join(',')) return false;
  // the adapter's next example is this history: no inference needed for it either
  runs.set(run.seq, { user: Float32Array.from(run.user), gate: Float32Array.from(run.gate) });
  return true;
}

function settledAnyway(): void {
  // nothing was opened
}

function reportedLater(): void {
  // the start-up error reaches the caller through `ready` (createRecommender, rec.ready(), each operation)
}
