/**
 * What a page passes in, checked once at the edge: createRecommender's options, recommend() and
 * similar() options, events, new items. Every refusal is a typed error naming the field.
 */
import { ADAPTER_DEFAULTS, type AdapterOptions, createAdapter } from '../core/adapter';
import type { Catalog } from '../core/catalog';
import { BadEventError, InvalidArgumentError, UnknownItemError } from '../core/errors';
import type { ModelManifest } from '../core/manifest-types';
import type { CatalogItem, CreateOptions, EventType } from '../types';
import type { NewEvent } from './store';

export const EVENT_TYPES: readonly EventType[] = ['view', 'click', 'add_to_cart', 'purchase', 'rate'];
export const DEFAULT_K = 10;

/** Keys a page may pass to each call; anything else is a typo worth reporting. */
export const RECOMMEND_KEYS: ReadonlySet<string> = new Set([
  'k',
  'exclude',
  'candidates',
  'includeSeen',
  'unknownIds',
  'strategy',
]);
export const SIMILAR_KEYS: ReadonlySet<string> = new Set(['k', 'exclude', 'unknownIds']);
const CREATE_KEYS: ReadonlySet<string> = new Set<keyof CreateOptions>([
  'model',
  'backend',
  'wasmPaths',
  'worker',
  'dbName',
  'maxEvents',
  'onProgress',
  'stallTimeoutMs',
  'adapter',
  'resume',
  'consent',
  'retentionDays',
]);
const ADAPTER_KEYS: ReadonlySet<string> = new Set(Object.keys(ADAPTER_DEFAULTS));

/** Checks createRecommender's options: typed errors now instead of surprises later. */
export function checkCreateOptions(opts: unknown): CreateOptions {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new InvalidArgumentError('createRecommender expects an options object');
  }
  for (const key of Object.keys(opts)) {
    if (!CREATE_KEYS.has(key))
      throw new InvalidArgumentError(`createRecommender: unknown option ${JSON.stringify(key)}`);
  }
  const o = opts as CreateOptions;
  if (typeof o.model !== 'string' || o.model.length === 0) {
    throw new InvalidArgumentError('options.model must be the model folder URL');
  }
  if (o.backend !== undefined && !['auto', 'webgpu', 'wasm'].includes(o.backend)) {
    throw new InvalidArgumentError(`options.backend must be 'auto', 'webgpu' or 'wasm'`);
  }
  if (o.maxEvents !== undefined && !(Number.isInteger(o.maxEvents) && o.maxEvents >= 1)) {
    throw new InvalidArgumentError('options.maxEvents must be a positive integer');
  }
  if (o.wasmPaths !== undefined && typeof o.wasmPaths !== 'string') {
    throw new InvalidArgumentError('options.wasmPaths must be a string');
  }
  if (o.worker !== undefined && typeof o.worker !== 'boolean')
    throw new InvalidArgumentError('options.worker must be a boolean');
  if (o.resume !== undefined && typeof o.resume !== 'boolean')
    throw new InvalidArgumentError('options.resume must be a boolean');
  if (o.dbName !== undefined && (typeof o.dbName !== 'string' || !o.dbName)) {
    throw new InvalidArgumentError('options.dbName must be a non-empty string');
  }
  if (o.stallTimeoutMs !== undefined && !(typeof o.stallTimeoutMs === 'number' && o.stallTimeoutMs > 0)) {
    throw new InvalidArgumentError('options.stallTimeoutMs must be a positive number of milliseconds');
  }
  if (o.consent !== undefined && !['granted', 'required', 'consent-mode'].includes(o.consent)) {
    throw new InvalidArgumentError(`options.consent must be 'granted', 'required' or 'consent-mode'`);
  }
  if (o.retentionDays !== undefined && !(typeof o.retentionDays === 'number' && o.retentionDays > 0)) {
    throw new InvalidArgumentError('options.retentionDays must be a positive number of days (Infinity: keep)');
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw new InvalidArgumentError('options.onProgress must be a function');
  }
  const a = o.adapter;
  if (a !== undefined && typeof a !== 'boolean' && (typeof a !== 'object' || a === null || Array.isArray(a))) {
    throw new InvalidArgumentError('options.adapter must be a boolean or an object of adapter settings');
  }
  return o;
}

/** `options.adapter` → the settings (null = off); bad settings → InvalidArgumentError. */
export function adapterSetting(a: CreateOptions['adapter'], m: ModelManifest): AdapterOptions | null {
  if (a === false) return null;
  const o: AdapterOptions = a === undefined || a === true ? {} : { ...a };
  for (const k of Object.keys(o)) {
    if (!ADAPTER_KEYS.has(k)) throw new InvalidArgumentError(`options.adapter: unknown setting ${JSON.stringify(k)}`);
  }
  createAdapter(m.modelVersion, m.dim, m.experts, o); // validates every setting
  return o;
}

