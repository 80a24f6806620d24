/**
 * Reelhouse, the localrec demo store: the MovieLens catalog as a small shop, with the
 * <localrec-recommendations> widget on the home, movie and cart pages and a "Your data" panel.
 * Hash routes: #/  #/genre/Comedy  #/search?q=star  #/movie/50  #/cart  #/data
 */
import { configure, getRecommender, type Recommender } from '../src/widget/index';
import type { AdapterInfo, CatalogItem, LoadProgress, StoredEvent } from '../src/types';
import { displayTitle, metaLine, poster } from '../src/widget/format';
import { stringsFor } from '../src/widget/strings';
import { buildCatalog, Cart, price, type Catalog } from './store';
import { h } from './dom';

declare global {
  interface Window {
    /** The demo page's engine instance (the library itself defines no globals). */
    localrec?: Recommender;
  }
}

/** The demo's model; `?model=/models/lastfm/` (a folder on this origin) tries another one. */
const MODEL = (() => {
  const m = new URLSearchParams(location.search).get('model');
  return m && /^\/[\w/.-]+\/$/.test(m) && !m.includes('..') ? m : '/models/movielens/';
})();
const PAGE = 48;

const app = document.getElementById('app')!;
const cart = new Cart();
let rec: Recommender;
let catalog: Catalog;

function bootProgress(p: LoadProgress | null): void {
  const pct = p ? Math.round(p.fraction * 100) : 0;
  app.replaceChildren(
    h(
      'div',
      { class: 'boot' },
      h('p', {}, 'Loading the on-device recommender…'),
      h(
        'div',
        { class: 'boot-bar', role: 'progressbar', 'aria-valuenow': pct, 'aria-valuemin': 0, 'aria-valuemax': 100 },
        h('span', { style: `width:${pct}%` }),
      ),
      h(
        'p',
        { class: 'muted small' },
        p ? `${p.fromCache ? 'From this device’s cache' : 'Downloading'} · ${pct}%` : '',
      ),
    ),
  );
}

// ---------- shared pieces ----------

function posterEl(item: CatalogItem, cls = 'poster'): HTMLElement {
  const p = poster(item.id, item.title);
  return h(
    'span',
    { class: cls, style: `background:${p.background}`, 'aria-hidden': 'true' },
    h('span', { class: 'initials' }, p.initials),
    item.year ? h('span', { class: 'year-tag' }, item.year) : null,
  );
}

function movieCard(item: CatalogItem): HTMLElement {
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'movie-card', href: `#/movie/${encodeURIComponent(item.id)}`, 'data-item-id': item.id },
      posterEl(item),
      h('span', { class: 'title' }, displayTitle(item.title)),
      h('span', { class: 'meta' }, metaLine(item.year, item.genres)),
      h('span', { class: 'price' }, price(item.id)),
    ),
  );
}

function grid(items: CatalogItem[], label: string): HTMLElement {
  const list = h('ul', { class: 'grid', 'aria-label': label });
  let shown = 0;
  const more = h('button', { class: 'btn ghost more', type: 'button' }, 'Show more');
  const wrap = h('div', {}, list);
  const page = () => {
    list.append(...items.slice(shown, shown + PAGE).map(movieCard));
    shown = Math.min(items.length, shown + PAGE);
    more.textContent = `Show more (${items.length - shown} left)`;
    if (shown >= items.length) more.remove();
  };
  more.addEventListener('click', page);
  page();
  if (shown < items.length) wrap.append(h('div', { class: 'center' }, more));
  return wrap;
}

function widget(attrs: Record<string, string | number>): HTMLElement {
  return h('localrec-recommendations', { 'href-template': '#/movie/{id}', ...attrs });
}

function genreTiles(): HTMLElement {
  return h(
    'ul',
    { class: 'tiles' },
    catalog.genres.map((g) => {
      const p = poster(`genre:${g.name}`, g.name);
      return h(
        'li',
        {},
        h(
          'a',
          { class: 'tile', href: `#/genre/${encodeURIComponent(g.name)}`, style: `background:${p.background}` },
          h('span', { class: 'tile-name' }, g.name),
          h('span', { class: 'tile-count' }, `${g.count} movies`),
        ),
      );
    }),
  );
}

