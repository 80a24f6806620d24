/*
 * Offline support for the demo pages (the store and the embed example): a service worker that
 * precaches the page's built files, including the model, at install. The page list is written in
 * by `demo/postbuild.ts` at build time; `?page=store|embed` picks the list. Navigations go to the
 * network first (so a new build shows up when online) and fall back to the cached page.
 * Nothing here is part of the localrec library; a shop uses its own offline strategy.
 */
const PAGES = /* PRECACHE */ {};
const VERSION = /* VERSION */ 'dev';

const page = new URL(self.location.href).searchParams.get('page') === 'embed' ? 'embed' : 'store';
const CACHE = `localrec-demo-${page}-${VERSION}`;
const files = PAGES[page] || { shell: '/', urls: [] };

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(files.urls))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(`localrec-demo-${page}-`) && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    event.respondWith(
      fetch(req).catch(async () => (await caches.match(url.pathname, { cacheName: CACHE })) || (await caches.match(files.shell, { cacheName: CACHE })) || Response.error()),
    );
    return;
  }
  event.respondWith(
    caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(req)),
  );
});
