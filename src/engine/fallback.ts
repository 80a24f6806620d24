/**
 * The Worker engine, falling back to in-page inference when the Worker itself cannot start (a
 * Content-Security-Policy without worker-src, a bundler that dropped the Worker file...). Errors
 * about the model (integrity, format) are not retried: the page would fail the same way.
 */
import { BackendError, LocalrecError } from '../core/errors';
import type { EngineInit, EngineInitResult } from './inference';
import { type Engine, engineOver } from './operations';

/** `inWorker` starts the Worker engine; `inPage` builds the in-page one when that fails. */
export function withFallback(inWorker: () => Promise<Engine>, inPage: () => Promise<Engine>): Engine {
  let inner: Engine | null = null;

  const init = async (init: EngineInit): Promise<EngineInitResult> => {
    // the Worker takes ownership of the buffers it is sent: keep copies for a retry in the page
    const retry: EngineInit = {
      ...init,
      ...(init.model ? { model: init.model.slice() } : {}),
      ...(init.items ? { items: init.items.slice() } : {}),
      ...(init.encoder ? { encoder: init.encoder.slice() } : {}),
    };
    let failed: Engine | null = null;
    try {
      failed = await inWorker();
      const result = await failed.init(init);
      inner = failed;
      return result;
    } catch (e) {
      if (e instanceof LocalrecError && !(e instanceof BackendError)) throw e;
      // the Worker that failed is released before the page takes over; its own close errors do not matter
      await failed
        ?.close()
        .catch((closeError: unknown) => console.debug('localrec: closing the failed worker', closeError));
      inner = await inPage();
      return inner.init(retry);
    }
  };

  return engineOver(
    (op, args) => {
      if (op === 'init') return init(...(args as [EngineInit])) as never;
      if (!inner) {
        if (op === 'close') return Promise.resolve() as never;
        return Promise.reject(new BackendError('the engine is not initialised'));
      }
      return (inner[op] as (...a: unknown[]) => Promise<never>).apply(inner, args);
    },
    () => inner?.backend ?? 'wasm',
  );
}
