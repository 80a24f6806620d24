/**
 * The visitor's adapter, page side: the source of truth kept in IndexedDB, the queue of on-device
 * updates, and the shipped model's user/gate outputs each update learns from. The working copy
 * and the maths live where the model runs (personal.ts, through the engine's operations).
 *
 * An event teaches when it is a model item that extends the model's sequence by one step after a
 * non-empty history: the example is the shipped model's u/g of the history before it, and the item
 * as target. track() resolves once the event is stored; the update follows (write-behind, one at a
 * time) and every read (recommend, adapter, exportData) waits for pending updates.
 */
import {
  type AdapterOptions,
  type AdapterState,
  applyAdapter,
  createAdapter,
  describeAdapter,
  gateShift,
  validateAdapter,
} from '../core/adapter';
import { AdapterError, ModelFormatError } from '../core/errors';
import { messageOf } from '../core/message';
import { historyTensorData } from '../core/history';
import type { ModelManifest } from '../core/manifest-types';
import type { AdapterInfo, ExportedAdapter } from '../types';
import type { Engine } from './operations';
import type { HistoryStore } from './store';

type UserGate = { user: Float32Array; gate: Float32Array };

/** How many scheduled updates may wait at once; older ones in a burst are skipped. */
const MAX_PENDING = 16;

/** How many recent histories keep their shipped u/g (an update usually learns from the last answer's). */
const KEPT_RUNS = 8;

/** The shipped model's u and g of the last few histories, finished or in flight, by sequence. */
export class ShippedRuns {
  private readonly runs = new Map<string, Promise<UserGate>>();

  constructor(
    private readonly manifest: ModelManifest,
    private readonly engine: Engine,
  ) {}

  /** u and g for a sequence: from a kept run of it, or one model run without catalogue scores. */
  of(seq: readonly number[]): Promise<UserGate> {
    const key = seq.join(',');
    const known = this.runs.get(key);
    if (known) return known;
    const { data, dims } = historyTensorData([seq], this.manifest.maxHistory);
    return this.keep(key, this.engine.run(data, 1, dims[1], false));
  }

  /** Keeps the u/g of a run (most recent last); a failed run is forgotten. */
  keep(key: string, run: Promise<UserGate>): Promise<UserGate> {
    const d = this.manifest.dim;
    const K = this.manifest.experts;
    const p = run.then((out) => ({ user: out.user.slice(0, d), gate: out.gate.slice(0, K) }));
    this.runs.delete(key);
    this.runs.set(key, p);
    // a failed run is forgotten (its callers receive the rejection), so the next asks again
    p.catch(() => {
      if (this.runs.get(key) === p) this.runs.delete(key);
    });
    while (this.runs.size > KEPT_RUNS) this.runs.delete(this.runs.keys().next().value as string);
    return p;
  }

  /** A u/g known without running the model (the stored model output of this history). */
  set(key: string, value: UserGate): void {
    this.runs.set(key, Promise.resolve(value));
  }

  clear(): void {
    this.runs.clear();
  }
}

export class AdapterSession {
  /** the page's copy (the engine holds the working copy, IndexedDB the saved one) */
  private state: AdapterState;
  private lastError: AdapterError | null;
  /** on-device updates run one after another, after their event is stored */
  private queue: Promise<void> = Promise.resolve();
  /** bumped by erase/reset/reload: updates scheduled before are dropped */
  private epoch = 0;
  /** updates scheduled so far; one whose ticket is MAX_PENDING behind the latest is skipped */
  private tickets = 0;

  constructor(
    private readonly manifest: ModelManifest,
    readonly options: AdapterOptions,
    private readonly engine: Engine,
    private readonly store: HistoryStore,
    private readonly runs: ShippedRuns,
    loaded: { state: AdapterState; error: AdapterError | null },
    /** tells the other tabs the stored adapter changed */
    private readonly announce: () => void,
    /** whether updates are still wanted (not closed, not paused) */
    private readonly active: () => boolean,
  ) {
    this.state = loaded.state;
    this.lastError = loaded.error;
  }

  /** Settles once every update scheduled so far is done. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Queues one update; failures are recorded on `info().lastError`, never thrown at track(). */
  schedule(seq: readonly number[], target: number): void {
    const epoch = this.epoch;
    const ticket = ++this.tickets;
    const run = async (): Promise<void> => {
      if (!this.active() || epoch !== this.epoch) return;
      // a burst of events: only the most recent few are learned, so a read never waits on a long
      // queue (the replay window of each update still holds the latest examples)
      if (this.tickets - ticket >= MAX_PENDING) return;
      const ug = await this.runs.of(seq);
      if (!this.active() || epoch !== this.epoch) return;
      const res = await this.engine.adapterLearn({ user: ug.user.slice(), gate: ug.gate.slice(), target }, Date.now());
      if (!res.state) {
        this.lastError = new AdapterError(
          'refused',
          'an update was refused (non-finite values); the adapter is unchanged',
        );
        return;
      }
      this.state = res.state;
      await this.save();
      // other tabs reload it; this tab's listeners already heard 'track', and reads wait for the queue
      this.announce();
    };
    this.queue = this.queue.then(run).catch((err: unknown) => {
      this.lastError = new AdapterError('learn', `learning failed: ${messageOf(err)}`, { cause: err });
    });
  }

