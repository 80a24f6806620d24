/**
 * Measurement without surveillance: the widget's own DOM events (`localrec-impression` when a row
 * shows items, `localrec-select` when a card is chosen) pushed, when the shop opts in, to its
 * `dataLayer` as GA4 e-commerce events `view_item_list` and `select_item`. What they carry is the
 * items shown or chosen, the row (placement) and the positions — what the shop's analytics sees
 * on its own pages anyway — and the experiment arm when there is one. Never the history, the
 * reasons, the scores or anything learned.
 */
import type { ImpressionDetail, SelectDetail } from './element';

export type { ImpressionDetail, SelectDetail };

/** One item a row showed, as the impression event carries it. */
type ShownItem = ImpressionDetail['items'][number];

interface Ga4Item {
  item_id: string;
  item_name?: string;
  index: number;
  item_list_name: string;
  price?: number;
  item_brand?: string;
  item_category?: string;
}

export interface Ga4Event {
  event: 'view_item_list' | 'select_item';
  ecommerce: { item_list_id: string; item_list_name: string; currency?: string; items: Ga4Item[] };
  experiment_name?: string;
  experiment_arm?: string;
}

function ga4Item(it: ShownItem, index: number, list: string): Ga4Item {
  const out: Ga4Item = { item_id: it.id, index, item_list_name: list };
  if (it.title) out.item_name = it.title;
  if (typeof it.price === 'number' && Number.isFinite(it.price)) out.price = it.price;
  if (it.brand) out.item_brand = it.brand;
  if (it.category) out.item_category = it.category;
  return out;
}

/** The chosen item's shown fields (its catalogue fields, read defensively). */
function chosen(d: SelectDetail): ShownItem {
  const it = (d.item ?? {}) as {
    title?: unknown;
    price?: unknown;
    currency?: unknown;
    brand?: unknown;
    category?: unknown;
  };
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const out: ShownItem = { id: d.itemId };
  const title = text(it.title);
  if (title) out.title = title;
  if (typeof it.price === 'number' && Number.isFinite(it.price)) out.price = it.price;
  const currency = text(it.currency);
  if (currency) out.currency = currency;
  const brand = text(it.brand);
  if (brand) out.brand = brand;
  const category = text(it.category);
  if (category) out.category = category;
  return out;
}

/** The GA4 event of a widget event (pure: what is pushed is exactly this). */
export function ga4Event(kind: 'impression', detail: ImpressionDetail): Ga4Event;
export function ga4Event(kind: 'select', detail: SelectDetail): Ga4Event;
export function ga4Event(kind: 'impression' | 'select', detail: ImpressionDetail | SelectDetail): Ga4Event {
  const list = detail.placement;
  const items =
    kind === 'impression'
      ? (detail as ImpressionDetail).items.map((it, i) => ga4Item(it, i, list))
      : [ga4Item(chosen(detail as SelectDetail), (detail as SelectDetail).index, list)];
  const currency = (kind === 'impression' ? (detail as ImpressionDetail).items[0] : chosen(detail as SelectDetail))
    ?.currency;
  const out: Ga4Event = {
    event: kind === 'impression' ? 'view_item_list' : 'select_item',
    ecommerce: { item_list_id: list, item_list_name: list, ...(currency ? { currency } : {}), items },
  };
  if (detail.experiment) {
    out.experiment_name = detail.experiment.name;
    out.experiment_arm = detail.experiment.arm;
  }
  return out;
}

/**
 * Opt in: from now on every row's impressions and selections on this page are pushed to
 * `window.dataLayer` (created when missing) as GA4 e-commerce events. Returns a function that stops.
 */
export function measureWithDataLayer(target: EventTarget = document): () => void {
  const g = globalThis as { dataLayer?: unknown[] };
  const push = (e: Ga4Event): void => {
    g.dataLayer ??= [];
    // GA4's own advice: clear the previous ecommerce object so fields do not carry over
    g.dataLayer.push({ ecommerce: null });
    g.dataLayer.push(e);
  };
  const onImpression = (ev: Event): void => push(ga4Event('impression', (ev as CustomEvent<ImpressionDetail>).detail));
  const onSelect = (ev: Event): void => push(ga4Event('select', (ev as CustomEvent<SelectDetail>).detail));
  target.addEventListener('localrec-impression', onImpression);
  target.addEventListener('localrec-select', onSelect);
  return () => {
    target.removeEventListener('localrec-impression', onImpression);
    target.removeEventListener('localrec-select', onSelect);
  };
}
