/**
 * Display helpers shared by the widget and the demo store: a clean title and a poster drawn
 * locally from the item's id and title (no network images, no external fonts).
 */
import type { ItemDetails } from '../index';

/** 'Usual Suspects, The (1995)' → 'The Usual Suspects' (the year is shown separately). */
export function displayTitle(title: string): string {
  let t = title.trim().replace(/\s*\((?:\d{4}|[IVX]+)\)\s*$/u, '');
  // Catalog titles put articles last: 'Shawshank Redemption, The' (also 'City of Lost Children, The (Cité des ...)').
  const m = /^(.*), (The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El)(\s*\(.*\))?$/u.exec(t);
  if (m) t = `${m[2]}${m[2]!.endsWith("'") ? '' : ' '}${m[1]}${m[3] ?? ''}`;
  return t || title;
}

/** 'Drama · Comedy' style meta line: year, then up to `maxGenres` genres. */
export function metaLine(
  year: number | null | undefined,
  genres: readonly string[] | undefined,
  maxGenres = 2,
): string {
  const parts: string[] = [];
  if (year) parts.push(String(year));
  if (genres?.length)
    parts.push(
      genres
        .filter((g) => g && g !== 'unknown')
        .slice(0, maxGenres)
        .join(', '),
    );
  return parts.filter(Boolean).join(' · ');
}

function hash32(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

const STOP = new Set(['the', 'a', 'an', 'of', 'and', 'in', 'on', 'to', 'for', 'at', 'les', 'la', 'le', 'de']);

/** Up to two initials of the significant words of a title. */
export function initials(title: string): string {
  const words = displayTitle(title)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const sig = words.filter((w) => !STOP.has(w.toLowerCase()));
  const use = (sig.length ? sig : words).slice(0, 2);
  return use.map((w) => w[0]!.toUpperCase()).join('') || '?';
}

export interface PosterStyle {
  /** CSS background (two-stop gradient plus a soft light). */
  background: string;
  /** text colour with enough contrast on the background */
  ink: string;
  initials: string;
}

/** A deterministic poster for an item: the same id and title always give the same picture. */
export function poster(id: string, title: string): PosterStyle {
  const h = hash32(`${id}\u0000${title}`);
  const hue = h % 360;
  const hue2 = (hue + 25 + ((h >>> 9) % 70)) % 360;
  const angle = 120 + ((h >>> 17) % 120);
  const light = 30 + ((h >>> 5) % 14);
  // one of a few quiet textures, so neighbouring posters read as different pictures
  const textures = [
    `repeating-linear-gradient(${angle + 90}deg, rgba(255,255,255,0.07) 0 2px, transparent 2px 14px)`,
    `radial-gradient(circle at 80% 85%, rgba(255,255,255,0.16) 0 18%, transparent 18.5% 30%, rgba(255,255,255,0.1) 30.5% 34%, transparent 34.5%)`,
    `linear-gradient(${angle - 60}deg, transparent 0 55%, rgba(0,0,0,0.16) 55% 100%)`,
    `radial-gradient(circle at 25% 75%, rgba(255,255,255,0.12) 0 1.5px, transparent 2px) 0 0 / 12px 12px`,
  ];
  const background =
    `radial-gradient(120% 80% at 15% 10%, hsla(${hue2}, 80%, 75%, 0.45), transparent 60%), ` +
    `${textures[(h >>> 23) % textures.length]}, ` +
    `linear-gradient(${angle}deg, hsl(${hue}, 55%, ${light}%), hsl(${hue2}, 60%, ${light + 18}%))`;
  return { background, ink: 'rgba(255,255,255,0.92)', initials: initials(title) };
}

/** How the cards treat product image URLs (see `configure({ images })`). */
export type ImagePolicy = 'any' | 'same-origin' | 'none';

/**
 * The product fields a card shows besides the catalogue's title, genres and year: the catalogue's
 * shop fields (image URL, price, ISO 4217 currency, product page, brand, availability such as
 * 'in_stock' or schema.org's names) and a category.
 */
export type ProductFields = ItemDetails & { category?: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * The product fields of an item, read defensively (catalogues without them, or with wrong types,
 * give none), with the shop's own data (`extra`) over the catalogue's.
 */
export function productFields(item: object, extra?: ProductFields): ProductFields {
  const src = { ...item, ...extra } as Record<string, unknown>;
  const out: ProductFields = {};
  for (const k of ['image', 'currency', 'url', 'brand', 'availability', 'category'] as const) {
    const v = str(src[k]);
    if (v !== undefined) out[k] = v;
  }
  if (typeof src.price === 'number' && Number.isFinite(src.price)) out.price = src.price;
  return out;
}

/** An http(s) URL resolved against the page, or null for any other scheme (javascript:, data:, ...). */
export function httpUrl(url: string, pageUrl: string): URL | null {
  try {
    const u = new URL(url, pageUrl);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/**
 * A card's link from `href-template` ("/p/{id}": {id} is the URL-encoded item id): the resolved
 * URL, or null when it is not http(s) — `javascript:` and the like never become a link.
 */
export function cardHref(template: string, id: string, pageUrl: string): string | null {
  return httpUrl(template.replaceAll('{id}', encodeURIComponent(id)), pageUrl)?.href ?? null;
}

/** The image URL a card may load under the policy, or null (the drawn poster is shown instead). */
export function imageUrl(image: string | undefined, pageUrl: string, policy: ImagePolicy): string | null {
  if (!image || policy === 'none') return null;
  const u = httpUrl(image, pageUrl);
  if (!u) return null;
  if (policy === 'same-origin' && u.origin !== new URL(pageUrl).origin) return null;
  return u.href;
}

/** A price in the page's locale ('19,99 €' in de-DE), or '' without a usable price or currency. */
export function formatPrice(
  price: number | undefined,
  currency: string | undefined,
  locale: string | undefined,
): string {
  if (price === undefined || !currency) return '';
  try {
    return new Intl.NumberFormat(locale || undefined, { style: 'currency', currency }).format(price);
  } catch {
    // an unknown currency code or locale tag: the number with the code, never an exception in a card
    try {
      return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(price)} ${currency}`;
    } catch {
      return '';
    }
  }
}

/** 'in_stock' / 'https://schema.org/InStock' / 'InStock' → 'in_stock' (one spelling for the strings). */
export function availabilityKey(availability: string | undefined): string | undefined {
  if (!availability) return undefined;
  const tail = availability.split('/').pop() ?? availability;
  return tail
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}
