/**
 * Items a page adds that the model never saw (new products): their tokens come from the model's
 * item encoder (encoder.onnx, run where the model runs); they are kept in IndexedDB so they survive
 * a reload, and recomputed when the model changes.
 */
import type { Catalog } from '../core/catalog';
import { InvalidArgumentError, ModelFormatError, StorageUnavailableError } from '../core/errors';
import { itemFeatures } from '../core/features';
import { settled } from '../core/settle';
import type { ItemTable } from '../core/item-table';
import type { ModelManifest } from '../core/manifest-types';
import type { CatalogItem, NewItem } from '../types';
import type { Engine } from './operations';
import type { HistoryStore, StoredItem } from './store';
import { validateNewItems } from './validate';

export class AddedItems {
  /** one addItems at a time: catalogue and table grow in step */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly manifest: ModelManifest,
    private readonly catalog: Catalog,
    private readonly table: ItemTable,
    private readonly engine: Engine,
    private readonly store: HistoryStore,
    readonly hasEncoder: boolean,
  ) {}

  /** Items added in the page (after the model's own), in catalogue order. */
  list(): CatalogItem[] {
    const out: CatalogItem[] = [];
    for (let i = this.manifest.itemCount + 1; i <= this.catalog.size; i++) out.push(this.catalog.item(i));
    return out;
  }

  /** See Recommender.addItems. `alive` throws once the recommender is closed. */
  add(items: NewItem[], alive: () => void): Promise<CatalogItem[]> {
    const run = async (): Promise<CatalogItem[]> => {
      alive();
      const normalized = this.check(items);
      if (normalized.length === 0) return [];
      const tokens = await this.encode(normalized);
      const now = Date.now();
      // stored first: on a full disk (QuotaError) the catalogue stays as it was
      await this.store.putItems(
        normalized.map((it, j) => ({
          ...it,
          genres: [...it.genres],
          token: Array.from(tokens[j]!),
          modelVersion: this.manifest.modelVersion,
          added: now + j / 1000,
        })),
      );
      this.insert(normalized, tokens);
      return normalized.map((it) => this.catalog.item(this.catalog.indexOf(it.id)!));
    };
    const p = this.queue.then(run, run);
    this.queue = settled(p);
    return p;
  }

  /** Ids and fields checked before anything changes; the items with defaults filled in. */
  private check(items: NewItem[]): CatalogItem[] {
    if (!Array.isArray(items)) throw new InvalidArgumentError('addItems expects an array of items');
    if (!this.hasEncoder || !this.manifest.content) {
      throw new ModelFormatError('this model has no item encoder: addItems is not available');
    }
    const seen = new Set<string>();
    for (const [j, it] of items.entries()) {
      if (typeof it !== 'object' || it === null) throw new InvalidArgumentError(`items[${j}] must be an object`);
      if (typeof it.id !== 'string' || it.id.length === 0) {
        throw new InvalidArgumentError(`items[${j}].id must be a non-empty string`);
      }
      const idx = this.catalog.indexOf(it.id);
      if (idx !== undefined && idx <= this.manifest.itemCount) {
        throw new InvalidArgumentError(`items[${j}].id ${JSON.stringify(it.id)} is in the model's catalog already`);
      }
      if (seen.has(it.id)) throw new InvalidArgumentError(`items[${j}].id ${JSON.stringify(it.id)} appears twice`);
      seen.add(it.id);
    }
    const normalized = items.map((it) => ({
      id: it.id,
      title: it.title ?? '',
      genres: it.genres ?? [],
      year: it.year ?? null,
    }));
    validateNewItems(normalized);
    return normalized;
  }

  private async encode(items: CatalogItem[]): Promise<Float32Array[]> {
    const c = this.manifest.content!;
    const feats = new BigInt64Array(items.length * c.maxFeatures);
    items.forEach((it, j) => {
      const f = itemFeatures(it, c);
      for (let x = 0; x < c.maxFeatures; x++) feats[j * c.maxFeatures + x] = BigInt(f[x]!);
    });
    const flat = await this.engine.encode(feats, items.length);
    const d = this.manifest.dim;
    return items.map((_, j) => flat.slice(j * d, (j + 1) * d));
  }

  /** Adds to catalogue and table in lockstep (catalogue index i ↔ table row i). */
  private insert(items: CatalogItem[], tokens: Float32Array[]): void {
    const idx = this.catalog.addItems(items);
    idx.forEach((i, j) => {
      if (i < this.table.rows) this.table.replace(i, tokens[j]!);
      else if (i === this.table.rows) this.table.append([tokens[j]!]);
      else throw new ModelFormatError(`catalog and item table out of step at index ${i}`);
    });
  }

  /**
   * Restores the items added in earlier visits. Their stored tokens are used when they belong to
   * this model version; the others are encoded again. Returns the problems met (the items
   * concerned are left out), never throws: stored shop data must not stop the recommender.
   */
  async restore(): Promise<Error[]> {
    const problems: Error[] = [];
    let stored: StoredItem[];
    try {
      stored = await this.store.listItems();
    } catch (err) {
      return [err instanceof Error ? err : new Error(String(err))];
    }
    const ready: CatalogItem[] = [];
    const tokens: Float32Array[] = [];
    const stale: CatalogItem[] = [];
    for (const s of stored) {
      if (!wellFormed(s, this.manifest.dim)) {
        problems.push(new StorageUnavailableError(`a stored added item is malformed and is left out: ${short(s)}`));
        continue;
      }
      if (this.catalog.has(s.id) && this.catalog.indexOf(s.id)! <= this.manifest.itemCount) continue;
      const it = { id: s.id, title: s.title, genres: s.genres, year: s.year };
      if (s.modelVersion === this.manifest.modelVersion && s.token.length === this.manifest.dim) {
        ready.push(it);
        tokens.push(Float32Array.from(s.token));
      } else stale.push(it);
    }
    if (ready.length) this.insert(ready, tokens);
    if (stale.length && this.hasEncoder) {
      // the model changed since: their tokens are recomputed with the new encoder
      try {
        await this.add(stale, () => undefined);
      } catch (err) {
        problems.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    return problems;
  }
}

/** A stored added item with the fields and types addItems writes (a token of any length: re-encoded when not `dim`). */
function wellFormed(s: unknown, dim: number): s is StoredItem {
  if (typeof s !== 'object' || s === null) return false;
  const r = s as Partial<StoredItem>;
  return (
    typeof r.id === 'string' &&
    r.id.length > 0 &&
    typeof r.title === 'string' &&
    Array.isArray(r.genres) &&
    r.genres.every((g) => typeof g === 'string') &&
    (r.year === null || (typeof r.year === 'number' && Number.isInteger(r.year))) &&
    typeof r.modelVersion === 'string' &&
    Array.isArray(r.token) &&
    (r.token.length !== dim || r.token.every((x) => typeof x === 'number' && Number.isFinite(x)))
  );
}

function short(v: unknown): string {
  try {
    return JSON.stringify(v).slice(0, 80);
  } catch {
    return String(v).slice(0, 80);
  }
}
