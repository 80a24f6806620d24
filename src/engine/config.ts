/**
 * Every default of localrec and how it resolves, in one place: the engine (createRecommender) and
 * the widget (configure, element attributes) read them here, so both look for the model and the
 * runtime in the same place.
 *
 *   model    the model folder. Default '/models/movielens/' (the demo's model), on the page's origin.
 *   runtime  onnxruntime-web's .wasm/.mjs files. Default: the `ort/` folder next to the library's
 *            own modules in the library build (dist/lib/ort/, shipped in the package and matching
 *            the onnxruntime-web it bundles), which is where a script tag finds it. An app that
 *            bundles the package (Vite, webpack) moves its modules away from that folder: it
 *            serves the package's `dist/lib/ort/` itself and sets `env.runtime` (docs/widget.md).
 *            In this repository (Vite's dev server and
 *            the demo build): `<base>ort/`, where the project's Vite plugin serves and emits them.
 *   backend  'auto': WebGPU where an adapter exists, else WASM.
 *
 * A page changes a default with `env` (engine) or `configure()` (widget); an explicit option or
 * attribute wins over both.
 */
import type { BackendChoice } from '../types';

export interface LocalrecEnv {
  /** Base URL of the model folder (with manifest.json). */
  model: string;
  /** Base URL of onnxruntime-web's runtime files; undefined: the default location (see above). */
  runtime: string | undefined;
  backend: BackendChoice;
}

/** The defaults a page may change before it creates a recommender. */
export const env: LocalrecEnv = {
  model: '/models/movielens/',
  runtime: undefined,
  backend: 'auto',
};

/** The runtime folder when none is configured (see the module comment). */
export function defaultRuntime(): string {
  // not the literal `new URL('…', import.meta.url)` form: a consumer's bundler would try to bundle the folder
  if (import.meta.env?.LOCALREC_LIB) return new URL('./ort/', String(import.meta.url)).href;
  const base = (import.meta.env?.BASE_URL as string | undefined) ?? '/';
  return `${base.endsWith('/') ? base : `${base}/`}ort/`;
}

/**
 * The runtime folder as an absolute URL: the Worker resolves relative URLs against its own
 * script, not the page, so what the page means must be fixed here.
 */
export function resolveRuntime(configured?: string): string {
  const here = globalThis.location?.href ?? 'http://localhost/';
  return new URL(configured ?? env.runtime ?? defaultRuntime(), here).href;
}
