/**
 * <localrec-privacy-panel>: what the device holds about the shopper, in words a shopper reads —
 * how many interactions since when, how long they are kept, what weighs most in their
 * recommendations (categories and items) — with export, erase, pause and the consent state.
 * Any shop can drop it into its privacy or account page; it talks to the page's recommender only.
 */
import type { Recommender } from '../index';
import { getRecommender } from './api';
import { fill } from './strings';

interface PanelStrings {
  heading: string;
  intro: string;
  events: string;
  since: string;
  keptFor: string;
  keptForever: string;
  tracking: string;
  on: string;
  paused: string;
  consentGranted: string;
  consentPending: string;
  allow: string;
  withdraw: string;
  shapes: string;
  nothingYet: string;
  categories: string;
  items: string;
  adapter: string;
  pause: string;
  resume: string;
  exportData: string;
  erase: string;
  eraseQuestion: string;
  eraseConfirm: string;
  cancel: string;
  unavailable: string;
}

const STRINGS: Record<string, PanelStrings> = {
  en: {
    heading: 'Your data on this device',
    intro:
      'Your recommendations are computed in this browser from what you do on this site. Nothing of it is sent anywhere.',
    events: 'Interactions kept',
    since: 'since {date}',
    keptFor: 'Each is deleted after {days} days',
    keptForever: 'Kept until you erase them',
    tracking: 'Recording',
    on: 'On',
    paused: 'Paused',
    consentGranted: 'Kept in this browser.',
    consentPending: 'Not kept: forgotten when you leave this page.',
    allow: 'Keep my data in this browser',
    withdraw: 'Stop keeping my data',
    shapes: 'What shapes your recommendations',
    nothingYet: 'Nothing yet: you see what is popular.',
    categories: 'Categories',
    items: 'Items',
    adapter: 'A personal adjustment of {kb} KB, learned in this browser',
    pause: 'Pause recording',
    resume: 'Resume recording',
    exportData: 'Download my data',
    erase: 'Erase everything…',
    eraseQuestion: 'Erase everything this site keeps about you in this browser? This cannot be undone.',
    eraseConfirm: 'Erase',
    cancel: 'Cancel',
    unavailable: 'Your data cannot be shown right now.',
  },
  de: {
    heading: 'Ihre Daten auf diesem Gerät',
    intro:
      'Ihre Empfehlungen werden in diesem Browser aus Ihrem Verhalten auf dieser Website berechnet. Nichts davon wird gesendet.',
    events: 'Gespeicherte Interaktionen',
    since: 'seit {date}',
    keptFor: 'Jede wird nach {days} Tagen gelöscht',
    keptForever: 'Gespeichert, bis Sie sie löschen',
    tracking: 'Aufzeichnung',
    on: 'An',
    paused: 'Pausiert',
    consentGranted: 'In diesem Browser gespeichert.',
    consentPending: 'Nicht gespeichert: vergessen, wenn Sie diese Seite verlassen.',
    allow: 'Meine Daten in diesem Browser speichern',
    withdraw: 'Meine Daten nicht mehr speichern',
    shapes: 'Was Ihre Empfehlungen prägt',
    nothingYet: 'Noch nichts: Sie sehen Beliebtes.',
    categories: 'Kategorien',
    items: 'Artikel',
    adapter: 'Eine persönliche Anpassung von {kb} KB, in diesem Browser gelernt',
    pause: 'Aufzeichnung pausieren',
    resume: 'Aufzeichnung fortsetzen',
    exportData: 'Meine Daten herunterladen',
    erase: 'Alles löschen…',
    eraseQuestion:
      'Alles löschen, was diese Website in diesem Browser über Sie speichert? Das lässt sich nicht rückgängig machen.',
    eraseConfirm: 'Löschen',
    cancel: 'Abbrechen',
    unavailable: 'Ihre Daten können gerade nicht angezeigt werden.',
  },
};

