/**
 * Every text the widget shows, per language. A page picks a language with the element's `lang`
 * attribute (or the document's), and replaces any string with `configure({ strings })`.
 */
import type { EventType, Reason } from '../index';

export interface WidgetStrings {
  headings: { home: string; item: string; cart: string };
  badge: string;
  loading: string;
  /** `{pct}`: 0–100 */
  loadingProgress: string;
  loadingLabel: string;
  notePopular: string;
  noteSimilar: string;
  notePersonal: string;
  empty: string;
  /** what a shopper sees when the row cannot be filled (never the developer's error) */
  unavailable: string;
  /** `{title}`: the visitor's item the recommendation is closest to, by the visitor's last event on it */
  because: Record<EventType, string>;
  /** `{title}`: the item the row is about */
  similarTo: string;
  popular: string;
  /** `{genre}`: a popular item, named by one of its genres (varies a row of popular items) */
  popularIn: string;
  /** one event of the visitor's history, as a list of it shows it ('Viewed', 'Bought', …) */
  eventLabels: Record<EventType, string>;
  /** `{genres}`, `{title}`: a reason naming what the card shares with the item it comes from */
  sharedGenres: string;
  /** `{brand}`: the card is from the same brand as the item it comes from */
  sameBrand: string;
  /** product availability, by key ('in_stock', 'out_of_stock', 'preorder', ...) */
  availability: Record<string, string>;
  /** the carousel's arrow buttons */
  previous: string;
  next: string;
}

const en: WidgetStrings = {
  headings: { home: 'Next for you', item: 'Similar items', cart: 'Goes well with your cart' },
  badge: 'Private · on this device',
  loading: 'Loading the on-device model…',
  loadingProgress: 'Loading the on-device model… {pct}%',
  loadingLabel: 'Loading the on-device model',
  notePopular: 'Popular picks — browse a few items and this row adapts to you.',
  noteSimilar: 'Based on this item.',
  notePersonal: 'Picked for you from your recent activity.',
  empty: 'Nothing to suggest here yet.',
  unavailable: 'Recommendations are not available right now.',
  because: {
    view: 'Because you viewed {title}',
    click: 'Because you looked at {title}',
    add_to_cart: 'Goes with {title} in your cart',
    purchase: 'Because you bought {title}',
    rate: 'Because you rated {title}',
  },
  similarTo: 'Similar to {title}',
  popular: 'Popular',
  popularIn: 'Popular in {genre}',
  eventLabels: { view: 'Viewed', click: 'Clicked', add_to_cart: 'Added to cart', purchase: 'Bought', rate: 'Rated' },
  sharedGenres: '{genres}, like {title}',
  sameBrand: 'Also from {brand}',
  availability: {
    in_stock: 'In stock',
    out_of_stock: 'Out of stock',
    preorder: 'Pre-order',
    backorder: 'On back-order',
    limited_availability: 'Only a few left',
  },
  previous: 'Previous items',
  next: 'More items',
};

const de: WidgetStrings = {
  headings: { home: 'Als Nächstes für Sie', item: 'Ähnliche Artikel', cart: 'Passt zu Ihrem Warenkorb' },
  badge: 'Privat · auf diesem Gerät',
  loading: 'Das Modell auf diesem Gerät wird geladen…',
  loadingProgress: 'Das Modell auf diesem Gerät wird geladen… {pct} %',
  loadingLabel: 'Das Modell auf diesem Gerät wird geladen',
  notePopular: 'Beliebte Artikel – sehen Sie sich ein paar Artikel an, und diese Reihe passt sich an.',
  noteSimilar: 'Passend zu diesem Artikel.',
  notePersonal: 'Für Sie ausgewählt nach Ihren letzten Besuchen.',
  empty: 'Noch keine Vorschläge.',
  unavailable: 'Empfehlungen sind gerade nicht verfügbar.',
  because: {
    view: 'Weil Sie {title} angesehen haben',
    click: 'Weil Sie {title} angesehen haben',
    add_to_cart: 'Passt zu {title} in Ihrem Warenkorb',
    purchase: 'Weil Sie {title} gekauft haben',
    rate: 'Weil Sie {title} bewertet haben',
  },
  similarTo: 'Ähnlich wie {title}',
  popular: 'Beliebt',
  popularIn: 'Beliebt in {genre}',
  eventLabels: {
    view: 'Angesehen',
    click: 'Angeklickt',
    add_to_cart: 'In den Warenkorb gelegt',
    purchase: 'Gekauft',
    rate: 'Bewertet',
  },
  sharedGenres: '{genres}, wie {title}',
  sameBrand: 'Auch von {brand}',
  availability: {
    in_stock: 'Auf Lager',
    out_of_stock: 'Nicht auf Lager',
    preorder: 'Vorbestellbar',
    backorder: 'Nachbestellt',
    limited_availability: 'Nur noch wenige',
  },
  previous: 'Vorherige Artikel',
  next: 'Weitere Artikel',
};