/** A call's options object: undefined → {}, unknown keys refused. */
export function checkOptions(opts: unknown, keys: ReadonlySet<string>, call: string): Record<string, unknown> {
  if (opts === undefined) return {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new InvalidArgumentError(`${call} options must be an object`);
  }
  for (const key of Object.keys(opts)) {
    if (!keys.has(key)) throw new InvalidArgumentError(`${call}: unknown option ${JSON.stringify(key)}`);
  }
  return opts as Record<string, unknown>;
}

/** k: a positive integer (default 10), capped at the catalogue's size. */
export function checkK(k: unknown, catalogSize: number): number {
  if (k === undefined) return DEFAULT_K;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new InvalidArgumentError(`k must be a positive integer, got ${String(k)}`);
  }
  return Math.min(k, catalogSize);
}

/** The catalogue index of an id; UnknownItemError when it is not in the catalogue. */
export function indexOfId(catalog: Catalog, id: unknown, what: string): number {
  if (typeof id !== 'string') throw new InvalidArgumentError(`${what} must be a string item id, got ${typeof id}`);
  const i = catalog.indexOf(id);
  if (i === undefined) throw new UnknownItemError(id);
  return i;
}

/**
 * An optional array of ids → catalogue indices. Unknown ids are refused (UnknownItemError), or,
 * given `skipped`, left out and collected there (a shop's new products the model never saw).
 */
export function idList(catalog: Catalog, v: unknown, what: string, skipped?: string[]): number[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InvalidArgumentError(`${what} must be an array of item ids`);
  const out: number[] = [];
  for (const [j, id] of v.entries()) {
    if (skipped && typeof id === 'string' && !catalog.has(id)) {
      if (!skipped.includes(id)) skipped.push(id);
      continue;
    }
    out.push(indexOfId(catalog, id, `${what}[${j}]`));
  }
  return out;
}

/** `unknownIds`: 'error' (default) refuses unknown ids; 'skip' leaves them out and lists them in the answer. */
export function unknownIdsSetting(v: unknown): 'error' | 'skip' {
  if (v === undefined || v === 'error' || v === 'skip') return v ?? 'error';
  throw new InvalidArgumentError(`unknownIds must be 'error' or 'skip', got ${JSON.stringify(v)}`);
}

/**
 * Checks an event and returns the event to store. Each field is read once, so what is checked is
 * what is stored (an object whose getters answer differently on each read cannot slip through).
 */
export function validateEvent(e: unknown, catalog: Catalog): NewEvent {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new BadEventError('an event must be an object');
  const ev = e as Record<string, unknown>;
  const type = ev.type;
  const itemId = ev.itemId;
  const rawValue = ev.value;
  const rawTime = ev.time;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    throw new BadEventError(`event type must be one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  if (typeof itemId !== 'string') throw new BadEventError(`event itemId must be a string, got ${typeof itemId}`);
  if (!catalog.has(itemId)) throw new UnknownItemError(itemId);
  let value: number | null = null;
  if (type === 'rate') {
    if (typeof rawValue !== 'number' || !Number.isFinite(rawValue)) {
      throw new BadEventError('a rate event needs a finite numeric value');
    }
    value = rawValue;
  } else if (rawValue !== undefined && rawValue !== null) {
    if (typeof rawValue !== 'number' || !Number.isFinite(rawValue)) {
      throw new BadEventError('event value must be a finite number');
    }
    value = rawValue;
  }
  let time = Date.now();
  if (rawTime !== undefined) {
    if (typeof rawTime !== 'number' || !Number.isFinite(rawTime) || rawTime < 0) {
      throw new BadEventError('event time must be a non-negative finite number (ms since epoch)');
    }
    time = rawTime;
  }
  return { type: type as EventType, itemId, value, time };
}

/** Field types of items a page adds (ids are checked by the caller, which knows the catalogue). */
export function validateNewItems(items: CatalogItem[]): void {
  items.forEach((it, i) => {
    if (typeof it.title !== 'string') throw new InvalidArgumentError(`items[${i}].title must be a string`);
    if (!(Array.isArray(it.genres) && it.genres.every((g) => typeof g === 'string'))) {
      throw new InvalidArgumentError(`items[${i}].genres must be an array of strings`);
    }
    if (it.year !== null && !(typeof it.year === 'number' && Number.isInteger(it.year))) {
      throw new InvalidArgumentError(`items[${i}].year must be an integer or null`);
    }
  });
}
