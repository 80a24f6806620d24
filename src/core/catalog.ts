/**
 * The item catalog (`catalog.json` or the binary `catalog.bin`, docs/model-format.md) plus items
 * added in the page.
 * Model index i (1..size) ↔ external id; index 0 is the pad id and never an item.
 */
import { InvalidArgumentError, ModelFormatError } from './errors';
import type { CatalogFile } from './manifest-types';
import type { CatalogItem, ItemDetails, NewItem } from '../types';

function bad(msg: string): never {
  throw new ModelFormatError(`catalog: ${msg}`);
}

/** Read access to the items of the model's catalogue file (0-based positions). */
interface BaseItems {
  readonly size: number;
  /** 1-based model index of an id, 0 when absent */
  find(id: string): number;
  id(i: number): string;
  title(i: number): string;
  genres(i: number): string[];
  year(i: number): number | null;
  pop(i: number): number;
  /** the shop fields of position i (empty when the file has none) */
  details(i: number): ItemDetails;
}

/** catalog.json's optional shop columns: array key -> item field, and whether values are strings or numbers. */
const DETAIL_COLUMNS = [
  ['images', 'image', 'string'],
  ['prices', 'price', 'number'],
  ['currencies', 'currency', 'string'],
  ['urls', 'url', 'string'],
  ['brands', 'brand', 'string'],
  ['availability', 'availability', 'string'],
] as const;
type DetailKey = (typeof DETAIL_COLUMNS)[number][0];
type DetailField = (typeof DETAIL_COLUMNS)[number][1];

/** catalog.json, validated, as parsed arrays plus an id → index map. */
class JsonItems implements BaseItems {
  private readonly byId = new Map<string, number>();
  private constructor(
    private readonly ids: string[],
    private readonly titles: string[],
    private readonly genreLists: string[][],
    private readonly years: (number | null)[],
    private readonly popularity: number[],
    private readonly detailColumns: [DetailField, unknown[]][] = [],
  ) {}

  static from(json: unknown, itemCount: number): JsonItems {
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
    const details: [DetailField, unknown[]][] = [];
    for (const [key, field, type] of DETAIL_COLUMNS) {
      if (o[key] === undefined) continue;
      const v = arr(key);
      v.forEach((x, i) => {
        if (x !== null && (typeof x !== type || (type === 'number' && !Number.isFinite(x))))
          bad(`${key}[${i}] must be a ${type} or null`);
      });
      details.push([field, v]);
    }
    const c = new JsonItems(
      ids as string[],
      titles as string[],
      genres as string[][],
      years as (number | null)[],
      popularity as number[],
      details,
    );
    for (let i = 0; i < itemCount; i++) {
      const id = ids[i];
      if (typeof id !== 'string' || id.length === 0) bad(`ids[${i}] must be a non-empty string`);
      if (c.byId.has(id)) bad(`ids[${i}] ${JSON.stringify(id)} is a duplicate`);
      if (typeof titles[i] !== 'string') bad(`titles[${i}] must be a string`);
      const g = genres[i];
      if (!Array.isArray(g) || !g.every((x) => typeof x === 'string')) bad(`genres[${i}] must be an array of strings`);
      const y = years[i];
      if (!(y === null || (typeof y === 'number' && Number.isInteger(y))))
        bad(`years[${i}] must be an integer or null`);
      const p = popularity[i];
      if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) bad(`popularity[${i}] must be a non-negative number`);
      c.byId.set(id, i + 1);
    }
    return c;
  }

  get size(): number {
    return this.ids.length;
  }
  find(id: string): number {
    return this.byId.get(id) ?? 0;
  }
  id(i: number): string {
    return this.ids[i]!;
  }
  title(i: number): string {
    return this.titles[i]!;
  }
  genres(i: number): string[] {
    return [...this.genreLists[i]!];
  }
  year(i: number): number | null {
    return this.years[i]!;
  }
  pop(i: number): number {
    return this.popularity[i]!;
  }
  details(i: number): ItemDetails {
    const out: Record<string, unknown> = {};
    for (const [field, values] of this.detailColumns) if (values[i] !== null) out[field] = values[i];
    return out as ItemDetails;
  }
  /** the optional shop columns as in the file */
  detailArrays(): Partial<Record<DetailKey, unknown[]>> {
    const out: Partial<Record<DetailKey, unknown[]>> = {};
    for (const [field, values] of this.detailColumns) out[DETAIL_COLUMNS.find((d) => d[1] === field)![0]] = [...values];
    return out;
  }
}

