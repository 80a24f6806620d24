/**
 * Display helpers shared by the widget and the demo store: a clean title and a poster drawn
 * locally from the item's id and title (no network images, no external fonts).
 */

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