function sortItems(items: CatalogItem[], mode: string): CatalogItem[] {
  const out = [...items];
  if (mode === 'title') out.sort((a, b) => displayTitle(a.title).localeCompare(displayTitle(b.title)));
  else if (mode === 'oldest') out.sort((a, b) => (a.year ?? 9999) - (b.year ?? 9999) || Number(a.id) - Number(b.id));
  else out.sort((a, b) => (b.year ?? 0) - (a.year ?? 0) || Number(a.id) - Number(b.id));
  return out;
}

// ---------- pages ----------

function homePage(): HTMLElement[] {
  const releases = sortItems(catalog.items, 'newest').slice(0, 12);
  return [
    h(
      'section',
      { class: 'hero' },
      h(
        'div',
        { class: 'hero-text' },
        h('p', { class: 'eyebrow' }, 'Private by design'),
        h('h1', {}, 'Movies picked for you, on your own device.'),
        h(
          'p',
          { class: 'lede' },
          'Every recommendation in this store is computed inside your browser. What you browse stays in this browser — nothing about you is sent to a server.',
        ),
        h(
          'div',
          { class: 'hero-actions' },
          h('a', { class: 'btn primary', href: '#/genre/Comedy' }, 'Browse comedies'),
          h('a', { class: 'btn ghost', href: '#/data' }, 'See your data'),
        ),
      ),
      h(
        'div',
        { class: 'hero-art', 'aria-hidden': 'true' },
        ...[49, 55, 97, 126, 171]
          .map((i) => catalog.items[i])
          .filter((x): x is CatalogItem => !!x)
          .map((it) => posterEl(it, 'hero-poster')),
      ),
    ),
    h('section', { class: 'band' }, widget({ id: 'next-for-you', placement: 'home', k: 10, heading: 'Next for you' })),
    recentlyViewed(),
    h('section', { class: 'band' }, h('h2', { class: 'section-title' }, 'Browse by genre'), genreTiles()),
    h(
      'section',
      { class: 'band' },
      h(
        'div',
        { class: 'section-head' },
        h('h2', { class: 'section-title' }, 'Latest releases'),
        h('a', { href: '#/genre/all' }, 'All movies →'),
      ),
      h('ul', { class: 'grid', 'aria-label': 'Latest releases' }, releases.map(movieCard)),
    ),
  ];
}

/** The visitor's last few distinct movies, from the on-device history (hidden when empty). */
function recentlyViewed(): HTMLElement {
  const list = h('ul', { class: 'grid recent', 'aria-label': 'Recently viewed' });
  const section = h(
    'section',
    { class: 'band', id: 'recently-viewed', hidden: true },
    h(
      'div',
      { class: 'section-head' },
      h('h2', { class: 'section-title' }, 'Recently viewed'),
      h('a', { href: '#/data' }, 'Your data →'),
    ),
    list,
  );
  void rec.history().then((events) => {
    const seen: CatalogItem[] = [];
    for (const e of [...events].reverse()) {
      const it = catalog.byId.get(e.itemId);
      if (it && !seen.includes(it)) seen.push(it);
      if (seen.length === 8) break;
    }
    list.replaceChildren(...seen.map(movieCard));
    section.hidden = seen.length === 0;
  });
  return section;
}

function listPage(title: string, subtitle: string, items: CatalogItem[], sortable = true): HTMLElement[] {
  const url = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const mode = url.get('sort') ?? 'newest';
  const body = h('div', {}, grid(sortable ? sortItems(items, mode) : items, title));
  const sort = h(
    'select',
    { id: 'sort', 'aria-label': 'Sort by' },
    ...[
      ['newest', 'Newest first'],
      ['oldest', 'Oldest first'],
      ['title', 'Title A–Z'],
    ].map(([v, l]) => h('option', { value: v!, selected: v === mode }, l!)),
  );
  sort.addEventListener('change', () => body.replaceChildren(grid(sortItems(items, sort.value), title)));
  return [
    h(
      'section',
      { class: 'band' },
      h(
        'div',
        { class: 'page-head' },
        h('div', {}, h('h1', {}, title), h('p', { class: 'muted' }, subtitle)),
        sortable && items.length > 1 ? h('label', { class: 'sort' }, 'Sort ', sort) : null,
      ),
      items.length ? body : h('p', { class: 'empty-state' }, 'No movies match. Try another title or a genre.'),
    ),
  ];
}

