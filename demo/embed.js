// The shop's own code (a file of its own, so that the page runs under a strict
// Content-Security-Policy): its events go through localrec's page-level API.
import { configure, getRecommender, measureWithDataLayer, track } from '/lib/widget.js';
// The shop's own product data for the cards: its images (on its own origin) and prices.
// An image request tells the image host which film is shown, never the visitor's history;
// `images: 'same-origin'` refuses image URLs from other origins.
configure({
  images: 'same-origin',
  product: ({ id }) => ({
    image: `/products/${id}.svg`,
    price: 4.99 + (Number(id) % 7) * 2,
    currency: 'EUR',
    availability: Number(id) % 11 === 3 ? 'out_of_stock' : 'in_stock',
  }),
});
// Measurement, opted in: the rows' impressions and selections go to the page's dataLayer as GA4
// e-commerce events (the items shown and chosen, never the history).
measureWithDataLayer();
const log = (m) => (document.getElementById('shop-log').textContent = m);
const cart = new Set();
document.getElementById('products').addEventListener('click', async (e) => {
  const b = e.target.closest('button');
  if (!b) return;
  if (b.dataset.view) {
    await track({ type: 'view', itemId: b.dataset.view });
    const similar = document.getElementById('similar');
    similar.setAttribute('item-id', b.dataset.view);
    similar.setAttribute('heading', `Similar to ${b.closest('.product').querySelector('.title').textContent}`);
    log(`Viewed ${b.closest('.product').querySelector('.title').textContent}`);
  } else if (b.dataset.cart) {
    cart.add(b.dataset.cart);
    await track({ type: 'add_to_cart', itemId: b.dataset.cart });
    log('Added to cart');
  }
});
document.getElementById('checkout').addEventListener('click', async () => {
  for (const id of cart) await track({ type: 'purchase', itemId: id });
  log(cart.size ? 'Thanks for your order' : 'Your cart is empty');
  cart.clear();
});
document.getElementById('pause').addEventListener('click', async (e) => {
  const rec = await getRecommender();
  await rec.setPaused(!rec.paused);
  e.target.textContent = rec.paused ? 'Resume personalisation' : 'Pause personalisation';
  log(rec.paused ? 'Personalisation paused: nothing is recorded' : 'Personalisation on');
});
document.getElementById('erase').addEventListener('click', async () => {
  await (await getRecommender()).erase();
  log('Your history was erased from this browser');
});
document.addEventListener('localrec-select', (e) => log(`Picked ${e.detail.item?.title}`));
// The shop's own offline support (not part of localrec).
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js?page=embed');
