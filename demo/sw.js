/*
 * Offline support for the demo pages (the store and the embed example): a service worker that
 * precaches the page's built files, including the model, at install. The page list is written in
 * by `demo/postbuild.ts` at build time; `?page=store|embed` picks the list. Both register at scope
 * `/`: a dedicated worker's script (the inference worker) is matched against the scope by its own
 * URL. Whichever page registered last, files cached for the other page stay and are served too.
 * Navigations go to the network first (so a new build shows up when online) and fall back to the
 * cached page.
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

/** This page's cache first, then any demo page's. */
async function cached(path) {
  return (await caches.match(path, { cacheName: CACHE })) || (await caches.match(path));
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    event.respondWith(
      fetch(req).catch(async () => (await cached(url.pathname)) || (await cached(files.shell)) || Response.error()),
    );
    return;
  }
  event.respondWith(cached(url.pathname).then((hit) => hit || fetch(req)));
});
