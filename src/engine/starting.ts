/**
 * An engine that is still starting: createRecommender can hand the recommender out before the
 * model session exists (a returning visitor answered from the stored model output, see
 * `CreateOptions.resume`). Every call waits for the start-up and then goes to the real engine; a
 * start-up that failed makes every such call reject with that error.
 */
import type { AdapterOptions, AdapterState } from '../core/adapter';
import type { Backend } from '../types';
import type { EngineInit, EngineInitResult, RunResult } from './inference';
import type { AdapterDebug, LearnRequest, LearnResponse, PersonalEngine, PersonalRunResult } from './personal';

export class StartingEngine implements PersonalEngine {
  private up = false;
  /** resolves with the engine's init result once it can run (the adapter handed over); rejects with the start-up error */
  readonly ready: Promise<EngineInitResult>;

  /** `ready`: the inner engine's start-up (init, and whatever must follow it before any call). */
  constructor(
    private readonly inner: PersonalEngine,
    ready: Promise<EngineInitResult>,
  ) {
    this.ready = ready.then((r) => {
      this.up = true;
      return r;
    });
    // a failed start-up is reported by the calls that need the engine (and by rec.ready())
    this.ready.catch(() => {});
  }

  /** true once the engine has started (calls no longer wait) */
  get started(): boolean {
    return this.up;
  }

  get backend(): Backend {
    return this.inner.backend;
  }

  /** Started by whoever built this object: returns that start-up. */
  init(_init?: EngineInit): Promise<EngineInitResult> {
    return this.ready;
  }

  private after<T>(fn: () => Promise<T>): Promise<T> {
    return this.up ? fn() : this.ready.then(fn);
  }

  run(history: BigInt64Array, batch: number, length: number, withScores?: boolean): Promise<RunResult> {
    return this.after(() => this.inner.run(history, batch, length, withScores));
  }

  encode(features: BigInt64Array, batch: number): Promise<Float32Array> {
    return this.after(() => this.inner.encode(features, batch));
  }

  simulateGpuFailure(mode: 'throw' | 'destroy-device'): Promise<string> {
    return this.after(() => this.inner.simulateGpuFailure(mode));
  }

  adapterSet(state: AdapterState | null, options?: AdapterOptions): Promise<void> {
    return this.after(() => this.inner.adapterSet(state, options));
  }

  runPersonal(history: BigInt64Array, length: number): Promise<PersonalRunResult> {
    return this.after(() => this.inner.runPersonal(history, length));
  }

  adapterLearn(example: LearnRequest, now: number): Promise<LearnResponse> {
    return this.after(() => this.inner.adapterLearn(example, now));
  }

  adapterDebug(clear: boolean): Promise<AdapterDebug> {
    return this.after(() => this.inner.adapterDebug(clear));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