const MAGIC = 0x4243524c; // "LRCB" little-endian
const NO_YEAR = -32768;
const HEADER = 16 + 10 * 8;

/** True when `bytes` start like a binary catalogue (`catalog.bin`). */
export function isBinaryCatalog(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && bytes[0] === 0x4c && bytes[1] === 0x52 && bytes[2] === 0x43 && bytes[3] === 0x42;
}

/** FNV-1a over bytes (32-bit). */
function fnv(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** Running sums of `lengths` (n + 1 offsets); the last must be `end`. */
function offsetsOf(lengths: Uint16Array | Uint8Array, end: number, what: string): Uint32Array {
  const off = new Uint32Array(lengths.length + 1);
  let sum = 0;
  for (let i = 0; i < lengths.length; i++) off[i + 1] = sum += lengths[i]!;
  if (sum !== end) bad(`${what}: the lengths add up to ${sum}, the section holds ${end}`);
  return off;
}

/**
 * catalog.bin (docs/model-format.md, written by training/catalog_bin.py), read in place: the
 * sections stay typed-array views of the file, ids and titles are decoded when asked for, and ids
 * are found through an integer array (decimal ids) or a hash table over their UTF-8 bytes
 * (IdIndex). A million items cost a few typed-array passes at start-up instead of a million
 * JavaScript strings.
 */
class BinaryItems implements BaseItems {
  private readonly dec = new TextDecoder('utf-8', { fatal: true });
  private readonly enc = new TextEncoder();
  private scratch = new Uint8Array(256);

  private constructor(
    readonly size: number,
    private readonly idOff: Uint32Array,
    private readonly idBlob: Uint8Array,
    private readonly titleOff: Uint32Array,
    private readonly titleBlob: Uint8Array,
    private readonly genreNames: string[],
    private readonly itemGenreOff: Uint32Array,
    private readonly itemGenres: Uint16Array,
    private readonly years: Int16Array,
    private readonly popularity: Float32Array,
    private readonly index: IdIndex,
  ) {}

  static from(bytes: Uint8Array, itemCount: number): BinaryItems {
    if (!isBinaryCatalog(bytes) || bytes.byteLength < HEADER) bad('not a binary catalogue (no LRCB header)');
    // an aligned copy when the caller's view is not 4-byte aligned
    const b = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const u32 = (o: number): number => dv.getUint32(o, true);
    if (u32(0) !== MAGIC) bad('not a binary catalogue');
    const version = u32(4);
    if (version !== 1) bad(`binary catalogue version ${version} is not supported (1)`);
    const n = u32(8);
    const g = u32(12);
    if (n !== itemCount) bad(`has ${n} items, the manifest's itemCount is ${itemCount}`);
    const names = [
      'id lengths',
      'ids',
      'title lengths',
      'titles',
      'genre lengths',
      'genres',
      'genre counts',
      'item genres',
      'years',
      'popularity',
    ];
    const sec = names.map((name, k) => {
      const off = u32(16 + 8 * k);
      const len = u32(20 + 8 * k);
      if (off % 4 !== 0 || off < HEADER || off + len > b.byteLength)
        bad(`section ${name} [${off}, +${len}) is misaligned or outside the file`);
      return { off, len, name };
    });
    const view = <T>(
      k: number,
      Ctor: { new (buf: ArrayBufferLike, off: number, len: number): T; BYTES_PER_ELEMENT: number },
      count?: number,
    ): T => {
      const s = sec[k]!;
      if (s.len % Ctor.BYTES_PER_ELEMENT !== 0)
        bad(`section ${s.name} has ${s.len} bytes, not a multiple of ${Ctor.BYTES_PER_ELEMENT}`);
      const len = s.len / Ctor.BYTES_PER_ELEMENT;
      if (count !== undefined && len !== count) bad(`section ${s.name} has ${len} entries, expected ${count}`);
      return new Ctor(b.buffer, b.byteOffset + s.off, len);
    };
    // UTF-8: each blob decodes as a whole and no string starts inside a multi-byte character
    const strings = (k: number, count: number): { off: Uint32Array; blob: Uint8Array } => {
      const blob = view(k + 1, Uint8Array);
      const off = offsetsOf(view(k, Uint16Array, count), blob.length, sec[k + 1]!.name);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(blob);
      } catch (e) {
        throw new ModelFormatError(`catalog: section ${sec[k + 1]!.name} is not valid UTF-8`, { cause: e });
      }
      for (let i = 0; i < count; i++)
        if (off[i]! < blob.length && (blob[off[i]!]! & 0xc0) === 0x80)
          bad(`${sec[k + 1]!.name}[${i}] starts inside a character`);
      return { off, blob };
    };
    const ids = strings(0, n);
    const titles = strings(2, n);
    const genres = strings(4, g);
    const genreNames: string[] = [];
    const dec = new TextDecoder();
    for (let j = 0; j < g; j++) genreNames.push(dec.decode(genres.blob.subarray(genres.off[j], genres.off[j + 1])));
    const itemGenres = view(7, Uint16Array);
    const itemGenreOff = offsetsOf(view(6, Uint8Array, n), itemGenres.length, 'item genres');
    for (let i = 0; i < itemGenres.length; i++)
      if (itemGenres[i]! >= g) bad(`item genre entry ${i} is ${itemGenres[i]}, there are ${g} genres`);
    const years = view(8, Int16Array, n);
    const popularity = view(9, Float32Array, n);
    for (let i = 0; i < n; i++) {
      const p = popularity[i]!;
      if (!(p >= 0) || p === Infinity) bad(`popularity[${i}] must be a non-negative number`);
    }
    const { off: idOff, blob: idBlob } = ids;
    for (let i = 0; i < n; i++) if (idOff[i + 1] === idOff[i]) bad(`ids[${i}] must be a non-empty string`);
    const index = denseIndex(idOff, idBlob, n) ?? hashIndex(idOff, idBlob, n);
    return new BinaryItems(
      n,
      idOff,
      idBlob,
      titles.off,
      titles.blob,
      genreNames,
      itemGenreOff,
      itemGenres,
      years,
      popularity,
      index,
    );
  }

  private text(blob: Uint8Array, a: number, z: number): string {
    return a === z ? '' : this.dec.decode(blob.subarray(a, z));
  }

  find(id: string): number {
    const ix = this.index;
    if (ix.dense) {
      const v = canonicalInt(id);
      return v >= 0 && v < ix.dense.length ? ix.dense[v]! : 0;
    }
    // UTF-8 of the id into a scratch buffer (grown when needed)
    if (id.length * 3 > this.scratch.length) this.scratch = new Uint8Array(id.length * 3);
    const len = this.enc.encodeInto(id, this.scratch).written;
    const slots = ix.slots!;
    const mask = slots.length - 1;
    let h = fnv(this.scratch, 0, len) & mask;
    for (;;) {
      const s = slots[h]!;
      if (s === 0) return 0;
      if (sameBytes(this.idBlob, this.idOff[s - 1]!, this.idOff[s]!, this.scratch, 0, len)) return s;
      h = (h + 1) & mask;
    }
  }
  id(i: number): string {
    return this.text(this.idBlob, this.idOff[i]!, this.idOff[i + 1]!);
  }
  title(i: number): string {
    return this.text(this.titleBlob, this.titleOff[i]!, this.titleOff[i + 1]!);
  }
  genres(i: number): string[] {
    const out: string[] = [];
    for (let j = this.itemGenreOff[i]!; j < this.itemGenreOff[i + 1]!; j++)
      out.push(this.genreNames[this.itemGenres[j]!]!);
    return out;
  }
  year(i: number): number | null {
    const y = this.years[i]!;
    return y === NO_YEAR ? null : y;
  }
  pop(i: number): number {
    return this.popularity[i]!;
  }
  details(): ItemDetails {
    return {}; // the binary form carries no shop columns
  }
}

