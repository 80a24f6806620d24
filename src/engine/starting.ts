/**
 * An engine that is still starting: createRecommender can hand the recommender out before the
 * model session exists (a returning visitor answered from the stored model output, see
 * `CreateOptions.resume`). Every operation that needs the engine waits for the start-up and then
 * goes to the real engine; a start-up that failed makes each of them reject with that error.
 */
import { type Engine, engineOver, OPERATIONS } from './operations';
import type { EngineInitResult } from './inference';

export interface StartingEngine extends Engine {
  /** resolves with the engine's init result once it can run; rejects with the start-up error */
  readonly ready: Promise<EngineInitResult>;
  /** true once the engine has started (operations no longer wait) */
  readonly started: boolean;
}

/** `ready`: the inner engine's start-up (init, and whatever must follow it before any operation). */
export function startingEngine(inner: Engine, ready: Promise<EngineInitResult>): StartingEngine {
  let up = false;
  const settled = ready.then((r) => {
    up = true;
    return r;
  });
  // a failed start-up is reported by rec.ready() and by each operation that needs the engine
  settled.catch(reportedByCallers);
  const engine = engineOver(
    (op, args) => {
      // init was started by whoever built this engine: it answers with that start-up
      if (op === 'init') return settled as never;
      const call = () => (inner[op] as (...a: unknown[]) => Promise<never>).apply(inner, args);
      return !OPERATIONS[op].afterStart || up ? call() : settled.then(call);
    },
    () => inner.backend,
  );
  Object.defineProperties(engine, {
    ready: { value: settled, enumerable: true },
    started: { get: () => up, enumerable: true },
  });
  return engine as StartingEngine;
}

function reportedByCallers(): void {
  // the rejection stays observable through `ready` and every waiting operation
}
