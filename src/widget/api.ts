/**
 * The widget's page-level API: one shared recommender per page, created lazily from the
 * configuration (`configure()` or the first element's `model-base` / `wasm-base` attributes,
 * over the engine's defaults in `env`). No globals: everything lives in this module's scope.
 */
import {
  type BackendChoice,
  createRecommender,
  env,
  type LoadProgress,
  type Recommender,
  type StoredEvent,
  type TrackEvent,
} from '../index';
import { type StringOverrides, stringsFor, type WidgetStrings } from './strings';

export type { Recommender };

export interface WidgetConfig {
  /** Base URL of the model folder (with manifest.json), on the shop's origin (default `env.model`). */
  model?: string;
  /** Base URL of onnxruntime-web's .wasm/.mjs files, on the shop's origin (default: see `env`). */
  wasmPaths?: string;
  backend?: BackendChoice;
  /** Use an already created recommender instead of creating one. */
  recommender?: Recommender;
  /** Extra listener for model download progress. */
  onProgress?: (p: LoadProgress) => void;
  /** Replacements for any of the widget's texts (see WidgetStrings). */
  strings?: StringOverrides;
}

let config: WidgetConfig = {};
let pending: Promise<Recommender> | null = null;
let lastProgress: LoadProgress | null = null;
const progressListeners = new Set<(p: LoadProgress) => void>();

/**
 * Set where the model and the runtime files come from. Call it before the first element
 * connects (later calls only fill in what is still unset; an instance already created stays).
 */
export function configure(c: WidgetConfig): void {
  if (c.strings) config = { ...config, strings: { ...config.strings, ...c.strings } };
  if (pending) {
    if (c.recommender) pending = Promise.resolve(c.recommender);
    return;
  }
  const { strings: _strings, ...rest } = c;
  config = { ...config, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
  if (c.recommender) pending = Promise.resolve(c.recommender);
}

/** Fill in configuration from element attributes, without overriding `configure()`. */
export function configureDefaults(c: Pick<WidgetConfig, 'model' | 'wasmPaths'>): void {
  if (pending) return;
  if (c.model !== undefined && config.model === undefined) config.model = c.model;
  if (c.wasmPaths !== undefined && config.wasmPaths === undefined) config.wasmPaths = c.wasmPaths;
}

/** The widget's texts in a language, with the page's replacements. */
export function widgetStrings(lang: string | null | undefined): WidgetStrings {
  return stringsFor(lang, config.strings);
}

/** The page's shared recommender (created on first use). */
export function getRecommender(): Promise<Recommender> {
  if (!pending) {
    const created = createRecommender({
      model: config.model ?? env.model,
      backend: config.backend ?? env.backend,
      ...(config.wasmPaths ? { wasmPaths: config.wasmPaths } : {}),
      onProgress: (p: LoadProgress) => {
        lastProgress = p;
        config.onProgress?.(p);
        for (const l of progressListeners) l(p);
      },
    });
    created.catch(reportedToCallers);
    pending = created;
  }
  return pending;
}

/** Listen to model download progress; returns an unsubscribe function. */
export function onProgress(listener: (p: LoadProgress) => void): () => void {
  progressListeners.add(listener);
  if (lastProgress) listener(lastProgress);
  return () => progressListeners.delete(listener);
}

/** Each caller of getRecommender() receives the rejection; this copy only keeps it from being unhandled. */
function reportedToCallers(): void {
  // see the callers: the element's localrec-error event, track()'s warning
}

let warned = false;

/**
 * Record a shop event ('view', 'add_to_cart', 'purchase', ...) for the visitor, on the device.
 * Resolves to the stored event, or null while tracking is paused. Best effort towards the shop: if
 * the recommender could not start (model missing, broken...), it resolves to null (with one console
 * warning) instead of breaking the shop's own handler. Malformed events and unknown ids reject.
 */
export async function track(event: TrackEvent): Promise<StoredEvent | null> {
  let rec: Recommender;
  try {
    rec = await getRecommender();
  } catch (e) {
    if (!warned) console.warn('localrec: the recommender is unavailable; events are not recorded', e);
    warned = true;
    return null;
  }
  return rec.track(event);
}
