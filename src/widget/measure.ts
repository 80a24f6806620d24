/**
 * Measurement without surveillance: the widget's own DOM events (`localrec-impression` when a row
 * shows items, `localrec-select` when a card is chosen) pushed, when the shop opts in, to its
 * `dataLayer` as GA4 e-commerce events `view_item_list` and `select_item`. What they carry is the
 * items shown or chosen, the row (placement) and the positions — what the shop's analytics sees
 * on its own pages anyway — and the experiment arm when there is one. Never the history, the
 * reasons, the scores or anything learned.
 */

/** What a row reports when it shows items (the `localrec-impression` event's detail). */
export interface ImpressionDetail {
  placement: string;
  items: ShownItem[];
  /** the visitor's arm of the page's experiment, when one is configured */
  experiment?: { name: string; arm: string };
}

/** What a row reports when a card is chosen (the `localrec-select` event's detail). */
export interface SelectDetail {
  itemId: string;
  placement: string;
  /** position in the row, from 0 */
  index: number;
  item?: ShownItem;
  experiment?: { name: string; arm: string };
}

export interface ShownItem {
  id: string;
  title?: string;
  price?: number;
  currency?: string;
  brand?: string;
  category?: string;
}

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

/** The GA4 event of a widget event (pure: what is pushed is exactly this). */
export function ga4Event(kind: 'impression', detail: ImpressionDetail): Ga4Event;
export function ga4Event(kind: 'select', detail: SelectDetail): Ga4Event;
export function ga4Event(kind: 'impression' | 'select', detail: ImpressionDetail | SelectDetail): Ga4Event {
  const list = detail.placement;
  const items =
    kind === 'impression'
      ? (detail as ImpressionDetail).items.map((it, i) => ga4Item(it, i, list))
      : [
          ga4Item(
            (detail as SelectDetail).item ?? { id: (detail as SelectDetail).itemId },
            (detail as SelectDetail).index,
            list,
          ),
        ];
  const currency = (kind === 'impression' ? (detail as ImpressionDetail).items[0] : (detail as SelectDetail).item)
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
