/**
 * <localrec-recommendations k="8" placement="home|item|cart" item-id="50">
 *
 * A row of item cards from the on-device recommender. `home` and `cart` show what comes next for
 * this visitor; `item` shows items similar to `item-id`. Clicks on its own cards are tracked as
 * 'click' events; the row re-renders whenever the visitor's history changes.
 *
 * Attributes: k, placement, item-id, exclude (comma-separated ids), heading, href-template
 * (e.g. "#/movie/{id}": cards become links; without it they are buttons that fire
 * `localrec-select`), model-base, wasm-base (where the model / onnxruntime's wasm files live).
 * Events (bubbling, composed): `localrec-select` {itemId, item}, `localrec-render`
 * {items, source, gate, backend}, `localrec-error` {error}.
 */
import type { LoadProgress, RecommendedItem } from '../index';
import { configureDefaults, getRecommender, onProgress, type Recommender, widgetStrings } from './api';
import { displayTitle, metaLine, poster } from './format';
import { fill, reasonText, type WidgetStrings } from './strings';
import { WIDGET_CSS } from './styles';

type Placement = 'home' | 'item' | 'cart';

/** What a row shows: `localrec-render` event detail and `element.result`. */
export interface Rendered {
  items: RecommendedItem[];
  source: string;
  gate: number[];
  backend: string;
}