function genrePage(g: string): HTMLElement[] {
  if (g === 'all') return listPage('All movies', `${catalog.items.length.toLocaleString('en')} movies`, catalog.items);
  const items = catalog.inGenre(g);
  return listPage(g, `${items.length} movies`, items);
}

function searchPage(q: string): HTMLElement[] {
  const input = document.getElementById('search-input') as HTMLInputElement;
  if (input.value.trim() !== q) input.value = q;
  const items = catalog.search(q);
  return listPage(
    q ? `Results for “${q}”` : 'Search',
    `${items.length} ${items.length === 1 ? 'movie' : 'movies'}`,
    items,
    false,
  );
}

function moviePage(id: string): HTMLElement[] {
  const item = catalog.byId.get(id);
  if (!item)
    return [
      h(
        'section',
        { class: 'band' },
        h('h1', {}, 'Movie not found'),
        h('p', {}, h('a', { href: '#/' }, 'Back to the store')),
      ),
    ];
  rec.track({ type: 'view', itemId: id }).catch((e: unknown) => console.warn('localrec: view not recorded', e));
  const inCart = () => cart.has(id);
  const cartBtn = h('button', { class: 'btn primary', type: 'button', id: 'add-to-cart' });
  const syncCart = () => {
    cartBtn.textContent = inCart() ? 'In your cart ✓' : `Add to cart · ${price(id)}`;
  };
  syncCart();
  cartBtn.addEventListener('click', () => {
    if (inCart()) {
      location.hash = '#/cart';
      return;
    }
    cart.add(id);
    syncCart();
    void rec.track({ type: 'add_to_cart', itemId: id });
  });
  const buyBtn = h('button', { class: 'btn ghost', type: 'button', id: 'buy-now' }, 'Buy now');
  buyBtn.addEventListener('click', () => {
    void rec.track({ type: 'purchase', itemId: id });
    buyBtn.textContent = 'Purchased ✓';
    buyBtn.setAttribute('disabled', '');
  });
  const stars = h(
    'div',
    { class: 'stars', role: 'group', 'aria-label': 'Rate this movie' },
    [1, 2, 3, 4, 5].map((n) =>
      h(
        'button',
        {
          type: 'button',
          class: 'star',
          'aria-label': `${n} star${n > 1 ? 's' : ''}`,
          'data-value': n,
          onclick: () => {
            void rec.track({ type: 'rate', itemId: id, value: n });
            stars.querySelectorAll('.star').forEach((s, i) => {
              s.classList.toggle('on', i < n);
            });
          },
        },
        '★',
      ),
    ),
  );
  return [
    h(
      'nav',
      { class: 'crumbs', 'aria-label': 'Breadcrumb' },
      h('a', { href: '#/' }, 'Home'),
      ' / ',
      item.genres[0] ? h('a', { href: `#/genre/${encodeURIComponent(item.genres[0])}` }, item.genres[0]) : null,
      item.genres[0] ? ' / ' : null,
      h('span', {}, displayTitle(item.title)),
    ),
    h(
      'article',
      { class: 'movie', 'data-item-id': item.id },
      posterEl(item, 'poster big'),
      h(
        'div',
        { class: 'movie-info' },
        h('h1', {}, displayTitle(item.title)),
        h('p', { class: 'movie-meta' }, item.year ? `${item.year}` : 'Year unknown'),
        h(
          'ul',
          { class: 'chips' },
          item.genres
            .filter((g) => g && g !== 'unknown')
            .map((g) => h('li', {}, h('a', { class: 'chip', href: `#/genre/${encodeURIComponent(g)}` }, g))),
        ),
        h('p', { class: 'price big-price' }, price(id), h('span', { class: 'muted small' }, ' · rent or buy, HD')),
        h('div', { class: 'buy' }, cartBtn, buyBtn),
        h('div', { class: 'rate' }, h('span', { class: 'muted small' }, 'Your rating'), stars),
        h(
          'p',
          { class: 'note' },
          'Viewing this page was recorded in your browser only. ',
          h('a', { href: '#/data' }, 'See or erase your data'),
        ),
      ),
    ),
    h(
      'section',
      { class: 'band' },
      widget({ id: 'similar', placement: 'item', 'item-id': id, k: 10, heading: 'Similar movies', dedupe: '' }),
    ),
    h(
      'section',
      { class: 'band' },
      widget({
        id: 'recommended-for-you',
        placement: 'home',
        'item-id': id,
        k: 10,
        heading: 'Recommended for you',
        dedupe: '',
      }),
    ),
  ];
}

