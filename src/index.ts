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
 */
import { InvalidArgumentError } from './core/errors';
import type { InferenceEngine } from './engine/inference';
import { createWith, Recommender } from './engine/recommender';
import { openHistoryStore } from './engine/store';
import type { CreateOptions } from './types';

export type { Recommender } from './engine/recommender';
export * from './core/errors';
export type * from './types';

/** Where this module expects onnxruntime-web's files when `wasmPaths` is not given: `<page origin>/ort/`. */
export const DEFAULT_WASM_PATHS = '/ort/';

async function inPageEngine(): Promise<InferenceEngine> {
  const [{ OrtEngine }, ort] = await Promise.all([import('./engine/inference'), import('onnxruntime-web/webgpu')]);
  return new OrtEngine(ort, 'web');
}

async function workerEngine(): Promise<InferenceEngine> {
  const { WorkerEngine } = await import('./engine/worker-client');
  return new WorkerEngine();
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
  const engine = useWorker ? await workerEngine() : await inPageEngine();
  const base = (import.meta.env?.BASE_URL as string | undefined) ?? '/';
  const here = globalThis.location?.href ?? 'http://localhost/';
  // absolute: the worker resolves relative URLs against its own script, not the page
  const wasmPaths = new URL(options.wasmPaths ?? `${base.replace(/\/$/, '')}${DEFAULT_WASM_PATHS}`, here).href;
  const store = openHistoryStore({
    dbName: options.dbName ?? 'localrec',
    ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
  });
  return createWith({ ...options, wasmPaths }, { engine, store });
}
