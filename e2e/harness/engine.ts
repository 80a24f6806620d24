/**
 * Test harness for the engine's Playwright specs: exposes the public entry point on `window` so
 * specs can drive it with page.evaluate. (Only this test page has globals; the library has none.)
 */
import * as localrec from '../../src/index';
import { debugHooks } from '../../src/engine/debug';

declare global {
  interface Window {
    lr: typeof localrec;
    /** recommenders created by specs, by name */
    recs: Record<string, localrec.Recommender>;
    /** the debug channel (start-up timings, fault injection, the adapter's internals): test pages only */
    debug: typeof debugHooks;
    /** turns any thrown value into plain data (errors lose their class crossing page.evaluate) */
    errorInfo: (e: unknown) => { name: string; code?: string; message: string };
  }
}

window.lr = localrec;
window.recs = {};
window.debug = debugHooks;
window.errorInfo = (e: unknown) => {
  if (e instanceof localrec.LocalrecError) return { name: e.name, code: e.code, message: e.message };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'unknown', message: String(e) };
};
document.getElementById('status')!.textContent = 'ready';
