/**
 * <localrec-recommendations k="8" placement="home|item|cart" item-id="50">
 *
 * A row of item cards from the on-device recommender. `home` and `cart` show what comes next for
 * this visitor; `item` shows items similar to `item-id`. Clicks on its own cards are tracked as
 * 'click' events; the row re-renders whenever the visitor's history changes.
 *
 * Attributes (each with a property of the same meaning, see meta.ts): placement, item-id, k,
 * exclude, candidates, heading, href-template, dedupe, model-base, wasm-base.
 * Events (bubbling, composed): `localrec-select` {itemId, item}, `localrec-render`
 * {items, source, gate, backend}, `localrec-error` {error, code}, `localrec-warning`
 * {code, message, ids?}.
 *
 * Never a broken row: unknown ids are skipped (one warning each), and when the model cannot load
 * the row hides itself or shows the shop's `slot="fallback"` content; the error goes to the
 * page's code (`localrec-error`) and the console, never to the shopper.
 */
import type { LoadProgress, RecommendedItem } from '../index';
import {
  cardConfig,
  configureDefaults,
  errorCode,
  experimentArm,
  getRecommender,
  onProgress,
  type Recommender,
  type WarningDetail,
  warn,
  whenConfigured,
  widgetStrings,
} from './api';
import {
  availabilityKey,
  cardHref,
  displayTitle,
  formatPrice,
  httpUrl,
  imageUrl,
  metaLine,
  type ProductFields,
  poster,
  productFields,
} from './format';
import { ATTRIBUTES } from './meta';
import { fill, type ReasonItem, rowReasons, type WidgetStrings } from './strings';
import { WIDGET_CSS } from './styles';

export type Placement = 'home' | 'item' | 'cart';

/** What a row shows: `localrec-render` event detail and `element.result`. */
export interface Rendered {
  items: RecommendedItem[];
  source: string;
  gate: number[];
  backend: string;
}
export type RenderDetail = Rendered;
export interface SelectDetail {
  itemId: string;
  item: RecommendedItem | undefined;
  /** the row's placement and the card's position in it, from 0 */
  placement: Placement;
  index: number;
  /** the visitor's arm of the page's experiment, when one is configured */
  experiment?: { name: string; arm: string };
}
/**
 * `localrec-impression` event detail: the items a row shows, for measurement (measure.ts): the
 * catalogue's own product fields only, never the reasons, scores or history.
 */
export interface ImpressionDetail {
  placement: Placement;
  items: { id: string; title?: string; price?: number; currency?: string; brand?: string; category?: string }[];
  experiment?: { name: string; arm: string };
}
export interface ErrorDetail {
  error: unknown;
  /** the LocalrecError's code ('model-load', 'model-integrity', ...), else 'unknown' */
  code: string;
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

const list = (v: string | null): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The rows with `dedupe` on the page, to leave out what an earlier one shows. */
const dedupeRows = new Set<LocalrecRecommendations>();

export class LocalrecRecommendations extends HTMLElement {
  static observedAttributes = ATTRIBUTES.map((a) => a.name);

