/**
 * The model's output for the visitor's last history (user representation and gate), kept in
 * IndexedDB for the next visit: a returning visitor whose history has not changed is answered from
 * it while the model session starts (`CreateOptions.resume`). A cache: a record that is missing,
 * unreadable or of another model version is never an error, only not used.
 */
import type { AdapterOptions, AdapterState } from '../core/adapter';
import { personalOf } from '../core/adapter';
import type { ModelManifest } from '../core/manifest-types';
import type { Backend, ExportedData } from '../types';
import type { RunResult } from './inference';
import type { PersonalRunResult } from './personal';
import type { HistoryStore } from './store';

/** The model's output for one history, as stored (meta `lastRun`). */
export interface StoredRun {
  modelVersion: string;
  /** the model input it belongs to: model indices joined by ',' */
  seq: string;
  user: number[];
  gate: number[];
  backend: Backend;
}

const LAST_RUN = 'lastRun';

export class StoredOutput {
  private last: StoredRun | null = null;
  /** the write of the last stored output (settles, never rejects) */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly manifest: ModelManifest,
    private readonly store: HistoryStore,
    /** false: nothing is kept or used (a stored record is deleted) */
    private readonly enabled: boolean,
  ) {}

  /** The stored output when it belongs to exactly this model sequence (joined by ','), else null. */
  matching(key: string): StoredRun | null {
    return this.last?.seq === key ? this.last : null;
  }

  /** Settles once the last kept output is written (or failed to be). */
  written(): Promise<void> {
    return this.writing;
  }

  /**
   * Reads the stored output at start. Returns it when it is of this model version, well formed
   * and resume is on; anything else stored is deleted (of no use, so not kept).
   */
  async load(): Promise<StoredRun | null> {
    let raw: unknown;
    try {
      raw = await this.store.getMeta<unknown>(LAST_RUN);
    } catch {
      // an unreadable record is a cache miss: the session answers instead
      return null;
    }
    const run = this.enabled ? this.valid(raw) : null;
    this.last = run;
    if (!run && raw !== undefined && raw !== null) {
      try {
        await this.forget();
      } catch {
        // it stays stored but is never used: the next valid output replaces it
      }
    }
    return run;
  }

  /** Keeps the model's output for this history (once per history; a failed write only loses the shortcut). */
  keep(key: string, out: RunResult, closed: boolean): void {
    if (!this.enabled || this.last?.seq === key || closed) return;
    const run: StoredRun = {
      modelVersion: this.manifest.modelVersion,
      seq: key,
      user: Array.from(out.user.subarray(0, this.manifest.dim)),
      gate: Array.from(out.gate.subarray(0, this.manifest.experts)),
      backend: out.backend,
    };
    this.last = run;
    this.writing = this.store.setMeta(LAST_RUN, run).catch(() => {
      // the next visit computes the answer instead: nothing else depends on this write
      if (this.last === run) this.last = null;
    });
  }

  /** Deletes the stored output (erase, or a record of no use). */
  async forget(): Promise<void> {
    this.last = null;
    await this.store.setMeta(LAST_RUN, null);
  }

  /** Forgets the output in memory only (another tab erased the store). */
  dropInMemory(): void {
    this.last = null;
  }

  /**
   * A run result from a stored output: the page's adapter applied like the engine would
   * (AdapterRuntime.personalize), no graph scores (the page's table scores every row).
   */
  answer(run: StoredRun, adapter: { state: AdapterState; options: AdapterOptions } | null): PersonalRunResult {
    const user = Float32Array.from(run.user);
    const gate = Float32Array.from(run.gate);
    const personal = adapter ? personalOf(adapter.state, user, gate) : null;
    return { scores: new Float32Array(0), user, gate, backend: run.backend, personal };
  }

  exported(idAt: (index: number) => string): ExportedData['storedOutput'] {
    const r = this.last;
    if (!r) return null;
    return {
      modelVersion: r.modelVersion,
      history: r.seq.split(',').map((i) => idAt(Number(i))),
      user: [...r.user],
      gate: [...r.gate],
    };
  }

  /** A stored run of this model version with the right shapes and finite numbers, else null. */
  private valid(raw: unknown): StoredRun | null {
    if (typeof raw !== 'object' || raw === null) return null;
    const r = raw as Partial<StoredRun>;
    const m = this.manifest;
    const nums = (a: unknown, n: number): a is number[] =>
      Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (r.modelVersion !== m.modelVersion || typeof r.seq !== 'string' || !/^\d+(,\d+)*$/.test(r.seq)) return null;
    if (!r.seq.split(',').every((i) => Number(i) >= 1 && Number(i) <= m.itemCount)) return null;
    if (!nums(r.user, m.dim) || !nums(r.gate, m.experts)) return null;
    if (r.backend !== 'wasm' && r.backend !== 'webgpu' && r.backend !== 'node') return null;
    return { modelVersion: r.modelVersion, seq: r.seq, user: r.user, gate: r.gate, backend: r.backend };
  }
}