  /** Persists the page's copy; a failure (full disk) is recorded, the update stays in use and is saved with the next one. */
  private async save(): Promise<void> {
    try {
      await this.store.putAdapter(this.state);
      if (this.lastError?.reason === 'save') this.lastError = null;
    } catch (err) {
      this.lastError = new AdapterError(
        'save',
        `the adapter could not be saved (${errorName(err)}: ${messageOf(err)}); it is kept in memory and saved with the next update`,
        { cause: err },
      );
    }
  }

  /** Drops pending updates and sets `state` everywhere (page copy, engine). */
  private async replace(state: AdapterState): Promise<void> {
    this.epoch++;
    await this.queue;
    this.state = state;
    await this.engine.adapterSet(state, this.options);
  }

  private fresh(): AdapterState {
    const m = this.manifest;
    return createAdapter(m.modelVersion, m.dim, m.experts, this.options);
  }

  /** What `rec.adapter()` reports for the model sequence `seq` of the current history. */
  async info(seq: readonly number[]): Promise<AdapterInfo> {
    await this.queue;
    const state = this.state;
    let shippedGate: number[] = [];
    let personalGate: number[] = [];
    let shift = 0;
    if (seq.length > 0) {
      const ug = await this.runs.of(seq);
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
      lastError: this.lastError,
    };
  }

  /** When the adapter last learned (ms since epoch; 0 = never). */
  get updatedAt(): number {
    return describeAdapter(this.state).updatedAt;
  }

  /** The page's copy (the resume path applies it like the engine would). */
  get current(): AdapterState {
    return this.state;
  }

  /** Back to the shipped model: a fresh adapter, the stored ones deleted. */
  async reset(): Promise<void> {
    await this.replace(this.fresh());
    await this.store.deleteAdapters();
    this.lastError = null;
  }

  /** After the history was erased: pending updates dropped, a fresh adapter in use. */
  async erased(): Promise<void> {
    await this.replace(this.fresh());
    this.lastError = null;
  }

  /** Drops pending updates without changing the adapter (erase starts with this). */
  async stop(): Promise<void> {
    this.epoch++;
    await this.queue;
  }

  /** Another tab changed the adapter (learned, reset, erased): take the stored one. */
  async reload(): Promise<void> {
    try {
      const { state, error } = await loadAdapter(this.store, this.manifest, this.options);
      await this.replace(state);
      if (error) this.lastError = error;
    } catch (err) {
      this.lastError = new AdapterError('stored', `could not reload the adapter: ${messageOf(err)}`, { cause: err });
    }
  }

  exported(): ExportedAdapter {
    return exportAdapter(this.state);
  }
}

/** What `rec.adapter()` reports when the adapter is off. */
export function disabledInfo(manifest: ModelManifest): AdapterInfo {
  return {
    enabled: false,
    modelVersion: manifest.modelVersion,
    bytes: 0,
    updates: 0,
    updatedAt: 0,
    gateShift: 0,
    shippedGate: [],
    personalGate: [],
    lastError: null,
  };
}

/**
 * The stored adapter of the manifest's model version, validated; anything else (none, another
 * version's, another shape, corrupt) → a fresh adapter. Adapters of other model versions are deleted.
 */
export async function loadAdapter(
  store: HistoryStore,
  m: ModelManifest,
  options: AdapterOptions,
): Promise<{ state: AdapterState; error: AdapterError | null }> {
  const fresh = createAdapter(m.modelVersion, m.dim, m.experts, options);
  let raw: unknown;
  try {
    raw = await store.getAdapter(m.modelVersion);
    await store.deleteAdapters(m.modelVersion);
  } catch (err) {
    return {
      state: fresh,
      error: new AdapterError('stored', `the stored adapter could not be read (${messageOf(err)}): started fresh`, {
        cause: err,
      }),
    };
  }
  if (raw === undefined || raw === null) return { state: fresh, error: null };
  try {
    const s = validateAdapter(raw);
    const ex = s.examples;
    for (let i = 0; i < ex.count; i++) {
      const t = ex.target[i]!;
      if (!(t >= 1 && t <= m.itemCount)) throw new ModelFormatError(`stored adapter: example target ${t} out of range`);
    }
    const sameShape =
      s.modelVersion === m.modelVersion &&
      s.dim === m.dim &&
      s.experts === m.experts &&
      s.rank === fresh.rank &&
      ex.target.length === fresh.examples.target.length;
    if (!sameShape) {
      return {
        state: fresh,
        error: new AdapterError(
          'stored',
          'the stored adapter has another shape (model or settings changed): started fresh',
        ),
      };
    }
    return { state: s, error: null };
  } catch (err) {
    let note = '';
    try {
      await store.deleteAdapters();
    } catch (deleteError) {
      note = `; it could not be deleted either (${messageOf(deleteError)})`;
    }
    return {
      state: fresh,
      error: new AdapterError(
        'stored',
        `the stored adapter was unreadable and was replaced by a fresh one (${messageOf(err)})${note}`,
        { cause: err },
      ),
    };
  }
}

/** The adapter as JSON-safe data (exportData). */
function exportAdapter(s: AdapterState): ExportedAdapter {
  const { params, examples, ...rest } = s;
  return {
    ...rest,
    params: Array.from(params),
    examples: {
      user: Array.from(examples.user),
      gate: Array.from(examples.gate),
      target: Array.from(examples.target),
      count: examples.count,
    },
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