  readonly #root: ShadowRoot;
  readonly #headingEl: HTMLHeadingElement;
  readonly #badge: HTMLSpanElement;
  readonly #status: HTMLDivElement;
  readonly #row: HTMLUListElement;
  readonly #prev: HTMLButtonElement;
  readonly #next: HTMLButtonElement;
  readonly #wrap: HTMLElement;
  readonly #fallback: HTMLDivElement;
  #rec: Recommender | null = null;
  #unsubscribe: (() => void) | null = null;
  #unProgress: (() => void) | null = null;
  #seq = 0;
  #scheduled = false;
  #connected = false;
  #last: Rendered | null = null;
  /** the visitor's arm of the page's experiment, once read */
  #experiment: { name: string; arm: string } | null = null;
  readonly #warned = new Set<string>();
  #templateStyled = false;

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
    this.#wrap = wrap;
    const head = el('div', 'head', 'header');
    this.#headingEl = el('h2', '', 'heading');
    this.#headingEl.id = 'h';
    this.#badge = el('span', 'badge', 'badge');
    this.#prev = el('button', 'arrow', 'prev');
    this.#next = el('button', 'arrow', 'next');
    this.#prev.type = this.#next.type = 'button';
    this.#prev.textContent = '‹';
    this.#next.textContent = '›';
    this.#prev.addEventListener('click', () => this.#scrollPage(-1));
    this.#next.addEventListener('click', () => this.#scrollPage(1));
    const arrows = el('span', 'arrows');
    arrows.append(this.#prev, this.#next);
    head.append(this.#headingEl, this.#badge, arrows);
    this.#status = el('div', 'status', 'status');
    this.#status.setAttribute('role', 'status');
    this.#status.setAttribute('aria-live', 'polite');
    this.#row = el('ul', 'row', 'row');
    this.#row.setAttribute('aria-labelledby', 'h');
    wrap.setAttribute('aria-labelledby', 'h');
    wrap.append(head, this.#status, this.#row);
    const fallback = el('div', 'fallback');
    this.#fallback = fallback;
    const slot = el('slot');
    slot.name = 'fallback';
    fallback.append(slot);
    this.#root.append(wrap, fallback);
    this.#row.addEventListener('keydown', (e) => this.#onKey(e));
    this.#row.addEventListener('click', (e) => this.#onClick(e));
    this.#row.addEventListener('scroll', () => this.#updateArrows(), { passive: true });
  }

  // --- properties: one per attribute, with a setter (frameworks set properties, not attributes)

  get placement(): Placement {
    const p = this.getAttribute('placement');
    return p === 'item' || p === 'cart' ? p : 'home';
  }
  set placement(v: Placement) {
    this.setAttribute('placement', String(v));
  }

  get itemId(): string | null {
    return this.getAttribute('item-id')?.trim() || null;
  }
  set itemId(v: string | number | null | undefined) {
    this.#setOrRemove('item-id', v == null || v === '' ? null : String(v));
  }

  get k(): number {
    const k = Number.parseInt(this.getAttribute('k') ?? '', 10);
    return Number.isFinite(k) && k > 0 ? Math.min(k, 50) : 8;
  }
  set k(v: number | string) {
    this.setAttribute('k', String(v));
  }

  get exclude(): string[] {
    return list(this.getAttribute('exclude'));
  }
  set exclude(v: readonly string[] | string | null | undefined) {
    this.#setOrRemove('exclude', v == null ? null : typeof v === 'string' ? v : v.join(','));
  }

  /** null: every item may be shown */
  get candidates(): string[] | null {
    return this.hasAttribute('candidates') ? list(this.getAttribute('candidates')) : null;
  }
  set candidates(v: readonly string[] | string | null | undefined) {
    this.#setOrRemove('candidates', v == null ? null : typeof v === 'string' ? v : v.join(','));
  }

  get heading(): string | null {
    return this.getAttribute('heading');
  }
  set heading(v: string | null | undefined) {
    this.#setOrRemove('heading', v ?? null);
  }

  get hrefTemplate(): string | null {
    return this.getAttribute('href-template');
  }
  set hrefTemplate(v: string | null | undefined) {
    this.#setOrRemove('href-template', v ?? null);
  }

  get dedupe(): boolean {
    return this.hasAttribute('dedupe');
  }
  set dedupe(v: boolean) {
    this.toggleAttribute('dedupe', Boolean(v));
  }

  get modelBase(): string | null {
    return this.getAttribute('model-base');
  }
  set modelBase(v: string | null | undefined) {
    this.#setOrRemove('model-base', v ?? null);
  }

  get wasmBase(): string | null {
    return this.getAttribute('wasm-base');
  }
  set wasmBase(v: string | null | undefined) {
    this.#setOrRemove('wasm-base', v ?? null);
  }

  /** The last answer rendered (items, source, gate, backend), or null. */
  get result(): Rendered | null {
    return this.#last;
  }

  #setOrRemove(name: string, v: string | null): void {
    if (v === null) this.removeAttribute(name);
    else this.setAttribute(name, v);
  }

  /** The language of this element (`lang` on it or an ancestor, else the document's). */
  get #lang(): string {
    return this.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang || navigator.language;
  }

  get #strings(): WidgetStrings {
    return widgetStrings(this.#lang);
  }