export const LANGUAGES: Readonly<Record<string, WidgetStrings>> = { en, de };

/** Replacements a page may give for any string (deep for `headings` and `because`). */
export type StringOverrides = Partial<Omit<WidgetStrings, 'headings' | 'because' | 'eventLabels' | 'availability'>> & {
  availability?: Record<string, string>;
  eventLabels?: Partial<WidgetStrings['eventLabels']>;
  headings?: Partial<WidgetStrings['headings']>;
  because?: Partial<WidgetStrings['because']>;
};

/** The strings of a language tag ('de-CH' → de; unknown → en), with the page's replacements. */
export function stringsFor(lang: string | null | undefined, overrides?: StringOverrides): WidgetStrings {
  const base = LANGUAGES[(lang ?? '').toLowerCase().split('-')[0] ?? ''] ?? en;
  if (!overrides) return base;
  return {
    ...base,
    ...overrides,
    headings: { ...base.headings, ...overrides.headings },
    because: { ...base.because, ...overrides.because },
    eventLabels: { ...base.eventLabels, ...overrides.eventLabels },
    availability: { ...base.availability, ...overrides.availability },
  };
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/gu, (m, name: string) => (name in values ? String(values[name]) : m));
}

/** A reason as text; `title` names an item by id (undefined: the reason is not shown). */
export function reasonText(
  reason: Reason | undefined,
  s: WidgetStrings,
  title: (itemId: string) => string | undefined,
): string {
  if (!reason) return '';
  if (reason.kind === 'popular') return s.popular;
  const t = title(reason.itemId);
  if (t === undefined) return '';
  return fill(reason.kind === 'similar' ? s.similarTo : s.because[reason.eventType], { title: t });
}

/** What a row's reasons need to know of an item. */
export interface ReasonItem {
  /** the display name used inside reasons (title and year) */
  title: string;
  genres: readonly string[];
  brand?: string | undefined;
}

/**
 * The reasons of a whole row, varied: a sentence already used in the row gives way to what the
 * card shares with the item it comes from (the same brand, shared genres), so that a row of
 * items similar to one product does not repeat "Similar to …" on every card. `lookup` names an
 * item by id (undefined: unknown, the reason is left out).
 */
export function rowReasons(
  items: readonly { id: string; reason?: Reason | undefined; genres?: readonly string[]; brand?: string | undefined }[],
  s: WidgetStrings,
  lookup: (itemId: string) => ReasonItem | undefined,
): string[] {
  const used = new Map<string, number>();
  return items.map((item) => {
    const primary = reasonText(item.reason, s, (id) => lookup(id)?.title);
    if (!primary || !item.reason) return primary;
    const options = [primary];
    const from = item.reason.kind === 'popular' ? undefined : lookup(item.reason.itemId);
    if (item.reason.kind === 'popular')
      for (const g of (item.genres ?? []).filter((x) => x && x !== 'unknown').slice(0, 2))
        options.push(fill(s.popularIn, { genre: g }));
    if (from) {
      if (item.brand && from.brand && item.brand === from.brand) options.push(fill(s.sameBrand, { brand: item.brand }));
      const shared = (item.genres ?? []).filter((g) => g && g !== 'unknown' && from.genres.includes(g));
      if (shared.length > 1)
        options.push(fill(s.sharedGenres, { genres: shared.slice(0, 2).join(' & '), title: from.title }));
      for (const g of shared.slice(0, 2)) options.push(fill(s.sharedGenres, { genres: g, title: from.title }));
    }
    // the sentence used least so far in the row (the first one on a tie)
    let pick = primary;
    for (const o of options) if ((used.get(o) ?? 0) < (used.get(pick) ?? 0)) pick = o;
    used.set(pick, (used.get(pick) ?? 0) + 1);
    return pick;
  });
}