function cartPage(): HTMLElement[] {
  const items = cart.ids.map((id) => catalog.byId.get(id)).filter((x): x is CatalogItem => !!x);
  const total = items.reduce((s, it) => s + Number(price(it.id).slice(1)), 0);
  const checkout = h(
    'button',
    { class: 'btn primary', type: 'button', id: 'checkout' },
    `Checkout · $${total.toFixed(2)}`,
  );
  checkout.addEventListener('click', async () => {
    for (const it of items) await rec.track({ type: 'purchase', itemId: it.id });
    cart.clear();
    app.replaceChildren(...cartPage(), h('p', { class: 'toast', role: 'status' }, 'Thanks! Your order is complete.'));
  });
  return [
    h(
      'section',
      { class: 'band' },
      h(
        'div',
        { class: 'page-head' },
        h(
          'div',
          {},
          h('h1', {}, 'Your cart'),
          h('p', { class: 'muted' }, `${items.length} ${items.length === 1 ? 'movie' : 'movies'}`),
        ),
      ),
      items.length
        ? h(
            'div',
            { class: 'cart' },
            h(
              'ul',
              { class: 'cart-list' },
              items.map((it) =>
                h(
                  'li',
                  { class: 'cart-row', 'data-item-id': it.id },
                  posterEl(it, 'poster thumb'),
                  h(
                    'div',
                    { class: 'cart-info' },
                    h('a', { href: `#/movie/${it.id}` }, displayTitle(it.title)),
                    h('span', { class: 'muted small' }, metaLine(it.year, it.genres)),
                  ),
                  h('span', { class: 'price' }, price(it.id)),
                  h(
                    'button',
                    {
                      class: 'btn link',
                      type: 'button',
                      onclick: () => {
                        cart.remove(it.id);
                        route();
                      },
                    },
                    'Remove',
                  ),
                ),
              ),
            ),
            h('div', { class: 'cart-total' }, checkout),
          )
        : h('p', { class: 'empty-state' }, 'Your cart is empty. ', h('a', { href: '#/' }, 'Find something to watch')),
    ),
    h(
      'section',
      { class: 'band' },
      widget({
        id: 'cart-recs',
        placement: 'cart',
        k: 10,
        exclude: cart.ids.join(','),
        heading: 'Goes well with your cart',
      }),
    ),
  ];
}

const TYPE_LABEL: Record<string, string> = stringsFor('en').eventLabels;