  connectedCallback(): void {
    this.#connected = true;
    if (this.dedupe) dedupeRows.add(this);
    const s = this.#strings;
    this.#badge.textContent = s.badge;
    this.#prev.setAttribute('aria-label', s.previous);
    this.#next.setAttribute('aria-label', s.next);
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
      this.#unProgress?.();
      this.#unProgress = onProgress((p) => this.#showProgress(p));
    }
    // the page's configure() may still come (module scripts run after the elements are parsed)
    whenConfigured()
      .then(() => getRecommender())
      .then(
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
    dedupeRows.delete(this);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#unProgress?.();
    this.#unProgress = null;
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue === newValue) return;
    if (name === 'dedupe') {
      if (this.dedupe && this.#connected) dedupeRows.add(this);
      else dedupeRows.delete(this);
    }
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

  /** One warning per element and distinct message (a row re-renders often). */
  #warnOnce(detail: WarningDetail): void {
    const key = `${detail.code}:${detail.message}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    warn(detail, this);
  }

  /** The ids of `ids` the model knows; the others are skipped with a warning naming them. */
  #known(rec: Recommender, ids: string[], what: string): string[] {
    const unknown = ids.filter((id) => !rec.has(id));
    if (unknown.length)
      this.#warnOnce({
        code: 'unknown-item',
        message: `${what}: unknown item id${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')} skipped`,
        ids: unknown,
      });
    return unknown.length ? ids.filter((id) => rec.has(id)) : ids;
  }

  /** Items the earlier `dedupe` rows of the page show (document order). */
  #takenByEarlierRows(): Set<string> {
    const taken = new Set<string>();
    if (!this.dedupe) return taken;
    for (const r of dedupeRows) {
      if (r === this || !(r.compareDocumentPosition(this) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
      for (const it of r.#last?.items ?? []) taken.add(it.id);
    }
    return taken;
  }

  async #load(): Promise<void> {
    const rec = this.#rec;
    if (!rec || !this.#connected) return;
    const seq = ++this.#seq;
    const k = this.k;
    const exclude = this.#known(rec, this.exclude, 'exclude');
    const cands = this.candidates;
    const candidates = cands ? this.#known(rec, cands, 'candidates') : null;
    const rawItemId = this.itemId;
    const itemId = rawItemId ? (this.#known(rec, [rawItemId], 'item-id')[0] ?? null) : null;
    const taken = this.#takenByEarlierRows();
    const want = k + taken.size;
    try {
      let out: Rendered;
      if (this.placement === 'item' && itemId) {
        // similar() has no candidate list: ask for more and keep the candidates among them
        const ask = candidates ? Math.min(rec.model.itemCount, Math.max(want * 10, 100)) : want;
        let items = await rec.similar(itemId, { k: ask, ...(exclude.length ? { exclude } : {}), unknownIds: 'skip' });
        if (candidates) {
          const allowed = new Set(candidates);
          items = items.filter((it) => allowed.has(it.id));
        }
        out = { items, source: 'similar', gate: [], backend: rec.backend };
      } else {
        if (itemId && !exclude.includes(itemId)) exclude.push(itemId);
        this.#experiment = await experimentArm(rec);
        const r = await rec.recommend({
          ...(this.#experiment?.arm === 'popularity' ? { strategy: 'popular' as const } : {}),
          k: want,
          ...(exclude.length ? { exclude } : {}),
          ...(candidates ? { candidates } : {}),
          unknownIds: 'skip',
        });
        out = { items: r.items, source: r.source, gate: r.gate, backend: r.backend };
      }
      out.items = out.items.filter((it) => !taken.has(it.id)).slice(0, k);
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

  /** The shop's own card markup: a <template> child of the element (see docs/widget.md). */
  #template(): HTMLTemplateElement | null {
    const t = this.querySelector(':scope > template');
    if (!(t instanceof HTMLTemplateElement)) return null;
    if (!this.#templateStyled) {
      // the template's <style> elements style its cards inside the shadow root, once
      for (const st of t.content.querySelectorAll('style')) this.#root.append(st.cloneNode(true));
      this.#templateStyled = true;
    }
    return t;
  }

  /** The card element: a link when there is a safe URL for it, else a button. */
  #cardElement(id: string, product: ProductFields): HTMLAnchorElement | HTMLButtonElement {
    const template = this.getAttribute('href-template');
    let href: string | null = null;
    if (template) {
      href = cardHref(template, id, location.href);
      if (!href)
        this.#warnOnce({
          code: 'unsafe-url',
          message: `href-template ${JSON.stringify(template)} is not an http(s) URL: the cards stay buttons`,
        });
    } else if (product.url) {
      href = httpUrl(product.url, location.href)?.href ?? null;
      if (!href)
        this.#warnOnce({
          code: 'unsafe-url',
          message: `the url of item ${JSON.stringify(id)} is not an http(s) URL: its card stays a button`,
          ids: [id],
        });
    }
    if (href) {
      const a = el('a', 'card', 'card');
      a.href = href;
      return a;
    }
    const b = el('button', 'card', 'card');
    b.type = 'button';
    return b;
  }