const CSS = `
:host { display: block; font: var(--localrec-font-size, 15px) / 1.45 var(--localrec-font, system-ui, sans-serif); color: var(--localrec-text, #1b1b1f); }
section { border: 1px solid var(--localrec-border, #d9d9de); border-radius: var(--localrec-radius, 10px); padding: 16px; background: var(--localrec-card-bg, #fff); }
h2 { font-size: 1.15em; margin: 0 0 6px; } h3 { font-size: 1em; margin: 14px 0 6px; }
p { margin: 4px 0; } .muted { color: var(--localrec-muted, #5b5b66); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 10px 0; } dt { color: var(--localrec-muted, #5b5b66); } dd { margin: 0; }
ul { list-style: none; padding: 0; margin: 0; } li { display: grid; grid-template-columns: 10em 1fr 3em; gap: 8px; align-items: center; margin: 3px 0; }
.bar { height: 8px; border-radius: 4px; background: var(--localrec-accent, #3a5bd9); }
.btns { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
button { font: inherit; padding: 6px 12px; border-radius: 8px; border: 1px solid var(--localrec-border, #c5c5cc); background: transparent; color: inherit; cursor: pointer; }
button:focus-visible { outline: 2px solid var(--localrec-focus, #3a5bd9); outline-offset: 2px; }
button.danger { border-color: #b3261e; color: #b3261e; }
[hidden] { display: none !important; }
`;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export class LocalrecPrivacyPanel extends HTMLElement {
  readonly #root: ShadowRoot;
  #rec: Recommender | null = null;
  #unsubscribe: (() => void) | null = null;
  #seq = 0;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
  }

  get #s(): PanelStrings {
    const lang = (this.closest('[lang]')?.getAttribute('lang') ?? document.documentElement.lang ?? 'en').toLowerCase();
    return STRINGS[lang.split('-')[0] ?? 'en'] ?? STRINGS.en!;
  }

  connectedCallback(): void {
    getRecommender().then(
      (rec) => {
        if (!this.isConnected) return;
        this.#rec = rec;
        this.#unsubscribe?.();
        this.#unsubscribe = rec.subscribe(() => void this.refresh());
        void this.refresh();
      },
      (error: unknown) => {
        this.#root.replaceChildren(el('p', { class: 'muted' }, this.#s.unavailable));
        this.dispatchEvent(new CustomEvent('localrec-error', { detail: { error }, bubbles: true, composed: true }));
      },
    );
  }

  disconnectedCallback(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  /** Reads the recommender again and redraws (the latest call wins). */
  async refresh(): Promise<void> {
    const rec = this.#rec;
    if (!rec) return;
    const seq = ++this.#seq;
    const summary = await rec.summary();
    if (seq !== this.#seq || !this.isConnected) return;
    this.#draw(rec, summary);
  }

  #draw(rec: Recommender, sum: Awaited<ReturnType<Recommender['summary']>>): void {
    const s = this.#s;
    const style = el('style');
    style.textContent = CSS;
    const box = el('section', { part: 'panel', 'aria-labelledby': 'h' });
    box.append(el('h2', { id: 'h' }, s.heading), el('p', { class: 'muted' }, s.intro));

    const granted = sum.consent === 'granted';
    const consent = el(
      'p',
      { id: 'consent-state', 'data-consent': sum.consent },
      granted ? s.consentGranted : s.consentPending,
    );
    const consentBtn = el('button', { type: 'button', id: 'consent' }, granted ? s.withdraw : s.allow);
    consentBtn.addEventListener(
      'click',
      () => void (granted ? rec.revokeConsent() : rec.grantConsent()).then(() => this.refresh()),
    );

    const facts = el('dl');
    const since = sum.oldest === null ? '' : ` (${fill(s.since, { date: new Date(sum.oldest).toLocaleDateString() })})`;
    const count = el('strong', { id: 'data-count' }, String(sum.events));
    const countDd = el('dd');
    countDd.append(count, since);
    facts.append(el('dt', {}, s.events), countDd);
    facts.append(
      el('dt', {}, ''),
      el(
        'dd',
        { id: 'retention' },
        Number.isFinite(sum.retentionDays) ? fill(s.keptFor, { days: sum.retentionDays }) : s.keptForever,
      ),
    );
    const tracking = el('dd');
    tracking.append(el('strong', { id: 'data-tracking' }, sum.paused ? s.paused : s.on));
    facts.append(el('dt', {}, s.tracking), tracking);

    box.append(consent, facts, el('h3', {}, s.shapes));
    if (!sum.topItems.length) box.append(el('p', { class: 'muted', id: 'shapes-empty' }, s.nothingYet));
    else {
      box.append(
        this.#bars(
          s.categories,
          'top-categories',
          sum.topCategories.map((c) => [c.name, c.weight] as const),
        ),
      );
      box.append(
        this.#bars(
          s.items,
          'top-items',
          sum.topItems.map((i) => [i.title || i.itemId, i.weight] as const),
        ),
      );
      if (sum.adapterBytes > 0)
        box.append(el('p', { class: 'muted' }, fill(s.adapter, { kb: (sum.adapterBytes / 1024).toFixed(1) })));
    }

    const pause = el(
      'button',
      { type: 'button', id: 'pause', 'aria-pressed': String(sum.paused) },
      sum.paused ? s.resume : s.pause,
    );
    pause.addEventListener('click', () => void rec.setPaused(!rec.paused).then(() => this.refresh()));
    const exportBtn = el('button', { type: 'button', id: 'export' }, s.exportData);
    exportBtn.addEventListener('click', () => void this.#download(rec));
    const erase = el('button', { type: 'button', id: 'erase', class: 'danger' }, s.erase);
    const confirm = el('div', { role: 'alertdialog', 'aria-label': s.erase, hidden: '' });
    erase.addEventListener('click', () => {
      const yes = el('button', { type: 'button', id: 'erase-confirm', class: 'danger' }, s.eraseConfirm);
      const no = el('button', { type: 'button' }, s.cancel);
      yes.addEventListener('click', () => void rec.erase().then(() => this.refresh()));
      no.addEventListener('click', () => confirm.setAttribute('hidden', ''));
      const btns = el('div', { class: 'btns' });
      btns.append(yes, no);
      confirm.replaceChildren(el('p', {}, s.eraseQuestion), btns);
      confirm.removeAttribute('hidden');
      yes.focus();
    });
    const btns = el('div', { class: 'btns' });
    btns.append(pause, exportBtn, erase, consentBtn);
    box.append(btns, confirm);
    this.#root.replaceChildren(style, box);
  }

  #bars(title: string, id: string, rows: readonly (readonly [string, number])[]): HTMLElement {
    const wrap = el('div');
    const list = el('ul', { id, 'aria-label': title });
    for (const [name, w] of rows) {
      const li = el('li');
      const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
      bar.style.width = `${Math.round(w * 100)}%`;
      li.append(el('span', {}, name), bar, el('span', { class: 'muted' }, `${Math.round(w * 100)}%`));
      list.append(li);
    }
    wrap.append(el('h3', {}, title), list);
    return wrap;
  }

  async #download(rec: Recommender): Promise<void> {
    const data = await rec.exportData();
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const a = el('a', {
      href: URL.createObjectURL(blob),
      download: `my-data-${new Date().toISOString().slice(0, 10)}.json`,
    });
    this.#root.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}

/** Registers <localrec-privacy-panel> (idempotent). */
export function definePrivacyPanel(name = 'localrec-privacy-panel'): void {
  if (typeof customElements !== 'undefined' && !customElements.get(name)) {
    customElements.define(name, class extends LocalrecPrivacyPanel {});
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'localrec-privacy-panel': LocalrecPrivacyPanel;
  }
}
