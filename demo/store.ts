/** The demo store's own state: catalog helpers, the cart (the shop's data, kept in localStorage). */
import type { CatalogItem } from '../src/types';
import { displayTitle } from '../src/widget/format';

export interface Catalog {
  items: CatalogItem[];
  byId: Map<string, CatalogItem>;
  genres: { name: string; count: number }[];
  search(q: string): CatalogItem[];
  inGenre(g: string): CatalogItem[];
}

export function buildCatalog(items: CatalogItem[]): Catalog {
  const byId = new Map(items.map((it) => [it.id, it]));
  const counts = new Map<string, number>();
  for (const it of items) for (const g of it.genres) if (g && g !== 'unknown') counts.set(g, (counts.get(g) ?? 0) + 1);
  const genres = [...counts.entries()].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count);
  const norm = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const split = (s: string) =>
    norm(s)
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
  const keys = new Map(items.map((it) => [it.id, { words: split(it.title), shown: norm(displayTitle(it.title)) }]));
  return {
    items,
    byId,
    genres,
    /** Titles whose words start with every word of the query; titles starting with the query first. */
    search(q) {
      const words = split(q);
      if (!words.length) return [];
      const whole = norm(q).trim();
      const hits = items.filter((it) => {
        const k = keys.get(it.id)!;
        return words.every((w) => k.words.some((tw) => tw.startsWith(w)));
      });
      const first = hits.filter((it) => keys.get(it.id)!.shown.startsWith(whole));
      return [...first, ...hits.filter((it) => !first.includes(it))];
    },
    inGenre(g) {
      return items.filter((it) => it.genres.includes(g));
    },
  };
}

/** A stable, made-up price per movie so the store looks like a store. */
export function price(id: string): string {
  let h = 7;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return ['$3.99', '$4.99', '$7.99', '$9.99', '$12.99', '$14.99'][h % 6]!;
}

const CART_KEY = 'reelhouse-cart';

export class Cart {
  #ids: string[];
  #listeners = new Set<() => void>();
  constructor() {
    let ids: string[] = [];
    try {
      const raw = JSON.parse(localStorage.getItem(CART_KEY) ?? '[]') as unknown;
      if (Array.isArray(raw)) ids = raw.filter((x): x is string => typeof x === 'string');
    } catch {
      // an unreadable or corrupt stored cart (storage blocked, edited by hand) starts empty
    }
    this.#ids = ids;
  }
  get ids(): readonly string[] {
    return this.#ids;
  }
  has(id: string): boolean {
    return this.#ids.includes(id);
  }
  add(id: string): void {
    if (!this.has(id)) this.#set([...this.#ids, id]);
  }
  remove(id: string): void {
    this.#set(this.#ids.filter((x) => x !== id));
  }
  clear(): void {
    this.#set([]);
  }
  subscribe(l: () => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  #set(ids: string[]): void {
    this.#ids = ids;
    try {
      localStorage.setItem(CART_KEY, JSON.stringify(ids));
    } catch {
      // storage refuses the write (private mode, full): the cart lives on in memory for this page
    }
    for (const l of this.#listeners) l();
  }
}
