/**
 * The item catalog (`catalog.json`, docs/model-format.md) plus items added in the page.
 * Model index i (1..size) ↔ external id; index 0 is the pad id and never an item.
 */
import { InvalidArgumentError, ModelFormatError } from './errors';
import type { CatalogItem, NewItem } from '../types';

function bad(msg: string): never {
  throw new ModelFormatError(`catalog: ${msg}`);
}

export class Catalog {
  private readonly ids: string[] = [];
  private readonly titles: string[] = [];
  private readonly genres: string[][] = [];
  private readonly years: (number | null)[] = [];
  private readonly pop: number[] = [];
  private readonly byId = new Map<string, number>();
  /** Number of items that came from catalog.json (the rest were added with addItems). */
  readonly baseSize: number;
  private popOrder: Int32Array | null = null;

  private constructor(baseSize: number) {
    this.baseSize = baseSize;
  }

  /**
   * Builds a catalog from parsed `catalog.json`. Validates that every array has `itemCount`
   * entries of the right types and that ids are unique; throws ModelFormatError otherwise.
   */
  static fromJSON(json: unknown, itemCount: number): Catalog {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) bad('must be an object');
    const o = json as Record<string, unknown>;
    const arr = (key: string): unknown[] => {
      const v = o[key];
      if (!Array.isArray(v)) bad(`${key} must be an array`);
      if (v.length !== itemCount) bad(`${key} has ${v.length} entries, the manifest's itemCount is ${itemCount}`);
      return v;
    };
    const ids = arr('ids');
    const titles = arr('titles');
    const genres = arr('genres');
    const years = arr('years');
    const popularity = arr('popularity');
    const c = new Catalog(itemCount);
    for (let i = 0; i < itemCount; i++) {
      const id = ids[i];
      if (typeof id !== 'string' || id.length === 0) bad(`ids[${i}] must be a non-empty string`);
      if (c.byId.has(id)) bad(`ids[${i}] ${JSON.stringify(id)} is a duplicate`);
      const t = titles[i];
      if (typeof t !== 'string') bad(`titles[${i}] must be a string`);
      const g = genres[i];
      if (!Array.isArray(g) || !g.every((x) => typeof x === 'string')) bad(`genres[${i}] must be an array of strings`);
      const y = years[i];
      if (!(y === null || (typeof y === 'number' && Number.isInteger(y)))) bad(`years[${i}] must be an integer or null`);
      const p = popularity[i];
      if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) bad(`popularity[${i}] must be a non-negative number`);
      c.ids.push(id);
      c.titles.push(t);
      c.genres.push(g as string[]);
      c.years.push(y as number | null);
      c.pop.push(p);
      c.byId.set(id, i + 1);
    }
    return c;
  }

  /** Number of items (catalog + added); valid model indices are 1..size. */
  get size(): number {
    return this.ids.length;
  }

  /** Model index of an external id, or undefined. */
  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  private check(index: number): number {
    if (!Number.isInteger(index) || index < 1 || index > this.ids.length) {
      throw new InvalidArgumentError(`model index ${index} is out of range 1..${this.ids.length}`);
    }
    return index - 1;
  }

  /** External id of a model index (throws InvalidArgumentError when out of range). */
  idAt(index: number): string {
    return this.ids[this.check(index)]!;
  }

  /** The item at a model index (a fresh object; genres copied). */
  item(index: number): CatalogItem {
    const i = this.check(index);
    return { id: this.ids[i]!, title: this.titles[i]!, genres: [...this.genres[i]!], year: this.years[i]! };
  }

  /** Popularity (training interactions) of a model index; 0 for added items. */
  popularity(index: number): number {
    return this.pop[this.check(index)]!;
  }

  /**
   * The k most popular items' model indices, most popular first, ties by lower index,
   * skipping `excludeIndices`. Added items (popularity 0) come after every catalog item with popularity > 0.
   */
  popular(k: number, excludeIndices?: Iterable<number>): number[] {
    if (!this.popOrder || this.popOrder.length !== this.ids.length) {
      const order = new Int32Array(this.ids.length);
      for (let i = 0; i < order.length; i++) order[i] = i + 1;
      const pop = this.pop;
      order.sort((a, b) => pop[b - 1]! - pop[a - 1]! || a - b);
      this.popOrder = order;
    }
    const ex = excludeIndices ? (excludeIndices instanceof Set ? (excludeIndices as Set<number>) : new Set(excludeIndices)) : null;
    const out: number[] = [];
    if (k <= 0) return out;
    for (const idx of this.popOrder) {
      if (ex && ex.has(idx)) continue;
      out.push(idx);
      if (out.length >= k) break;
    }
    return out;
  }

  /**
   * Adds items that are not in the model (page-added). A new id gets the next model index
   * (size+1, ...). Re-adding an id that already exists keeps its index and updates the
   * fields that are given (title, genres, year); an omitted field is left as it was.
   * Returns the model index of each input item, in order. Throws InvalidArgumentError on a
   * malformed item (nothing is added then).
   */
  addItems(items: NewItem[]): number[] {
    if (!Array.isArray(items)) throw new InvalidArgumentError('addItems expects an array of items');
    items.forEach((it, i) => {
      if (typeof it !== 'object' || it === null) throw new InvalidArgumentError(`items[${i}] must be an object`);
      if (typeof it.id !== 'string' || it.id.length === 0) throw new InvalidArgumentError(`items[${i}].id must be a non-empty string`);
      if (it.title !== undefined && typeof it.title !== 'string') throw new InvalidArgumentError(`items[${i}].title must be a string`);
      if (it.genres !== undefined && !(Array.isArray(it.genres) && it.genres.every((g) => typeof g === 'string'))) {
        throw new InvalidArgumentError(`items[${i}].genres must be an array of strings`);
      }
      if (it.year !== undefined && it.year !== null && !(typeof it.year === 'number' && Number.isInteger(it.year))) {
        throw new InvalidArgumentError(`items[${i}].year must be an integer or null`);
      }
    });
    return items.map((it) => {
      const existing = this.byId.get(it.id);
      if (existing !== undefined) {
        const i = existing - 1;
        if (it.title !== undefined) this.titles[i] = it.title;
        if (it.genres !== undefined) this.genres[i] = [...it.genres];
        if (it.year !== undefined) this.years[i] = it.year;
        return existing;
      }
      this.ids.push(it.id);
      this.titles.push(it.title ?? '');
      this.genres.push(it.genres ? [...it.genres] : []);
      this.years.push(it.year ?? null);
      this.pop.push(0);
      const index = this.ids.length;
      this.byId.set(it.id, index);
      return index;
    });
  }

  /** Iterates [modelIndex, item] over all items in index order. */
  *items(): IterableIterator<[number, CatalogItem]> {
    for (let i = 1; i <= this.ids.length; i++) yield [i, this.item(i)];
  }
}
