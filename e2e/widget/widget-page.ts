/**
 * The widget harness page, served by the engine's dev server: the widget entry, configured from
 * the query string (model, images, products), exposed to the tests as `window.lib`.
 *   ?model=/nope/      a model folder that does not exist
 *   ?images=same-origin|none
 *   ?products=1        shop product data for every item: even ids an image on this origin,
 *                      odd ids one on another origin; a price in EUR, a brand, availability
 */
import * as lib from '../../src/widget/index';
import type { ImagePolicy, ProductFields } from '../../src/widget/index';

const q = new URLSearchParams(location.search);

function product(item: { id: string }): ProductFields {
  const n = Number(item.id);
  return {
    image: n % 2 ? `https://images.other.example/${item.id}.svg` : `/e2e/widget/img/${item.id}.svg`,
    price: 5 + (n % 20) + 0.99,
    currency: 'EUR',
    brand: n % 3 ? 'Northwind' : 'Contoso',
    availability: n % 5 ? 'in_stock' : 'https://schema.org/OutOfStock',
  };
}

lib.configure({
  model: q.get('model') ?? '/models/movielens/',
  images: (q.get('images') as ImagePolicy | null) ?? 'any',
  ...(q.has('products') ? { product } : {}),
});
(window as unknown as { lib: typeof lib }).lib = lib;
document.body.dataset.ready = '1';