function dataPage(): HTMLElement[] {
  const backend = h(
    'strong',
    { id: 'data-backend' },
    rec.backend === 'webgpu' ? 'WebGPU' : rec.backend === 'wasm' ? 'WebAssembly (CPU)' : String(rec.backend),
  );
  const storage = h(
    'strong',
    { id: 'data-storage' },
    rec.storage.kind === 'indexeddb' ? 'IndexedDB (this browser)' : 'Memory only (lost on reload)',
  );
  const gateBox = h('div', { class: 'gate', id: 'gate' });
  const historyBox = h('div', { id: 'history' });
  // the shopper's own view and controls (what is kept, what weighs most, export, erase, pause,
  // consent) are the library's drop-in panel; this page adds the model's internals beside it
  const panel = h('localrec-privacy-panel', { id: 'privacy-panel' });
  const adapterBox = h('div', { id: 'adapter' });
  const resetBtn = h('button', { class: 'btn ghost', type: 'button', id: 'adapter-reset' }, 'Reset my adapter');
  resetBtn.addEventListener('click', async () => {
    await rec.resetAdapter();
    void refresh();
  });

  // refreshes overlap (an event, a button, the erase notice): only the latest one may render, or a
  // slow earlier one (e.g. the first model inference) would paint an out-of-date history over it
  let refreshSeq = 0;
  async function refresh(): Promise<void> {
    const seq = ++refreshSeq;
    const [events, r, adapter] = await Promise.all([rec.history(), rec.recommend({ k: 5 }), rec.adapter()]);
    if (seq !== refreshSeq) return;
    renderGate(gateBox, r.gate, r.source);
    renderAdapter(adapterBox, adapter);
    resetBtn.hidden = !adapter.enabled;
    resetBtn.toggleAttribute('disabled', adapter.updates === 0);
    renderHistory(historyBox, events);
  }
  const unsub = rec.subscribe(() => {
    syncTrackingDot();
    void refresh();
  });
  cleanup = unsub;
  void refresh();

  return [
    h(
      'section',
      { class: 'band data-page' },
      h(
        'div',
        { class: 'page-head' },
        h(
          'div',
          {},
          h('h1', {}, 'Your data'),
          h(
            'p',
            { class: 'muted' },
            'Everything Reelhouse knows about you lives in this browser. The model runs here too; nothing below ever leaves your device.',
          ),
        ),
      ),
      h(
        'div',
        { class: 'facts' },
        h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, 'Model runs on'), backend),
        h(
          'div',
          { class: 'fact' },
          h('span', { class: 'fact-label' }, 'History stored in'),
          storage,
          rec.storage.reason ? h('span', { class: 'muted small' }, rec.storage.reason) : null,
        ),
      ),
      panel,
      h(
        'div',
        { class: 'data-cols' },
        h(
          'div',
          { class: 'panel' },
          h('h2', {}, 'Under the hood: the model’s experts'),
          h(
            'p',
            { class: 'muted small' },
            'The model mixes a few small expert adapters (iLoRA), weighted per request by a gate computed from your own history. These are the weights behind your current “Next for you” row.',
          ),
          gateBox,
          h(
            'p',
            { class: 'muted small model-line' },
            `Model “${rec.model.name}” · version ${rec.model.modelVersion} · ${rec.model.itemCount.toLocaleString('en')} items · reads your last ${rec.model.maxHistory} steps.`,
          ),
          h('h2', { class: 'adapter-head' }, 'Your personal adapter'),
          h(
            'p',
            { class: 'muted small' },
            'A few kilobytes of personal parameters on top of the shipped model, learned in this browser from what you do here. It never leaves your device; reset it any time.',
          ),
          adapterBox,
          h('div', { class: 'row-btns' }, resetBtn),
        ),
        h('div', { class: 'panel' }, h('h2', {}, 'Your history'), historyBox),
      ),
    ),
  ];
}

function renderGate(box: HTMLElement, gate: number[], source: string): void {
  if (!gate.length || source === 'popularity') {
    box.replaceChildren(
      h(
        'p',
        { class: 'muted small', id: 'gate-empty' },
        'No history yet: you are seeing popular picks, so the model and its experts are not used.',
      ),
    );
    return;
  }
  const max = Math.max(...gate);
  box.replaceChildren(
    ...gate.map((w, i) =>
      h(
        'div',
        { class: 'gate-row' },
        h('span', { class: 'gate-label' }, `Expert ${i + 1}`),
        h(
          'span',
          { class: 'gate-track' },
          h('span', { class: `gate-fill${w === max ? ' top' : ''}`, style: `width:${(w * 100).toFixed(1)}%` }),
        ),
        h('span', { class: 'gate-value' }, `${(w * 100).toFixed(0)}%`),
      ),
    ),
  );
}

