/**
 * The widget's page-level API: one shared recommender per page, created lazily from the
 * configuration (`configure()` or the first element's `model-base` / `wasm-base` attributes,
 * over the engine's defaults in `env`). No globals: everything lives in this module's scope.
 *
 * Elements wait for the page's configuration before they start: until `configure()` is called,
 * an element carries `model-base`, or the document has finished parsing (then the defaults
 * apply). So `configure()` takes effect whatever the order of imports and elements, as long as
 * it runs in a script of the page (classic or module), not later from a timer or a fetch.
 */
import {
  type BackendChoice,
  createRecommender,
  env,
  type LoadProgress,
  LocalrecError,
  type Recommender,
  type StoredEvent,
  type TrackEvent,
} from '../index';
import type { ImagePolicy, ProductFields } from './format';
import { type StringOverrides, stringsFor, type WidgetStrings } from './strings';

export type { Recommender };

export interface WidgetConfig {
  /** Base URL of the model folder (with manifest.json), on the shop's origin (default `env.model`). */
  model?: string;
  /** Base URL of onnxruntime-web's .wasm/.mjs files, on the shop's origin (default: see `env`). */
  wasmPaths?: string;
  backend?: BackendChoice;
  /** Use an already created recommender (or one being created) instead of creating one. */
  recommender?: Recommender | Promise<Recommender>;
  /** Extra listener for model download progress. */
  onProgress?: (p: LoadProgress) => void;
  /** Replacements for any of the widget's texts (see WidgetStrings). */
  strings?: StringOverrides;
  /**
   * Which product image URLs the cards load: 'any' (default), 'same-origin' (an image on another
   * origin is replaced by the drawn poster) or 'none' (always the drawn poster). An image request
   * tells the image host which item is shown (never the visitor's history).
   */
  images?: ImagePolicy;
  /**
   * The shop's own product data for a card (image, price, url, ...), merged over the catalogue's
   * fields; for shops whose model catalogue does not carry them.
   */
  product?: (item: { id: string }) => ProductFields | undefined;
  /**
   * Whether the visitor's data may be stored on the device (createRecommender's `consent`:
   * 'granted' by default, 'required', 'consent-mode'); see docs/privacy.md.
   */
  consent?: 'granted' | 'required' | 'consent-mode';
  /** Events older than this many days are deleted from the device (default 90). */
  retentionDays?: number;
  /**
   * An A/B test of the rows: each visitor gets one arm of `arms` (default ['model', 'popularity']),
   * the same on every page and visit; the 'popularity' arm shows popular items instead of the
   * model's. The arm is attached to the rows' impression and selection events.
   */
  experiment?: { name: string; arms?: readonly string[] };
}

/** `localrec-warning` event detail: something the widget skipped instead of failing. */
export interface WarningDetail {
  code: 'unknown-item' | 'bad-event' | 'unsafe-url' | 'not-ready' | 'unavailable';
  message: string;
  /** the ids concerned (unknown ids) */
  ids?: string[];
}

let config: WidgetConfig = {};
let pending: Promise<Recommender> | null = null;
let lastProgress: LoadProgress | null = null;
const progressListeners = new Set<(p: LoadProgress) => void>();

let markConfigured!: () => void;
const configured = new Promise<void>((resolve) => {
  markConfigured = resolve;
});

/** The document is parsed and its scripts (module scripts too) have run: the defaults may apply. */
function afterParsing(): void {
  if (typeof document === 'undefined') {
    markConfigured();
    return;
  }
  // module scripts run before DOMContentLoaded; one more task lets their configure() calls land
  const later = () => setTimeout(markConfigured, 0);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', later, { once: true });
  else later();
}
afterParsing();

/** Resolves once the page's configuration is known (see the module comment). */
export function whenConfigured(): Promise<void> {
  return configured;
}

/**
 * Set where the model and the runtime files come from. Call it before the first element
 * connects (later calls only fill in what is still unset; an instance already created stays).
 */
