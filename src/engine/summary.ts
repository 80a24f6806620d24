/**
 * What the device holds about the visitor and what shapes their recommendations, as data a privacy
 * panel can put in plain words: how many events and since when, the items and the categories that
 * weigh most in the model's input (recent and strong events weigh more), the adapter's size, the
 * consent, retention and pause state. Computed on the device from the stored history only.
 */
import type { Catalog } from '../core/catalog';
import type { EventType, StoredEvent } from '../types';

export interface VisitorSummary {
  events: number;
  /** time of the oldest and the newest kept event (ms since epoch; null without events) */
  oldest: number | null;
  newest: number | null;
  /** the items that weigh most, heaviest first (at most 5) */
  topItems: { itemId: string; title: string; weight: number }[];
  /** the categories (genres) that weigh most, heaviest first (at most 5) */
  topCategories: { name: string; weight: number }[];
}

/** How much one event says about taste, by type: a purchase says more than a view. */
const TYPE_WEIGHT: Record<EventType, number> = { view: 1, click: 1, add_to_cart: 2, purchase: 3, rate: 2 };
/** An event's weight halves every this many events back (the model reads the recent end). */
const HALF_LIFE = 10;

export function summarize(events: readonly StoredEvent[], catalog: Catalog): VisitorSummary {
  const items = new Map<string, number>();
  const cats = new Map<string, number>();
  let total = 0;
  events.forEach((e, i) => {
    const idx = catalog.indexOf(e.itemId);
    if (idx === undefined) return;
    const w = TYPE_WEIGHT[e.type] * 0.5 ** ((events.length - 1 - i) / HALF_LIFE);
    total += w;
    items.set(e.itemId, (items.get(e.itemId) ?? 0) + w);
    for (const g of catalog.item(idx).genres) if (g && g !== 'unknown') cats.set(g, (cats.get(g) ?? 0) + w);
  });
  const share = (w: number): number => (total > 0 ? Math.round((w / total) * 1000) / 1000 : 0);
  const top = <T>(m: Map<string, number>, f: (k: string, w: number) => T): T[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 5)
      .map(([k, w]) => f(k, share(w)));
  return {
    events: events.length,
    oldest: events.length ? Math.min(...events.map((e) => e.time)) : null,
    newest: events.length ? Math.max(...events.map((e) => e.time)) : null,
    topItems: top(items, (itemId, weight) => ({
      itemId,
      title: catalog.item(catalog.indexOf(itemId)!).title,
      weight,
    })),
    topCategories: top(cats, (name, weight) => ({ name, weight })),
  };
}

/**
 * A visitor's arm of an experiment: deterministic for a visitor seed and an experiment name
 * (FNV-1a of both), uniform over `arms`. The seed is a random number kept with the history (in
 * memory while consent is pending), so it identifies nobody outside the device.
 */
export function experimentArm<A extends string>(seed: number, name: string, arms: readonly A[]): A {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return arms[(h >>> 0) % arms.length]!;
}