let sheet: CSSStyleSheet | null = null;
function styleSheet(): CSSStyleSheet | null {
  if (sheet) return sheet;
  try {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(WIDGET_CSS);
    return sheet;
  } catch {
    return null;
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, part?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (part) e.setAttribute('part', part);
  return e;
}

/** How an item is named inside a reason: its display title, with the year where there is one. */
function reasonTitle(rec: Recommender, itemId: string): string | undefined {
  if (!rec.has(itemId)) return undefined;
  const it = rec.item(itemId);
  const title = displayTitle(it.title) || it.id;
  return it.year ? `${title} (${it.year})` : title;
}

export class LocalrecRecommendations extends HTMLElement {
  static observedAttributes = ['k', 'placement', 'item-id', 'exclude', 'heading', 'href-template'];

  readonly #root: ShadowRoot;
  readonly #headingEl: HTMLHeadingElement;
  readonly #badge: HTMLSpanElement;
  readonly #status: HTMLDivElement;
  readonly #row: HTMLUListElement;
  #rec: Recommender | null = null;
  #unsubscribe: (() => void) | null = null;
  #unProgress: (() => void) | null = null;
  #seq = 0;
  #scheduled = false;
  #connected = false;
  #last: Rendered | null = null;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open', delegatesFocus: false });
    const s = styleSheet();
    if (s) this.#root.adoptedStyleSheets = [s];
    else {
      const style = document.createElement('style');
      style.textContent = WIDGET_CSS;
      this.#root.append(style);
    }
    const wrap = el('section', 'wrap', 'container');
    const head = el('div', 'head', 'header');
    this.#headingEl = el('h2', '', 'heading');
    this.#headingEl.id = 'h';
    this.#badge = el('span', 'badge', 'badge');
    head.append(this.#headingEl, this.#badge);
    this.#status = el('div', 'status', 'status');
    this.#status.setAttribute('role', 'status');
    this.#status.setAttribute('aria-live', 'polite');
    this.#row = el('ul', 'row', 'row');
    this.#row.setAttribute('aria-labelledby', 'h');
    wrap.setAttribute('aria-labelledby', 'h');
    wrap.append(head, this.#status, this.#row);
    this.#root.append(wrap);
    this.#row.addEventListener('keydown', (e) => this.#onKey(e));
    this.#row.addEventListener('click', (e) => this.#onClick(e));
  }

  get placement(): Placement {
    const p = this.getAttribute('placement');
    return p === 'item' || p === 'cart' ? p : 'home';
  }

  get k(): number {
    const k = Number.parseInt(this.getAttribute('k') ?? '', 10);
    return Number.isFinite(k) && k > 0 ? Math.min(k, 50) : 8;
  }

  /** The last answer rendered (items, source, gate, backend), or null. */
  get result(): Rendered | null {
    return this.#last;
  }

  /** The strings of this element's language (`lang` on it or an ancestor, else the document's). */
  get #strings(): WidgetStrings {
    const lang = this.closest('[lang]')?.getAttribute('lang') ?? document.documentElement.lang;
    return widgetStrings(lang);
  }

  connectedCallback(): void {
    this.#connected = true;
    this.#badge.textContent = this.#strings.badge;
    this.#renderHeading();
    const model = this.getAttribute('model-base');
    const wasm = this.getAttribute('wasm-base');
    configureDefaults({
      ...(model ? { model } : {}),
      ...(wasm ? { wasmPaths: wasm } : {}),
    });
    if (!this.#rec) {
      this.#setState('loading');
      if (!this.#row.childElementCount) this.#renderSkeleton();
      this.#showProgress(null);
      this.#unProgress = onProgress((p) => this.#showProgress(p));
    }
    getRecommender().then(
      (rec) => {
        if (!this.#connected) return;
        this.#unProgress?.();
        this.#unProgress = null;
        this.#rec = rec;
        this.#unsubscribe?.();
        this.#unsubscribe = rec.subscribe(() => this.refresh());
        this.refresh();
      },
      (e: unknown) => {
        this.#unProgress?.();
        this.#unProgress = null;
        this.#fail(e);
      },
    );
  }

  disconnectedCallback(): void {
    this.#connected = false;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#unProgress?.();
    this.#unProgress = null;
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue === newValue) return;
    if (name === 'heading' || name === 'placement') this.#renderHeading();
    if (this.#rec) this.refresh();
  }

  /** Ask the recommender again and re-render (coalesced to one request per task). */
  refresh(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#load();
    });
  }

  async #load(): Promise<void> {
    const rec = this.#rec;
    if (!rec || !this.#connected) return;
    const seq = ++this.#seq;
    const k = this.k;
    const exclude = (this.getAttribute('exclude') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const itemId = this.getAttribute('item-id')?.trim() ?? '';
    try {
      let out: Rendered;
      if (this.placement === 'item' && itemId) {
        const items = await rec.similar(itemId, { k, ...(exclude.length ? { exclude } : {}) });
        out = {
          items,
          source: 'similar',
          gate: [],
          backend: rec.backend,
        };
      } else {
        if (itemId && !exclude.includes(itemId)) exclude.push(itemId);
        const r = await rec.recommend({ k, ...(exclude.length ? { exclude } : {}) });
        out = { items: r.items, source: r.source, gate: r.gate, backend: r.backend };
      }
      if (seq !== this.#seq) return;
      this.#render(out);
    } catch (e) {
      if (seq !== this.#seq) return;
      this.#fail(e);
    }
  }

  #setState(state: 'loading' | 'ready' | 'error'): void {
    this.dataset.state = state;
    this.setAttribute('aria-busy', String(state === 'loading'));
  }

  #renderHeading(): void {
    this.#headingEl.textContent = this.getAttribute('heading') ?? this.#strings.headings[this.placement];
  }

  #showProgress(p: LoadProgress | null): void {
    const pct = p ? Math.round(Math.max(0, Math.min(1, p.fraction)) * 100) : 0;
    this.#status.replaceChildren();
    const bar = el('span', 'bar', 'progress');
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(pct));
    const s = this.#strings;
    bar.setAttribute('aria-label', s.loadingLabel);
    const done = el('span');
    done.style.width = `${pct}%`;
    bar.append(done);
    const text = el('span');
    text.textContent = p ? fill(s.loadingProgress, { pct }) : s.loading;
    this.#status.append(bar, text);
  }

  #renderSkeleton(): void {
    const n = Math.min(this.k, 8);
    const lis: HTMLLIElement[] = [];
    for (let i = 0; i < n; i++) {
      const li = el('li', 'skeleton');
      li.setAttribute('aria-hidden', 'true');
      li.append(el('div', 'poster'), el('div', 'line'), el('div', 'line short'));
      lis.push(li);
    }
    this.#row.replaceChildren(...lis);
  }

  #render(out: Rendered): void {
    this.#last = out;
    const s = this.#strings;
    const rec = this.#rec;
    const template = this.getAttribute('href-template');
    const lis = out.items.map((item) => {
      const li = el('li');
      const card = template ? el('a', 'card', 'card') : el('button', 'card', 'card');
      if (card instanceof HTMLAnchorElement) card.href = template!.replaceAll('{id}', encodeURIComponent(item.id));
      else card.type = 'button';
      card.dataset.itemId = item.id;
      const title = displayTitle(item.title);
      const p = poster(item.id, item.title);
      const art = el('span', 'poster', 'poster');
      art.style.background = p.background;
      art.setAttribute('aria-hidden', 'true');
      const ini = el('span', 'initials');
      ini.textContent = p.initials;
      art.append(ini);
      if (item.year) {
        const y = el('span', 'year-tag');
        y.textContent = String(item.year);
        art.append(y);
      }
      const t = el('span', 'title', 'card-title');
      t.textContent = title;
      const meta = el('span', 'meta', 'meta');
      meta.textContent = metaLine(item.year, item.genres);
      const reason = el('span', 'reason', 'reason');
      reason.textContent = rec ? reasonText(item.reason, s, (id) => reasonTitle(rec, id)) : '';
      card.append(art, t, meta, reason);
      card.setAttribute('aria-label', [title, meta.textContent, reason.textContent].filter(Boolean).join('. '));
      li.append(card);
      return li;
    });
    if (!lis.length) {
      const li = el('li', 'empty', 'empty');
      li.textContent = s.empty;
      lis.push(li);
    }
    // Keep keyboard focus on the same position when the row re-renders under it.
    const focused = this.#root.activeElement as HTMLElement | null;
    const focusIndex = focused ? this.#cards().indexOf(focused) : -1;
    this.#row.replaceChildren(...lis);
    if (focusIndex >= 0) this.#focusCard(Math.min(focusIndex, lis.length - 1));
    this.#status.replaceChildren();
    const note = el('span');
    note.textContent =
      out.source === 'popularity' ? s.notePopular : out.source === 'similar' ? s.noteSimilar : s.notePersonal;
    this.#status.append(note);
    this.dataset.source = out.source;
    this.#setState('ready');
    this.dispatchEvent(new CustomEvent('localrec-render', { detail: out, bubbles: true, composed: true }));
  }

  #fail(e: unknown): void {
    this.#setState('error');
    this.#status.replaceChildren();
    const msg = el('span');
    // the shopper reads a plain sentence; the error itself goes to the page's code and the console
    msg.textContent = this.#strings.unavailable;
    this.#status.append(msg);
    console.error('localrec: the recommendations row could not be filled', e);
    if (this.#row.querySelector('.skeleton')) this.#row.replaceChildren();
    this.dispatchEvent(new CustomEvent('localrec-error', { detail: { error: e }, bubbles: true, composed: true }));
  }

  #cards(): HTMLElement[] {
    return Array.from(this.#row.querySelectorAll<HTMLElement>('.card'));
  }

  #focusCard(i: number): void {
    const cards = this.#cards();
    if (!cards.length) return;
    const idx = Math.max(0, Math.min(cards.length - 1, i));
    cards[idx]!.focus();
    cards[idx]!.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  #onKey(e: KeyboardEvent): void {
    const cards = this.#cards();
    const i = cards.indexOf(e.target as HTMLElement);
    if (i < 0) return;
    const next =
      e.key === 'ArrowRight'
        ? i + 1
        : e.key === 'ArrowLeft'
          ? i - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? cards.length - 1
              : null;
    if (next === null) return;
    e.preventDefault();
    this.#focusCard(next);
  }

  #onClick(e: MouseEvent): void {
    const card = (e.target as HTMLElement).closest<HTMLElement>('.card');
    const id = card?.dataset.itemId;
    if (!card || !id) return;
    const item = this.#last?.items.find((it) => it.id === id);
    if (this.#rec) {
      this.#rec.track({ type: 'click', itemId: id }).catch((err: unknown) => {
        this.dispatchEvent(
          new CustomEvent('localrec-error', { detail: { error: err }, bubbles: true, composed: true }),
        );
      });
    }
    this.dispatchEvent(
      new CustomEvent('localrec-select', { detail: { itemId: id, item }, bubbles: true, composed: true }),
    );
  }
}

/** Register the element (idempotent). */
export function defineElements(name = 'localrec-recommendations'): void {
  if (typeof customElements !== 'undefined' && !customElements.get(name)) {
    customElements.define(name, class extends LocalrecRecommendations {});
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'localrec-recommendations': LocalrecRecommendations;
  }
}