export function configure(c: WidgetConfig): void {
  if (c.strings) config = { ...config, strings: { ...config.strings, ...c.strings } };
  if (c.images !== undefined) config.images = c.images;
  if (c.product !== undefined) config.product = c.product;
  markConfigured();
  if (pending) {
    if (c.recommender) pending = given(c.recommender);
    return;
  }
  const { strings: _strings, ...rest } = c;
  config = { ...config, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
  if (c.recommender) pending = given(c.recommender);
}

function given(r: Recommender | Promise<Recommender>): Promise<Recommender> {
  const p = Promise.resolve(r);
  p.catch(reportedToCallers);
  return p;
}

/** Fill in configuration from element attributes, without overriding `configure()`. */
export function configureDefaults(c: Pick<WidgetConfig, 'model' | 'wasmPaths'>): void {
  if (c.model !== undefined) markConfigured();
  if (pending) return;
  if (c.model !== undefined && config.model === undefined) config.model = c.model;
  if (c.wasmPaths !== undefined && config.wasmPaths === undefined) config.wasmPaths = c.wasmPaths;
}

let arm: Promise<{ name: string; arm: string } | null> | null = null;

/** The visitor's arm of the page's experiment (null without one, or when it cannot be had). */
export function experimentArm(rec: Recommender): Promise<{ name: string; arm: string } | null> {
  const e = config.experiment;
  if (!e) return Promise.resolve(null);
  arm ??= rec.experimentArm(e.name, e.arms?.length ? e.arms : ['model', 'popularity']).then(
    (a) => ({ name: e.name, arm: a }),
    (err: unknown) => {
      console.warn('localrec: the experiment arm could not be read; the model answers', err);
      return null;
    },
  );
  return arm;
}

/** The widget's texts in a language, with the page's replacements. */
export function widgetStrings(lang: string | null | undefined): WidgetStrings {
  return stringsFor(lang, config.strings);
}

/** The card settings of the page (image policy, the shop's product data). */
export function cardConfig(): Pick<WidgetConfig, 'images' | 'product'> {
  return { images: config.images ?? 'any', ...(config.product ? { product: config.product } : {}) };
}

/** The page's shared recommender (created on first use). */
export function getRecommender(): Promise<Recommender> {
  if (!pending) {
    const created = createRecommender({
      model: config.model ?? env.model,
      backend: config.backend ?? env.backend,
      ...(config.consent ? { consent: config.consent } : {}),
      ...(config.retentionDays !== undefined ? { retentionDays: config.retentionDays } : {}),
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

/** The error's code for `localrec-error` details: the LocalrecError's, else 'unknown'. */
export function errorCode(e: unknown): string {
  return e instanceof LocalrecError ? e.code : 'unknown';
}

/** One console warning and a `localrec-warning` event (on `target`, else the document). */
export function warn(detail: WarningDetail, target?: EventTarget): void {
  console.warn(`localrec: ${detail.message}`);
  const t = target ?? (typeof document !== 'undefined' ? document : undefined);
  t?.dispatchEvent(new CustomEvent('localrec-warning', { detail, bubbles: true, composed: true }));
}

/** How long track() waits for the recommender before it resolves null (the event is still recorded). */
export const TRACK_WAIT_MS = 1000;
const EVENT_TYPES = new Set(['view', 'click', 'add_to_cart', 'purchase', 'rate']);
/** Events are recorded one after another, in the order the page reported them. */
let queue: Promise<unknown> = Promise.resolve();
let unavailableWarned = false;

function badEvent(event: unknown): string | null {
  if (!event || typeof event !== 'object') return 'an event must be an object';
  const e = event as Partial<TrackEvent>;
  if (typeof e.type !== 'string' || !EVENT_TYPES.has(e.type)) return `unknown event type ${JSON.stringify(e.type)}`;
  if (typeof e.itemId !== 'string' || !e.itemId) return 'an event needs an itemId (a non-empty string)';
  if (e.type === 'rate' && (typeof e.value !== 'number' || !Number.isFinite(e.value)))
    return "a 'rate' event needs a finite value";
  return null;
}

async function record(event: TrackEvent): Promise<StoredEvent | null> {
  let rec: Recommender;
  try {
    // an event reported before the page's configure() must not create the recommender with the defaults
    await configured;
    rec = await getRecommender();
  } catch {
    if (!unavailableWarned)
      warn({ code: 'unavailable', message: 'the recommender is unavailable; events are not recorded' });
    unavailableWarned = true;
    return null;
  }
  if (!rec.has(event.itemId)) {
    warn({
      code: 'unknown-item',
      message: `track(): unknown item id ${JSON.stringify(event.itemId)} skipped`,
      ids: [event.itemId],
    });
    return null;
  }
  try {
    return await rec.track(event);
  } catch (e) {
    warn({
      code: errorCode(e) === 'unknown-item' ? 'unknown-item' : 'bad-event',
      message: `track(): ${String((e as Error)?.message ?? e)}`,
    });
    return null;
  }
}

/**
 * Record a shop event ('view', 'add_to_cart', 'purchase', ...) for the visitor, on the device.
 * Never rejects and never keeps the shop waiting: it resolves to the stored event; or to null
 * while tracking is paused, for an event it skips (malformed, or an item id the model does not
 * know: one console warning and a `localrec-warning` event on the document each), when the
 * recommender could not start, or when the recommender is not ready within TRACK_WAIT_MS — the
 * event is then still recorded, in order, once it is.
 */
export function track(event: TrackEvent): Promise<StoredEvent | null> {
  const why = badEvent(event);
  if (why) {
    warn({ code: 'bad-event', message: `track(): ${why}; the event is skipped` });
    return Promise.resolve(null);
  }
  const copy: TrackEvent = { ...event, time: event.time ?? Date.now() };
  const recorded = queue.then(() => record(copy));
  queue = recorded;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), TRACK_WAIT_MS);
  });
  return Promise.race([recorded, timeout]).finally(() => clearTimeout(timer));
}
