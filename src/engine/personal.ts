/**
 * The visitor's adapter where the model runs: in the inference worker, or in the page
 * when there is no worker (and in Node tests). {@link AdapterRuntime} holds the working copy of the
 * adapter and the item table (built from the verified items.bin bytes the engine receives at init)
 * and does the O(catalogue) work: rescoring with the personal user representation and the
 * learning steps. {@link LocalEngine} puts it in front of any in-realm InferenceEngine; the worker
 * (worker.ts) wraps its OrtEngine the same way and the Worker client forwards the calls, so both paths
 * compute the same thing with the same code.
 *
 * The page (adapter-session.ts) keeps the source of truth in IndexedDB: it hands the stored adapter
 * over with `adapterSet` and persists the state `adapterLearn` returns after an accepted update.
 */
import { learn, personalOf, type AdapterOptions, type AdapterState, type LearnResult } from '../core/adapter';
import { now } from '../core/clock';
import { BackendError, InvalidArgumentError, ModelFormatError } from '../core/errors';
import { ItemTable } from '../core/item-table';
import type { Backend } from '../types';
import type { EngineInit, EngineInitResult, InferenceEngine, RunResult } from './inference';
import type { DebugRequest, Engine } from './operations';

/** One run of the model with the adapter applied. */
export interface PersonalRunResult extends RunResult {
  /**
   * The personal user representation and gate, when the adapter has learned anything; `scores`
   * are then dot(u', token) over the model's items (items.bin rows). null: `scores` are the
   * shipped model's answer, dot(u, token) (the graph's own where the model cannot skip them).
   */
  personal: { user: Float32Array; gate: Float32Array } | null;
}

/** One example to learn from: the shipped model's u/g for the history before `target`. */
export interface LearnRequest {
  user: Float32Array;
  gate: Float32Array;
  /** model index of the item that came next */
  target: number;
}

export interface LearnResponse {
  result: LearnResult;
  /** the adapter after an accepted update (a copy), null when refused */
  state: AdapterState | null;
  /** wall time of the learn() call in ms (performance.now() in the realm that ran it) */
  ms: number;
}

/** What the adapter runtime keeps for tests and the benchmark. */
export interface AdapterDebug {
  /** ms of the last learn calls, oldest first (at most {@link MAX_TIMINGS}) */
  timings: number[];
  /** inputs of the learn calls since the adapter was last set, oldest first (at most {@link MAX_TRACE}) */
  trace: { user: number[]; gate: number[]; target: number; accepted: boolean }[];
}

export const MAX_TIMINGS = 256;
export const MAX_TRACE = 64;

/** The adapter's working copy and the maths that need the item table. Synchronous. */
export class AdapterRuntime {
  private table: ItemTable | null = null;
  /** the model can skip its catalogue scores (manifest inputs.withScores) and there is a table to score with */
  private scoresHere = false;
  private state: AdapterState | null = null;
  private options: AdapterOptions | undefined;
  private timings: number[] = [];
  private trace: AdapterDebug['trace'] = [];

  /** Builds the item table from the verified items.bin bytes (base rows only: added items are never targets). */
  init(init: EngineInit): void {
    this.table = init.items ? ItemTable.fromBytes(init.items, init.manifest.itemTable) : null;
    this.scoresHere = this.table !== null && init.manifest.inputs.withScores !== undefined;
  }

  /**
   * Whether a batch-1 run should ask the graph for its catalogue scores: not when this runtime
   * scores the catalogue itself (the table's int8 kernel, the same dot products), so that they are
   * not computed twice (the adapter rescores with u' anyway).
   */
  get wantsGraphScores(): boolean {
    return !this.scoresHere;
  }

  set(state: AdapterState | null, options?: AdapterOptions): void {
    this.state = state;
    this.options = options;
    this.trace = [];
  }

  /**
   * Applies the adapter to a batch-1 run; the run's own scores buffer is reused for the personal
   * scores. A run without graph scores (see {@link wantsGraphScores}) is scored here from `user`.
   */
  personalize(out: RunResult): PersonalRunResult {
    const s = this.state;
    const personal =
      s && this.table ? personalOf(s, out.user.subarray(0, s.dim), out.gate.subarray(0, s.experts)) : null;
    // the graph's own scores stand for the shipped model's answer; else the table scores u (or u')
    if (!personal && !(this.scoresHere && out.scores.length === 0)) return { ...out, personal: null };
    const t = this.table!;
    // graph scores being replaced: their buffer (fresh from this run) takes the new ones
    const scores = t.scoreAll(
      personal ? personal.user : out.user.subarray(0, t.dim),
      out.scores.length >= t.rows ? out.scores : undefined,
    );
    scores[0] = 0;
    return { ...out, scores, personal };
  }

  learn(example: LearnRequest, at: number): LearnResponse {
    const s = this.state;
    if (!s) throw new BackendError('no adapter is set');
    if (!this.table) throw new ModelFormatError('the item table is missing: the adapter cannot learn');
    const t0 = now();
    const result = learn(s, this.table, example, this.options, at);
    const ms = now() - t0;
    this.timings.push(ms);
    if (this.timings.length > MAX_TIMINGS) this.timings.splice(0, this.timings.length - MAX_TIMINGS);
    this.trace.push({
      user: Array.from(example.user),
      gate: Array.from(example.gate),
      target: example.target,
      accepted: result.accepted,
    });
    if (this.trace.length > MAX_TRACE) this.trace.splice(0, this.trace.length - MAX_TRACE);
    return { result, state: result.accepted ? structuredClone(s) : null, ms };
  }

  debug(clear: boolean): AdapterDebug {
    const out = { timings: [...this.timings], trace: this.trace.map((t) => ({ ...t })) };
    if (clear) this.timings = [];
    return out;
  }
}

/**
 * An in-realm InferenceEngine with the adapter in front (in-page inference, Node tests, the
 * Worker): the implementation of every operation of the table (operations.ts).
 */
export class LocalEngine implements Engine {
  private readonly adapter = new AdapterRuntime();

  constructor(private readonly inner: InferenceEngine) {}

  get backend(): Backend {
    return this.inner.backend;
  }

  async init(init: EngineInit): Promise<EngineInitResult> {
    this.adapter.init(init);
    return this.inner.init(init);
  }

  run(history: BigInt64Array, batch: number, length: number, withScores?: boolean): Promise<RunResult> {
    return this.inner.run(history, batch, length, withScores);
  }

  async runPersonal(history: BigInt64Array, length: number): Promise<PersonalRunResult> {
    return this.adapter.personalize(await this.inner.run(history, 1, length, this.adapter.wantsGraphScores));
  }

  async adapterSet(state: AdapterState | null, options?: AdapterOptions): Promise<void> {
    // a copy: the caller's object stays theirs (as it would across postMessage)
    this.adapter.set(state ? structuredClone(state) : null, options);
  }

  async adapterLearn(example: LearnRequest, at: number): Promise<LearnResponse> {
    return this.adapter.learn(example, at);
  }

  async debug(request: DebugRequest): Promise<unknown> {
    if (request.kind === 'adapter') return this.adapter.debug(request.clear);
    if (request.kind === 'gpu-failure' && this.inner.simulateGpuFailure)
      return this.inner.simulateGpuFailure(request.mode);
    throw new InvalidArgumentError(`debug: this engine does not answer ${JSON.stringify(request)}`);
  }

  encode(features: BigInt64Array, batch: number): Promise<Float32Array> {
    return this.inner.encode(features, batch);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