function renderAdapter(box: HTMLElement, a: AdapterInfo): void {
  if (!a.enabled) {
    box.replaceChildren(
      h('p', { class: 'muted small', id: 'adapter-off' }, 'Personalisation on this device is turned off.'),
    );
    return;
  }
  const when = a.updatedAt
    ? new Intl.DateTimeFormat('en', {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }).format(a.updatedAt)
    : 'never';
  const facts = h(
    'div',
    { class: 'adapter-facts' },
    h('span', {}, 'Size ', h('strong', { id: 'adapter-size' }, `${(a.bytes / 1024).toFixed(1)} KB`)),
    h('span', {}, 'Updates ', h('strong', { id: 'adapter-updates' }, String(a.updates))),
    h('span', {}, 'Last update ', h('strong', { id: 'adapter-updated' }, when)),
    h('span', {}, 'Gate moved ', h('strong', { id: 'adapter-shift' }, `${(a.gateShift * 100).toFixed(1)}%`)),
  );
  const rows: HTMLElement[] = [];
  if (a.shippedGate.length) {
    a.shippedGate.forEach((w, i) => {
      const p = a.personalGate[i] ?? w;
      rows.push(
        h(
          'div',
          { class: 'gate-row adapter-row' },
          h('span', { class: 'gate-label' }, `Expert ${i + 1}`),
          h(
            'span',
            { class: 'adapter-bars' },
            h(
              'span',
              { class: 'gate-track', title: 'shipped model' },
              h('span', { class: 'gate-fill', style: `width:${(w * 100).toFixed(1)}%` }),
            ),
            h(
              'span',
              { class: 'gate-track', title: 'with your adapter' },
              h('span', { class: 'gate-fill top', style: `width:${(p * 100).toFixed(1)}%` }),
            ),
          ),
          h('span', { class: 'gate-value' }, `${(w * 100).toFixed(0)}→${(p * 100).toFixed(0)}%`),
        ),
      );
    });
  }
  const parts: HTMLElement[] = [
    facts,
    a.shippedGate.length
      ? h(
          'div',
          { class: 'gate', id: 'adapter-gates' },
          h(
            'p',
            { class: 'muted small legend' },
            h('span', { class: 'swatch shipped' }),
            'shipped model ',
            h('span', { class: 'swatch mine' }),
            'with your adapter',
          ),
          ...rows,
        )
      : h('p', { class: 'muted small', id: 'adapter-gates-empty' }, 'No history yet: nothing to compare.'),
  ];
  if (a.lastError) parts.push(h('p', { class: 'muted small', id: 'adapter-error' }, a.lastError.message));
  box.replaceChildren(...parts);
}

function renderHistory(box: HTMLElement, events: StoredEvent[]): void {
  if (!events.length) {
    box.replaceChildren(
      h(
        'p',
        { class: 'empty-state small', id: 'history-empty' },
        'Nothing recorded. Browse a few movies and they will show up here.',
      ),
    );
    return;
  }
  const recent = [...events].sort((a, b) => b.time - a.time).slice(0, 100);
  const fmt = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  box.replaceChildren(
    h(
      'ol',
      { class: 'history', id: 'history-list' },
      recent.map((e) => {
        const it = catalog.byId.get(e.itemId);
        return h(
          'li',
          { 'data-item-id': e.itemId, 'data-type': e.type },
          h(
            'span',
            { class: `ev ev-${e.type}` },
            TYPE_LABEL[e.type] ?? e.type,
            e.type === 'rate' && e.value !== null ? ` ${e.value}★` : '',
          ),
          h('a', { href: `#/movie/${encodeURIComponent(e.itemId)}` }, it ? displayTitle(it.title) : `#${e.itemId}`),
          h('time', { datetime: new Date(e.time).toISOString() }, fmt.format(e.time)),
        );
      }),
    ),
    events.length > recent.length
      ? h(
          'p',
          { class: 'muted small' },
          `…and ${events.length - recent.length} older events (all included in the export).`,
        )
      : '',
  );
}

