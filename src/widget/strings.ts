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
  /** one event of the visitor's history, as a list of it shows it ('Viewed', 'Bought', …) */
  eventLabels: Record<EventType, string>;
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
  eventLabels: { view: 'Viewed', click: 'Clicked', add_to_cart: 'Added to cart', purchase: 'Bought', rate: 'Rated' },
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
  eventLabels: {
    view: 'Angesehen',
    click: 'Angeklickt',
    add_to_cart: 'In den Warenkorb gelegt',
    purchase: 'Gekauft',
    rate: 'Bewertet',
  },
};

export const LANGUAGES: Readonly<Record<string, WidgetStrings>> = { en, de };

/** Replacements a page may give for any string (deep for `headings` and `because`). */
export type StringOverrides = Partial<Omit<WidgetStrings, 'headings' | 'because' | 'eventLabels'>> & {
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
