/**
 * Shadow-DOM styles of <localrec-recommendations>. The shadow root keeps these rules from leaking
 * out; `all: initial` on the inner container stops the host page's inherited styles (font, colour,
 * line-height, letter-spacing...) from leaking in. Theme through CSS custom properties, or restyle
 * parts with ::part().
 */
export const WIDGET_CSS = /* css */ `
:host {
  display: block;
  contain: layout paint;
  --_card-w: var(--localrec-card-width, 148px);
  --_gap: var(--localrec-gap, 14px);
  --_radius: var(--localrec-radius, 10px);
  --_accent: var(--localrec-accent, #b4232a);
  --_muted: var(--localrec-muted, #78716c);
  --_card-bg: var(--localrec-card-bg, transparent);
  --_focus: var(--localrec-focus, #2563eb);
  /* poster / image height as a multiple of the card width (1.5: 2:3 portrait; 1: square) */
  --_ratio: var(--localrec-image-ratio, 1.5);
}
:host([hidden]) { display: none; }
/* Never a broken row: when it cannot be filled, the row gives way to the shop's fallback slot
   (or to nothing at all). */
.fallback { display: none; }
:host([data-state="error"]) .wrap { display: none; }
:host([data-state="error"]) .fallback { display: block; }
*, *::before, *::after { box-sizing: border-box; }
/* The page's rules can still style the host element itself (e.g. a '* { font-family: ... }' rule), and
   inherited properties would flow in from there: reset them on the inner container. */
.wrap {
  all: initial;
  display: flex; flex-direction: column; gap: 10px;
  font-family: var(--localrec-font, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif);
  font-size: var(--localrec-font-size, 14px);
  line-height: 1.35;
  color: var(--localrec-text, #1c1917);
}
.head { display: flex; align-items: baseline; gap: 12px; min-height: 28px; }
.head h2 { flex: 1 1 auto; }
.arrows { display: inline-flex; gap: 6px; align-self: center; }
.arrow {
  all: unset; box-sizing: border-box; cursor: pointer; width: 30px; height: 30px; border-radius: 50%;
  display: inline-grid; place-items: center; font-size: 20px; line-height: 1; color: var(--localrec-text, #1c1917);
  border: 1px solid rgba(120, 113, 108, 0.35); background: var(--localrec-arrow-bg, rgba(255, 255, 255, 0.85));
}
.arrow:disabled { opacity: 0.35; cursor: default; }
.arrow:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
:host(:not([data-overflow])) .arrows { visibility: hidden; }
h2 {
  margin: 0; font: inherit; font-size: var(--localrec-heading-size, 19px); font-weight: 650;
  letter-spacing: -0.01em; color: var(--localrec-heading, inherit);
}
.badge {
  font-size: 11px; color: var(--_muted); white-space: nowrap; display: inline-flex; align-items: center; gap: 6px;
}
.badge::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: #16a34a; display: inline-block; }
:host([data-state="loading"]) .badge::before { background: #d97706; }
:host([data-state="error"]) .badge::before { background: #dc2626; }
.status { height: 18px; font-size: 12px; color: var(--_muted); display: flex; align-items: center; gap: 10px; overflow: hidden; }
.bar { flex: 0 0 160px; height: 4px; border-radius: 2px; background: rgba(120, 113, 108, 0.2); overflow: hidden; }
.bar > span { display: block; height: 100%; width: 0; background: var(--_accent); transition: width 0.2s; }
ul.row {
  list-style: none; margin: 0; padding: 4px 4px 10px; display: grid; grid-auto-flow: column;
  grid-auto-columns: var(--_card-w); gap: var(--_gap); overflow-x: auto; overscroll-behavior-x: contain;
  scroll-snap-type: x mandatory; scroll-padding: 0 4px; scrollbar-width: thin;
  /* fixed height, the same while loading and after: poster + title (2 lines) + meta + price + reason (2 lines) */
  height: calc(var(--_card-w) * var(--_ratio) + 140px);
}
ul.row > li { scroll-snap-align: start; min-width: 0; }
.card {
  all: unset; box-sizing: border-box; cursor: pointer; display: flex; flex-direction: column; gap: 4px;
  width: 100%; height: 100%; padding: 0 0 6px; border-radius: var(--_radius); background: var(--_card-bg);
  color: inherit; text-decoration: none; -webkit-tap-highlight-color: transparent;
}
.card:focus-visible { outline: 3px solid var(--_focus); outline-offset: 3px; }
.poster {
  position: relative; display: flex; align-items: flex-end; width: 100%; height: calc(var(--_card-w) * var(--_ratio)); flex: 0 0 auto; border-radius: var(--_radius);
  overflow: hidden; box-shadow: 0 1px 2px rgba(0,0,0,0.12), 0 6px 16px -6px rgba(0,0,0,0.25);
  transition: transform 0.15s ease, box-shadow 0.15s ease; padding: 10px;
}
.card:hover .poster, .card:focus-visible .poster { transform: translateY(-2px); box-shadow: 0 2px 4px rgba(0,0,0,0.14), 0 12px 24px -8px rgba(0,0,0,0.35); }
.poster.has-image { padding: 0; background: rgba(120, 113, 108, 0.12); }
.poster img { display: block; width: 100%; height: 100%; object-fit: cover; }
.initials {
  font-size: calc(var(--_card-w) * 0.3); font-weight: 800; letter-spacing: -0.03em; line-height: 1;
  color: rgba(255,255,255,0.92); text-shadow: 0 2px 10px rgba(0,0,0,0.25);
}
.year-tag {
  position: absolute; top: 8px; right: 8px; font-size: 11px; font-weight: 600; padding: 2px 6px; border-radius: 6px;
  background: rgba(0,0,0,0.35); color: #fff;
}
.title {
  margin-top: 6px; font-weight: 600; font-size: 13.5px; line-height: 1.3; height: calc(1.3em * 2);
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
}
.meta { font-size: 12px; color: var(--_muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; height: 1.35em; }
.price-line { display: flex; gap: 8px; align-items: baseline; height: 18px; white-space: nowrap; overflow: hidden; }
.price { font-weight: 700; font-size: 14px; }
.availability { font-size: 11.5px; color: var(--_muted); }
.availability.out_of_stock { color: #b91c1c; }
.availability.in_stock { color: #15803d; }
.custom { height: auto; }
.reason {
  font-size: 11.5px; color: var(--_accent); line-height: 1.3; height: calc(1.3em * 2);
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
}
.skeleton .poster, .skeleton .line { background: linear-gradient(90deg, rgba(120,113,108,0.14), rgba(120,113,108,0.24), rgba(120,113,108,0.14)); background-size: 200% 100%; animation: shimmer 1.4s linear infinite; box-shadow: none; }
.skeleton .line { height: 12px; border-radius: 4px; margin-top: 8px; }
.skeleton .line.short { width: 60%; margin-top: 6px; }
@keyframes shimmer { from { background-position: 200% 0; } to { background-position: -200% 0; } }
@media (prefers-reduced-motion: reduce) { .skeleton .poster, .skeleton .line { animation: none; } .poster { transition: none; } }
.empty { grid-column: 1 / -1; align-self: center; color: var(--_muted); font-size: 13px; }
`;