/**
 * id → model index. `dense`: every id is a canonical decimal integer (no sign, no leading zero,
 * at most 9 digits) and the largest is at most 4n + 1024, so an array indexed by the integer
 * holds the model index (the datasets' own ids are like this). Else `slots`: open addressing over
 * the ids' UTF-8 bytes (FNV-1a, linear probing), slot = model index, 0 = empty.
 */
interface IdIndex {
  dense?: Int32Array;
  slots?: Int32Array;
}

/** The integer of a canonical decimal id of at most 9 digits, else -1. */
function canonicalInt(id: string): number {
  const L = id.length;
  if (L === 0 || L > 9 || (L > 1 && id.charCodeAt(0) === 48)) return -1;
  let v = 0;
  for (let i = 0; i < L; i++) {
    const c = id.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function denseIndex(off: Uint32Array, blob: Uint8Array, n: number): IdIndex | null {
  const limit = 4 * n + 1024;
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = off[i]!;
    const L = off[i + 1]! - a;
    if (L > 9 || (L > 1 && blob[a] === 48)) return null;
    let v = 0;
    for (let j = a; j < a + L; j++) {
      const c = blob[j]! - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    if (v > limit) return null;
    values[i] = v;
  }
  let max = 0;
  for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
  const dense = new Int32Array(max + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (dense[v] !== 0) bad(`ids[${i}] is a duplicate of ids[${dense[v]! - 1}]`);
    dense[v] = i + 1;
  }
  return { dense };
}

function hashIndex(off: Uint32Array, blob: Uint8Array, n: number): IdIndex {
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const slots = new Int32Array(cap);
  const mask = cap - 1;
  for (let i = 0; i < n; i++) {
    const a = off[i]!;
    const z = off[i + 1]!;
    let h = fnv(blob, a, z) & mask;
    for (;;) {
      const s = slots[h]!;
      if (s === 0) {
        slots[h] = i + 1;
        break;
      }
      if (sameBytes(blob, off[s - 1]!, off[s]!, blob, a, z)) bad(`ids[${i}] is a duplicate of ids[${s - 1}]`);
      h = (h + 1) & mask;
    }
  }
  return { slots };
}

function sameBytes(a: Uint8Array, a0: number, a1: number, b: Uint8Array, b0: number, b1: number): boolean {
  if (a1 - a0 !== b1 - b0) return false;
  for (let i = 0; i < a1 - a0; i++) if (a[a0 + i] !== b[b0 + i]) return false;
  return true;
}

/** Fields of a catalogue item changed in the page (addItems on an existing id). */
interface Override {
  title?: string;
  genres?: string[];
  year?: number | null;
}

export class Catalog {
  /** items added in the page (model indices baseSize+1..) */
  private readonly ids: string[] = [];
  private readonly titles: string[] = [];
  private readonly genres: string[][] = [];
  private readonly years: (number | null)[] = [];
  private readonly byId = new Map<string, number>();
  private readonly overrides = new Map<number, Override>();
  /** Number of items that came from the catalogue file (the rest were added with addItems). */
  readonly baseSize: number;
  private popOrder: Int32Array | null = null;

  private constructor(private readonly base: BaseItems) {
    this.baseSize = base.size;
  }

  /**
   * Builds a catalog from parsed `catalog.json`. Validates that every array has `itemCount`
   * entries of the right types and that ids are unique; throws ModelFormatError otherwise.
   */
  static fromJSON(json: unknown, itemCount: number): Catalog {
    return new Catalog(JsonItems.from(json, itemCount));
  }

  /**
   * Builds a catalog from the bytes of a catalogue file: the binary format (`catalog.bin`, read in
   * place) when they start with its magic, else `catalog.json`. Throws ModelFormatError.
   */
  static fromBytes(bytes: Uint8Array, itemCount: number): Catalog {
    if (isBinaryCatalog(bytes)) return new Catalog(BinaryItems.from(bytes, itemCount));
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new ModelFormatError('catalog: neither JSON nor a binary catalogue', { cause: e });
    }
    return Catalog.fromJSON(json, itemCount);
  }

  /** Number of items (catalog + added); valid model indices are 1..size. */
  get size(): number {
    return this.baseSize + this.ids.length;
  }

  /** Model index of an external id, or undefined. */
  indexOf(id: string): number | undefined {
    if (typeof id !== 'string') return undefined;
    const i = this.base.find(id);
    return i > 0 ? i : this.byId.get(id);
  }

  has(id: string): boolean {
    return this.indexOf(id) !== undefined;
  }

  private check(index: number): number {
    if (!Number.isInteger(index) || index < 1 || index > this.size) {
      throw new InvalidArgumentError(`model index ${index} is out of range 1..${this.size}`);
    }
    return index - 1;
  }

  /** External id of a model index (throws InvalidArgumentError when out of range). */
  idAt(index: number): string {
    const i = this.check(index);
    return i < this.baseSize ? this.base.id(i) : this.ids[i - this.baseSize]!;
  }

  /** The item at a model index (a fresh object; genres copied). */
  item(index: number): CatalogItem {
    const i = this.check(index);
    if (i >= this.baseSize) {
      const j = i - this.baseSize;
      return { id: this.ids[j]!, title: this.titles[j]!, genres: [...this.genres[j]!], year: this.years[j]! };
    }
    const o = this.overrides.get(i);
    return {
      id: this.base.id(i),
      title: o?.title ?? this.base.title(i),
      genres: o?.genres ? [...o.genres] : this.base.genres(i),
      year: o && 'year' in o ? o.year! : this.base.year(i),
      ...this.base.details(i),
    };
  }

  /** Popularity (training interactions) of a model index; 0 for added items. */
  popularity(index: number): number {
    const i = this.check(index);
    return i < this.baseSize ? this.base.pop(i) : 0;
  }

  /**
   * The k most popular items' model indices, most popular first, ties by lower index,
   * skipping `excludeIndices`. Added items (popularity 0) come after every catalog item with popularity > 0.
   */
  popular(k: number, excludeIndices?: Iterable<number>): number[] {
    if (!this.popOrder || this.popOrder.length !== this.size) {
      const order = new Int32Array(this.size);
      const pop = new Float64Array(this.size);
      for (let i = 0; i < order.length; i++) {
        order[i] = i + 1;
        pop[i] = i < this.baseSize ? this.base.pop(i) : 0;
      }
      order.sort((a, b) => pop[b - 1]! - pop[a - 1]! || a - b);
      this.popOrder = order;
    }
    const ex = excludeIndices
      ? excludeIndices instanceof Set
        ? (excludeIndices as Set<number>)
        : new Set(excludeIndices)
      : null;
    const out: number[] = [];
    if (k <= 0) return out;
    for (const idx of this.popOrder) {
      if (ex?.has(idx)) continue;
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
      if (typeof it.id !== 'string' || it.id.length === 0)
        throw new InvalidArgumentError(`items[${i}].id must be a non-empty string`);
      if (it.title !== undefined && typeof it.title !== 'string')
        throw new InvalidArgumentError(`items[${i}].title must be a string`);
      if (it.genres !== undefined && !(Array.isArray(it.genres) && it.genres.every((g) => typeof g === 'string'))) {
        throw new InvalidArgumentError(`items[${i}].genres must be an array of strings`);
      }
      if (it.year !== undefined && it.year !== null && !(typeof it.year === 'number' && Number.isInteger(it.year))) {
        throw new InvalidArgumentError(`items[${i}].year must be an integer or null`);
      }
    });
    return items.map((it) => {
      const existing = this.indexOf(it.id);
      if (existing !== undefined && existing <= this.baseSize) {
        const o = this.overrides.get(existing - 1) ?? {};
        if (it.title !== undefined) o.title = it.title;
        if (it.genres !== undefined) o.genres = [...it.genres];
        if (it.year !== undefined) o.year = it.year;
        this.overrides.set(existing - 1, o);
        return existing;
      }
      if (existing !== undefined) {
        const j = existing - 1 - this.baseSize;
        if (it.title !== undefined) this.titles[j] = it.title;
        if (it.genres !== undefined) this.genres[j] = [...it.genres];
        if (it.year !== undefined) this.years[j] = it.year;
        return existing;
      }
      this.ids.push(it.id);
      this.titles.push(it.title ?? '');
      this.genres.push(it.genres ? [...it.genres] : []);
      this.years.push(it.year ?? null);
      const index = this.size;
      this.byId.set(it.id, index);
      return index;
    });
  }

  /** The catalogue file's items (1..baseSize, as read, page changes not included) in catalog.json's shape. */
  fileData(): CatalogFile {
    const n = this.baseSize;
    const b = this.base;
    const out: CatalogFile = { ids: [], titles: [], genres: [], years: [], popularity: [] };
    for (let i = 0; i < n; i++) {
      out.ids.push(b.id(i));
      out.titles.push(b.title(i));
      out.genres.push(b.genres(i));
      out.years.push(b.year(i));
      out.popularity.push(b.pop(i));
    }
    if (b instanceof JsonItems) Object.assign(out, b.detailArrays());
    return out;
  }

  /** Iterates [modelIndex, item] over all items in index order. */
  *items(): IterableIterator<[number, CatalogItem]> {
    for (let i = 1; i <= this.size; i++) yield [i, this.item(i)];
  }
}