// ---------- router ----------

let cleanup: (() => void) | null = null;

function route(): void {
  cleanup?.();
  cleanup = null;
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [path = '', query = ''] = hash.split('?');
  const parts = path.split('/').filter(Boolean);
  let nodes: HTMLElement[];
  let title = 'Reelhouse';
  if (parts[0] === 'movie' && parts[1]) {
    nodes = moviePage(parts[1]);
    const it = catalog.byId.get(parts[1]);
    if (it) title = `${displayTitle(it.title)} · Reelhouse`;
  } else if (parts[0] === 'genre' && parts[1]) {
    nodes = genrePage(parts[1]);
    title = `${parts[1] === 'all' ? 'All movies' : parts[1]} · Reelhouse`;
  } else if (parts[0] === 'search') {
    nodes = searchPage(new URLSearchParams(query).get('q') ?? '');
    title = 'Search · Reelhouse';
  } else if (parts[0] === 'cart') {
    nodes = cartPage();
    title = 'Cart · Reelhouse';
  } else if (parts[0] === 'data') {
    nodes = dataPage();
    title = 'Your data · Reelhouse';
  } else {
    nodes = homePage();
  }
  document.title = title;
  if (parts[0] !== 'search') (document.getElementById('search-input') as HTMLInputElement).value = '';
  app.replaceChildren(...nodes);
  document.querySelectorAll<HTMLAnchorElement>('#genre-nav a, .top-nav a').forEach((a) => {
    a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${path}`);
  });
  window.scrollTo(0, 0);
}

function syncTrackingDot(): void {
  const dot = document.getElementById('tracking-dot');
  dot?.classList.toggle('paused', rec.paused);
  document
    .getElementById('nav-data')
    ?.setAttribute('title', rec.paused ? 'Tracking paused' : 'Tracking on (this browser only)');
}

function syncCartCount(): void {
  document.getElementById('cart-count')!.textContent = String(cart.ids.length);
}

async function main(): Promise<void> {
  bootProgress(null);
  configure({ model: MODEL, onProgress: bootProgress });
  try {
    rec = await getRecommender();
  } catch (e) {
    app.replaceChildren(
      h(
        'div',
        { class: 'boot' },
        h('h1', {}, 'The recommender could not start'),
        h('p', {}, String((e as Error)?.message ?? e)),
      ),
    );
    throw e;
  }
  window.localrec = rec;
  catalog = buildCatalog(rec.items());
  (document.getElementById('search-input') as HTMLInputElement).placeholder =
    `Search ${catalog.items.length.toLocaleString('en')} movies…`;
  const nav = document.getElementById('genre-nav')!;
  nav.replaceChildren(
    h('a', { href: '#/genre/all' }, 'All'),
    ...catalog.genres.map((g) => h('a', { href: `#/genre/${encodeURIComponent(g.name)}` }, g.name)),
  );
  const searchInput = document.getElementById('search-input') as HTMLInputElement;
  const search = (replace: boolean) => {
    const q = searchInput.value.trim();
    const target = `#/search?q=${encodeURIComponent(q)}`;
    if (replace && location.hash.startsWith('#/search')) location.replace(target);
    else location.hash = target;
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  searchInput.addEventListener('input', () => {
    clearTimeout(typing);
    if (searchInput.value.trim().length >= 2) typing = setTimeout(() => search(true), 250);
  });
  document.getElementById('search-form')!.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(typing);
    search(false);
  });
  cart.subscribe(syncCartCount);
  syncCartCount();
  syncTrackingDot();
  window.addEventListener('hashchange', route);
  route();
  document.documentElement.dataset.ready = 'true';
}

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  // The demo's own static files, for offline use after the first visit (the engine caches the model).
  navigator.serviceWorker
    .register('/sw.js?page=store')
    .catch((e: unknown) => console.warn('service worker not registered', e));
}

void main();
