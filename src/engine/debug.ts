/**
 * The debug channel, page side: what the test harnesses and benchmarks read of a recommender
 * (start-up timings, the adapter's internals, the raw model ranking) and the faults they inject.
 * Only they import this module; the package entries do not, so a production build leaves it out.
 */
import { historyTensorData } from '../core/history';
import { InvalidArgumentError } from '../core/errors';
import { topK } from '../core/rank';
import type { Backend } from '../types';
import type { AdapterDebug } from './personal';
import { INTERNALS, type Recommender, type RecommenderInternals, type StartupTimings } from './recommender';

export interface DebugHooks {
  /**
   * Where createRecommender's time went, ms: load = manifest and model files (fetched or from
   * Cache Storage, sha256-verified), parse = catalogue and item table; then, side by side:
   * engine = inference engine start (Worker boot, onnxruntime-web import, wasm runtime,
   * sessions; `engine` has the engine's own split) and storeWait = the history store opened,
   * adapter = the stored adapter read, restore = items added in the page restored and the stored
   * model output read; readyMs = from the start until the session was up (adapter handed over);
   * totalMs = until createRecommender resolved (before readyMs when `resumed`).
   */
  startup(): StartupTimings | null;
  /**
   * Settles once the model output kept by the last recommend() is written (or failed to be): a
   * page that closes right after answering may otherwise leave before the write commits.
   */
  storedOutputWritten(): Promise<void>;
  /** Make the next WebGPU run fail ('throw') or destroy the device; the engine must answer on WASM. */
  simulateGpuFailure(mode?: 'throw' | 'destroy-device'): Promise<string>;
  /**
   * Raw model ranking for arbitrary histories (model indices, oldest first), in one batch:
   * the top-k model indices of each row (pad excluded, nothing else excluded).
   */
  rankHistories(histories: number[][], k: number): Promise<{ top: number[][]; backend: Backend }>;
  /**
   * Wall time (ms, where the adapter maths runs: the Worker) of each on-device update, oldest
   * first, the last 256. Waits for pending updates; `clear` empties the list after reading it.
   */
  adapterTimings(opts?: { clear?: boolean }): Promise<number[]>;
  /** The inputs (u, g, target, accepted) of the updates since the adapter was last set (at most 64), oldest first. */
  adapterTrace(): Promise<AdapterDebug['trace']>;
}

function internalsOf(rec: Recommender): RecommenderInternals {
  const i = INTERNALS.get(rec);
  if (!i) throw new InvalidArgumentError('debug: not a recommender made by createRecommender');
  return i;
}

export function debugHooks(rec: Recommender): DebugHooks {
  const i = internalsOf(rec);
  const p = i.parts;
  const adapterDebug = async (clear: boolean): Promise<AdapterDebug> => {
    i.alive();
    await p.adapter?.idle();
    return (await p.engine.debug({ kind: 'adapter', clear })) as AdapterDebug;
  };
  return {
    startup: () => (i.startup ? { ...i.startup } : null),
    storedOutputWritten: () => p.stored.written(),
    simulateGpuFailure: async (mode = 'throw') => (await p.engine.debug({ kind: 'gpu-failure', mode })) as string,
    rankHistories: async (histories, k) => {
      i.alive();
      const m = p.manifest;
      const { data, dims } = historyTensorData(histories, m.maxHistory);
      const out = await p.engine.run(data, dims[0], dims[1]);
      const n = m.itemCount + 1;
      const d = m.dim;
      const rowScores = (b: number): Float32Array =>
        out.scores.length
          ? out.scores.subarray(b * n, (b + 1) * n)
          : p.table.scoreAll(out.user.subarray(b * d, (b + 1) * d)).subarray(0, n);
      const top = histories.map((_, b) => topK(rowScores(b), k, { from: 1 }).map((s) => s.index));
      return { top, backend: out.backend };
    },
    adapterTimings: async (opts) => (await adapterDebug(opts?.clear === true)).timings,
    adapterTrace: async () => (await adapterDebug(false)).trace,
  };
}
