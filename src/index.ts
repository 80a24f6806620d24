/**
 * localrec: on-device recommendations in the web page. The engine's entry (the package's
 * `localrec`): no side effects on import. The widget is `localrec/widget` (src/widget/index.ts).
 *
 *   import { createRecommender } from 'localrec';
 *   const rec = await createRecommender({ model: '/models/movielens/' });
 *   await rec.track({ type: 'view', itemId: '50' });
 *   const { items, source } = await rec.recommend({ k: 10 });
 *
 * Nothing leaves the page: the model files are fetched from the page's origin (GET), the
 * visitor's history stays in IndexedDB (or memory), inference runs in a Web Worker.
 * See src/engine/README.md for the behaviour of every call.
 */
import { env, resolveRuntime } from './engine/config';
import { createWith } from './engine/create';
import { withFallback } from './engine/fallback';
import type { Engine } from './engine/operations';
import type { Recommender } from './engine/recommender';
import { openHistoryStore } from './engine/store';
import { checkCreateOptions } from './engine/validate';
import type { CreateOptions } from './types';

export * from './core/errors';
export { env, type LocalrecEnv } from './engine/config';
export type { Recommender } from './engine/recommender';
export type { VisitorSummary } from './engine/summary';
export type * from './types';

async function inPageEngine(): Promise<Engine> {
  const [{ OrtEngine }, { loadWebOrt }, { LocalEngine }] = await Promise.all([
    import('./engine/inference'),
    import('./engine/ort-web'),
    import('./engine/personal'),
  ]);
  return new LocalEngine(new OrtEngine(loadWebOrt, 'web'));
}

async function inWorkerEngine(): Promise<Engine> {
  const { workerEngine } = await import('./engine/worker-client');
  return workerEngine();
}

/**
 * Loads and verifies the model, opens the history store and starts the inference engine.
 * Rejects with ModelIntegrityError (a file does not match the manifest), ModelLoadError (a file
 * could not be fetched), ModelFormatError, BackendError ('webgpu' forced without an adapter) or
 * InvalidArgumentError (bad options). Storage problems never reject: they fall back to memory
 * and are reported on `rec.storage`.
 */
export async function createRecommender(options: CreateOptions): Promise<Recommender> {
  const opts = checkCreateOptions(options);
  const useWorker = opts.worker ?? typeof Worker !== 'undefined';
  const engine = useWorker ? withFallback(inWorkerEngine, inPageEngine) : await inPageEngine();
  // opened only once storing is allowed (at once unless consent is required and still pending)
  const store = () =>
    openHistoryStore({
      dbName: opts.dbName ?? 'localrec',
      ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
    });
  return createWith(
    { ...opts, backend: opts.backend ?? env.backend, wasmPaths: resolveRuntime(opts.wasmPaths) },
    { engine, store },
  );
}
