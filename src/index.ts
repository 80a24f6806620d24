/**
 * localrec: on-device recommendations in the web page. The one public entry point.
 *
 *   import { createRecommender } from 'localrec';
 *   const rec = await createRecommender({ model: '/models/movielens/', wasmPaths: '/ort/' });
 *   await rec.track({ type: 'view', itemId: '50' });
 *   const { items, source } = await rec.recommend({ k: 10 });
 *
 * Nothing leaves the page: the model files are fetched from the page's origin (GET), the
 * visitor's history stays in IndexedDB (or memory), inference runs in a Web Worker.
 * See src/engine/README.md for the behaviour of every call.
 */
import { BackendError, InvalidArgumentError, LocalrecError } from './core/errors';
import type { AdapterOptions, AdapterState } from './core/adapter';
import type { EngineInit, EngineInitResult, RunResult } from './engine/inference';
import { LocalEngine, type AdapterDebug, type LearnRequest, type LearnResponse, type PersonalEngine, type PersonalRunResult } from './engine/personal';
import { createWith, Recommender } from './engine/recommender';
import { openHistoryStore } from './engine/store';
import type { Backend, CreateOptions } from './types';

export type { Recommender } from './engine/recommender';
export * from './core/errors';
export type * from './types';

/** Where onnxruntime-web's files are expected when `wasmPaths` is not given: `<vite base>ort/` on the page's origin. */
export const DEFAULT_WASM_PATHS = 'ort/';

async function inPageEngine(): Promise<PersonalEngine> {
  const [{ OrtEngine }, { loadWebOrt }] = await Promise.all([import('./engine/inference'), import('./engine/ort-web')]);
  return new LocalEngine(new OrtEngine(loadWebOrt, 'web'));
}

/**
 * The worker engine, falling back to in-page inference when the worker itself cannot start
 * (a Content-Security-Policy without worker-src, a bundler that dropped the worker file...).
 * Errors about the model (integrity, format) are not retried.
 */
class WorkerWithFallback implements PersonalEngine {
  private inner: PersonalEngine | null = null;
  get backend(): Backend {
    return this.inner?.backend ?? 'wasm';
  }
  async init(init: EngineInit): Promise<EngineInitResult> {
    // the worker takes ownership of the buffers it is sent: keep copies for a possible retry
    const retry: EngineInit = {
      ...init,
      ...(init.model ? { model: init.model.slice() } : {}),
      ...(init.items ? { items: init.items.slice() } : {}),
      ...(init.encoder ? { encoder: init.encoder.slice() } : {}),
    };
    try {
      const { WorkerEngine } = await import('./engine/worker-client');
      this.inner = new WorkerEngine();
      return await this.inner.init(init);
    } catch (e) {
      if (e instanceof LocalrecError && !(e instanceof BackendError)) throw e;
      await this.inner?.close().catch(() => {});
      this.inner = await inPageEngine();
      return this.inner.init(retry);
    }
  }
  private get engine(): PersonalEngine {
    if (!this.inner) throw new BackendError('the engine is not initialised');
    return this.inner;
  }
  run(history: BigInt64Array, batch: number, length: number, withScores?: boolean): Promise<RunResult> {
    return this.engine.run(history, batch, length, withScores);
  }
  encode(features: BigInt64Array, batch: number): Promise<Float32Array> {
    return this.engine.encode(features, batch);
  }
  simulateGpuFailure(mode: 'throw' | 'destroy-device'): Promise<string> {
    return this.engine.simulateGpuFailure(mode);
  }
  adapterSet(state: AdapterState | null, options?: AdapterOptions): Promise<void> {
    return this.engine.adapterSet(state, options);
  }
  runPersonal(history: BigInt64Array, length: number): Promise<PersonalRunResult> {
    return this.engine.runPersonal(history, length);
  }
  adapterLearn(example: LearnRequest, now: number): Promise<LearnResponse> {
    return this.engine.adapterLearn(example, now);
  }
  adapterDebug(clear: boolean): Promise<AdapterDebug> {
    return this.engine.adapterDebug(clear);
  }
  async close(): Promise<void> {
    await this.inner?.close();
  }
}

/**
 * Loads and verifies the model, opens the history store and starts the inference engine.
 * Rejects with ModelIntegrityError (a file does not match the manifest), ModelLoadError (a file
 * could not be fetched), ModelFormatError, BackendError ('webgpu' forced without an adapter) or
 * InvalidArgumentError (bad options). Storage problems never reject: they fall back to memory
 * and are reported on `rec.storage`.
 */
export async function createRecommender(options: CreateOptions): Promise<Recommender> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('createRecommender expects an options object');
  const useWorker = options.worker ?? typeof Worker !== 'undefined';
  const engine = useWorker ? new WorkerWithFallback() : await inPageEngine();
  const base = (import.meta.env?.BASE_URL as string | undefined) ?? '/';
  const here = globalThis.location?.href ?? 'http://localhost/';
  // absolute: the worker resolves relative URLs against its own script, not the page
  const wasmPaths = new URL(options.wasmPaths ?? `${base.endsWith('/') ? base : `${base}/`}${DEFAULT_WASM_PATHS}`, here).href;
  const store = openHistoryStore({
    dbName: options.dbName ?? 'localrec',
    ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
  });
  return createWith({ ...options, wasmPaths }, { engine, store });
}