  #media(item: RecommendedItem, product: ProductFields, images: ReturnType<typeof cardConfig>['images']): HTMLElement {
    const src = imageUrl(product.image, location.href, images ?? 'any');
    const art = el('span', 'poster', 'poster');
    art.setAttribute('aria-hidden', 'true');
    const drawn = () => {
      const p = poster(item.id, item.title);
      art.classList.remove('has-image');
      art.replaceChildren();
      art.style.background = p.background;
      const ini = el('span', 'initials');
      ini.textContent = p.initials;
      art.append(ini);
      if (item.year) {
        const y = el('span', 'year-tag');
        y.textContent = String(item.year);
        art.append(y);
      }
    };
    if (!src) {
      drawn();
      return art;
    }
    art.classList.add('has-image');
    const img = el('img', '', 'image');
    // the box keeps its size whatever the image (no layout shift); far cards load when scrolled to
    img.loading = 'lazy';
    img.decoding = 'async';
    img.alt = '';
    img.referrerPolicy = 'no-referrer';
    img.addEventListener('error', drawn, { once: true });
    img.src = src;
    art.append(img);
    return art;
  }

  #render(out: Rendered): void {
    const changed = this.#last?.items.map((i) => i.id).join() !== out.items.map((i) => i.id).join();
    this.#last = out;
    const s = this.#strings;
    const rec = this.#rec;
    const { images, product: shopProduct } = cardConfig();
    const lang = this.#lang;
    const products = out.items.map((item) => productFields(item, shopProduct?.(item)));
    const lookup = (id: string): ReasonItem | undefined => {
      if (!rec?.has(id)) return undefined;
      const it = rec.item(id);
      const title = displayTitle(it.title) || it.id;
      return {
        title: it.year ? `${title} (${it.year})` : title,
        genres: it.genres,
        brand: productFields(it, shopProduct?.(it)).brand,
      };
    };
    const reasons = rowReasons(
      out.items.map((it, i) => ({ id: it.id, reason: it.reason, genres: it.genres, brand: products[i]!.brand })),
      s,
      lookup,
    );
    const template = this.#template();
    const lis = out.items.map((item, i) => {
      const product = products[i]!;
      const li = el('li');
      const card = this.#cardElement(item.id, product);
      card.dataset.itemId = item.id;
      const title = displayTitle(item.title);
      const meta = metaLine(item.year, item.genres);
      const price = formatPrice(product.price, product.currency, lang);
      const avKey = availabilityKey(product.availability);
      const availability = avKey ? (s.availability[avKey] ?? '') : '';
      const reason = reasons[i] ?? '';
      const fields: Record<string, string> = {
        id: item.id,
        title,
        meta,
        brand: product.brand ?? '',
        price,
        availability,
        reason,
        category: product.category ?? '',
      };
      if (template) {
        const body = template.content.cloneNode(true) as DocumentFragment;
        for (const st of body.querySelectorAll('style')) st.remove();
        for (const f of body.querySelectorAll<HTMLElement>('[data-field]')) {
          const name = f.dataset.field ?? '';
          if (name === 'image') {
            const src = imageUrl(product.image, location.href, images ?? 'any');
            if (f instanceof HTMLImageElement && src) {
              f.loading = 'lazy';
              f.decoding = 'async';
              f.referrerPolicy = 'no-referrer';
              f.src = src;
            } else f.replaceWith(this.#media(item, product, 'none'));
          } else if (name === 'poster') f.replaceWith(this.#media(item, product, images));
          else f.textContent = fields[name] ?? '';
        }
        card.classList.add('custom');
        card.append(body);
      } else {
        const t = el('span', 'title', 'card-title');
        t.textContent = title;
        const m = el('span', 'meta', 'meta');
        m.textContent = [product.brand, meta].filter(Boolean).join(' · ');
        const pr = el('span', 'price-line');
        if (price) {
          const p = el('span', 'price', 'price');
          p.textContent = price;
          pr.append(p);
        }
        if (availability) {
          const a = el('span', `availability ${avKey}`, 'availability');
          a.textContent = availability;
          pr.append(a);
        }
        const r = el('span', 'reason', 'reason');
        r.textContent = reason;
        card.append(this.#media(item, product, images), t, m, pr, r);
        if (!pr.childElementCount) pr.classList.add('none');
      }
      card.setAttribute(
        'aria-label',
        [title, product.brand, meta, price, availability, reason].filter(Boolean).join('. '),
      );
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
    this.#updateArrows();
    this.dispatchEvent(new CustomEvent('localrec-render', { detail: out, bubbles: true, composed: true }));
    if (out.items.length) {
      const impression: ImpressionDetail = {
        placement: this.placement,
        items: out.items.map((it, i) => {
          const p = products[i] ?? {};
          return {
            id: it.id,
            ...(it.title ? { title: it.title } : {}),
            ...(p.price !== undefined ? { price: p.price } : {}),
            ...(p.currency ? { currency: p.currency } : {}),
            ...(p.brand ? { brand: p.brand } : {}),
            ...(p.category ? { category: p.category } : {}),
          };
        }),
        ...(this.#experiment ? { experiment: this.#experiment } : {}),
      };
      this.dispatchEvent(new CustomEvent('localrec-impression', { detail: impression, bubbles: true, composed: true }));
    }
    if (changed && this.dedupe) {
      // later rows leave out what this one shows now
      for (const r of dedupeRows)
        if (r !== this && this.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING) r.refresh();
    }
  }

  #fail(e: unknown): void {
    // the shop's fallback content takes the room the row had reserved (nothing below it moves);
    // without fallback content the row takes no room at all
    const slot = this.#fallback.querySelector('slot');
    const hasFallback = !!slot?.assignedNodes({ flatten: true }).some((n) => n.nodeType === 1 || n.textContent?.trim());
    const reserved = this.dataset.state === 'error' ? 0 : this.#wrap.getBoundingClientRect().height;
    if (hasFallback && reserved) this.#fallback.style.minHeight = `${reserved}px`;
    this.#setState('error');
    this.#status.replaceChildren();
    // the shopper sees the shop's fallback slot or nothing (the row hides itself, see styles.ts);
    // the error goes to the page's code and the console
    this.#row.replaceChildren();
    console.error('localrec: the recommendations row could not be filled', e);
    const detail: ErrorDetail = { error: e, code: errorCode(e) };
    this.dispatchEvent(new CustomEvent('localrec-error', { detail, bubbles: true, composed: true }));
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

  /** One page of the carousel, by the arrow buttons. */
  #scrollPage(dir: 1 | -1): void {
    const w = this.#row.clientWidth;
    this.#row.scrollBy({ left: dir * Math.max(w * 0.85, 1), behavior: 'smooth' });
  }

  #updateArrows(): void {
    const r = this.#row;
    const overflow = r.scrollWidth > r.clientWidth + 1;
    this.toggleAttribute('data-overflow', overflow);
    this.#prev.disabled = !overflow || r.scrollLeft <= 1;
    this.#next.disabled = !overflow || r.scrollLeft + r.clientWidth >= r.scrollWidth - 1;
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
        // a click that cannot be recorded never breaks the shop's navigation
        this.#warnOnce({
          code: 'bad-event',
          message: `the click on ${JSON.stringify(id)} was not recorded: ${String(err)}`,
        });
      });
    }
    const index = this.#last?.items.findIndex((it) => it.id === id) ?? -1;
    const detail: SelectDetail = {
      itemId: id,
      item,
      placement: this.placement,
      index,
      ...(this.#experiment ? { experiment: this.#experiment } : {}),
    };
    this.dispatchEvent(new CustomEvent('localrec-select', { detail, bubbles: true, composed: true }));
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
  interface HTMLElementEventMap {
    'localrec-select': CustomEvent<SelectDetail>;
    'localrec-render': CustomEvent<RenderDetail>;
    'localrec-impression': CustomEvent<ImpressionDetail>;
    'localrec-error': CustomEvent<ErrorDetail>;
    'localrec-warning': CustomEvent<WarningDetail>;
  }
  /** the events bubble and are composed: a page may listen on the document */
  interface DocumentEventMap {
    'localrec-select': CustomEvent<SelectDetail>;
    'localrec-render': CustomEvent<RenderDetail>;
    'localrec-impression': CustomEvent<ImpressionDetail>;
    'localrec-error': CustomEvent<ErrorDetail>;
    'localrec-warning': CustomEvent<WarningDetail>;
  }
}
