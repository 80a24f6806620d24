/**
 * The widget's page-level API: one shared recommender per page, created lazily from the
 * configuration (`configure()` or the first element's `model-base` / `wasm-base` attributes).
 * No globals: everything lives in this module's scope.
 */
import { createRecommender } from '../index';
import type { BackendChoice, LoadProgress, StoredEvent, TrackEvent } from '../types';

export type Recommender = Awaited<ReturnType<typeof createRecommender>>;

export interface WidgetConfig {
  /** Base URL of the model folder (with manifest.json), on the shop's origin. */
  model?: string;
  /** Base URL of onnxruntime-web's .wasm/.mjs files, on the shop's origin. */
  wasmPaths?: string;
  backend?: BackendChoice;
  /** Use an already created recommender instead of creating one. */
  recommender?: Recommender;
  /** Extra listener for model download progress. */
  onProgress?: (p: LoadProgress) => void;
}

export const DEFAULT_MODEL = '/models/movielens/';

/** Where the library build's own copy of onnxruntime-web's wasm files lives: next to the script. */
function defaultWasmPaths(): string | undefined {
  if (!import.meta.env.LOCALREC_LIB) return undefined;
  return new URL(/* @vite-ignore */ './ort/', import.meta.url).href;
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
  if (pending) {
    if (c.recommender) pending = Promise.resolve(c.recommender);
    return;
  }
  config = { ...config, ...Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) };
  if (c.recommender) pending = Promise.resolve(c.recommender);
}

/** Fill in configuration from element attributes, without overriding `configure()`. */
export function configureDefaults(c: WidgetConfig): void {
  if (pending) return;
  for (const [k, v] of Object.entries(c) as [keyof WidgetConfig, unknown][]) {
    if (v !== undefined && v !== null && config[k] === undefined) (config as Record<string, unknown>)[k] = v;
  }
}

/** The page's shared recommender (created on first use). */
export function getRecommender(): Promise<Recommender> {
  if (!pending) {
    const wasmPaths = config.wasmPaths ?? defaultWasmPaths();
    pending = createRecommender({
      model: config.model ?? DEFAULT_MODEL,
      backend: config.backend ?? 'auto',
      ...(wasmPaths ? { wasmPaths } : {}),
      onProgress: (p: LoadProgress) => {
        lastProgress = p;
        config.onProgress?.(p);
        for (const l of progressListeners) l(p);
      },
    });
    pending.catch(() => {
      /* reported to each caller */
    });
  }
  return pending;
}

/** Whether the shared recommender has been requested yet. */
export function isStarted(): boolean {
  return pending !== null;
}

/** Listen to model download progress; returns an unsubscribe function. */
export function onProgress(listener: (p: LoadProgress) => void): () => void {
  progressListeners.add(listener);
  if (lastProgress) listener(lastProgress);
  return () => progressListeners.delete(listener);
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
