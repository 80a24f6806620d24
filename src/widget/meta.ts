/**
 * What <localrec-recommendations> offers a page, as data: the element reads its attribute list
 * from here, and the library build writes the package's custom-elements.json from it, so the
 * manifest cannot drift from the element.
 */
export interface AttributeMeta {
  name: string;
  /** the matching property (every attribute has one, with a setter) */
  property: string;
  type: string;
  default?: string;
  description: string;
}

export const ATTRIBUTES: readonly AttributeMeta[] = [
  {
    name: 'placement',
    property: 'placement',
    type: "'home' | 'item' | 'cart'",
    default: "'home'",
    description: 'home: next for this visitor; item: similar to item-id; cart: next for this visitor, minus exclude',
  },
  {
    name: 'item-id',
    property: 'itemId',
    type: 'string',
    description:
      'The item of the page: item rows show its neighbours, home/cart rows exclude it. An id the model does not know is skipped (a home-style row, one warning).',
  },
  { name: 'k', property: 'k', type: 'number', default: '8', description: 'Number of cards (1–50).' },
  {
    name: 'exclude',
    property: 'exclude',
    type: 'string[]',
    description: 'Comma-separated ids never to show (e.g. the cart); unknown ids are skipped with one warning.',
  },
  {
    name: 'candidates',
    property: 'candidates',
    type: 'string[]',
    description: 'Comma-separated ids to choose from (e.g. in stock); unknown ids are skipped with one warning.',
  },
  {
    name: 'heading',
    property: 'heading',
    type: 'string',
    description: "The row's title (default: by placement and language).",
  },
  {
    name: 'href-template',
    property: 'hrefTemplate',
    type: 'string',
    description:
      'e.g. "/p/{id}": cards become links (http(s) only; anything else keeps the cards buttons, with a warning). Without it, a catalogue url is the link, else cards are buttons.',
  },
  {
    name: 'dedupe',
    property: 'dedupe',
    type: 'boolean',
    description: 'Leave out items an earlier row with `dedupe` on the page already shows.',
  },
  {
    name: 'model-base',
    property: 'modelBase',
    type: 'string',
    description: 'Where the model folder is (the first element wins; configure() overrides).',
  },
  {
    name: 'wasm-base',
    property: 'wasmBase',
    type: 'string',
    description: "Where onnxruntime-web's files are (default: the package's ort/ folder next to its modules).",
  },
];

export const EVENTS = [
  { name: 'localrec-select', type: 'CustomEvent<SelectDetail>', description: 'A card was chosen: { itemId, item }.' },
  {
    name: 'localrec-render',
    type: 'CustomEvent<RenderDetail>',
    description: 'The row rendered: { items, source, gate, backend }.',
  },
  {
    name: 'localrec-error',
    type: 'CustomEvent<ErrorDetail>',
    description: 'The row could not be filled: { error, code } (the row hides itself or shows its fallback slot).',
  },
  {
    name: 'localrec-warning',
    type: 'CustomEvent<WarningDetail>',
    description: 'Something was skipped instead of failing: { code, message, ids? } (unknown ids, unsafe links).',
  },
] as const;

export const SLOTS = [
  { name: 'fallback', description: "The shop's own content, shown instead of the row when the model cannot load." },
] as const;

export const PARTS = [
  'container',
  'header',
  'heading',
  'badge',
  'status',
  'progress',
  'row',
  'card',
  'poster',
  'image',
  'card-title',
  'brand',
  'meta',
  'price',
  'availability',
  'reason',
  'empty',
  'prev',
  'next',
] as const;

export const CSS_PROPERTIES = [
  '--localrec-accent',
  '--localrec-text',
  '--localrec-muted',
  '--localrec-font',
  '--localrec-font-size',
  '--localrec-card-width',
  '--localrec-image-ratio',
  '--localrec-gap',
  '--localrec-radius',
  '--localrec-card-bg',
  '--localrec-focus',
  '--localrec-heading',
  '--localrec-heading-size',
] as const;

/** The custom-elements.json manifest (schema 2.1) of the widget module. */
export function customElementsManifest(modulePath: string): object {
  return {
    schemaVersion: '2.1.0',
    readme: 'docs/widget.md',
    modules: [
      {
        kind: 'javascript-module',
        path: modulePath,
        declarations: [
          {
            kind: 'class',
            name: 'LocalrecRecommendations',
            tagName: 'localrec-recommendations',
            customElement: true,
            description: 'A row of recommendation cards from the on-device recommender.',
            superclass: { name: 'HTMLElement' },
            attributes: ATTRIBUTES.map((a) => ({
              name: a.name,
              fieldName: a.property,
              type: { text: a.type },
              ...(a.default ? { default: a.default } : {}),
              description: a.description,
            })),
            members: ATTRIBUTES.map((a) => ({
              kind: 'field',
              name: a.property,
              attribute: a.name,
              type: { text: a.type },
              description: a.description,
            })),
            events: EVENTS.map((e) => ({ name: e.name, type: { text: e.type }, description: e.description })),
            slots: SLOTS.map((s) => ({ ...s })),
            cssParts: PARTS.map((name) => ({ name })),
            cssProperties: CSS_PROPERTIES.map((name) => ({ name })),
          },
        ],
        exports: [
          { kind: 'js', name: 'LocalrecRecommendations', declaration: { name: 'LocalrecRecommendations' } },
          {
            kind: 'custom-element-definition',
            name: 'localrec-recommendations',
            declaration: { name: 'LocalrecRecommendations' },
          },
        ],
      },
    ],
  };
}
