/**
 * Privacy: during 200 interactions (track / recommend / similar) the page makes no request that
 * could carry the visitor's behaviour. Every request of the whole session is a GET of a static
 * file on the page's own origin without a body; no item id or history appears in any URL; nothing
 * uses sendBeacon, WebSocket, EventSource, WebRTC or a third-party origin.
 */
import { expect, test } from '@playwright/test';
import { primaryModel, rng } from './models';

const model = primaryModel();

test('200 interactions: only same-origin GETs of static files, none carrying ids or history', async ({ page, context, baseURL }) => {
  test.setTimeout(300_000);
  await context.addInitScript(() => {
    const calls: string[] = [];
    (window as unknown as { __calls: string[] }).__calls = calls;
    const trap = (name: string) => {
      return function (this: unknown) {
        calls.push(name);
        throw new Error(`${name} is not allowed`);
      };
    };
    navigator.sendBeacon = trap('sendBeacon') as typeof navigator.sendBeacon;
    (window as unknown as Record<string, unknown>).WebSocket = trap('WebSocket');
    (window as unknown as Record<string, unknown>).EventSource = trap('EventSource');
    (window as unknown as Record<string, unknown>).RTCPeerConnection = trap('RTCPeerConnection');
    const origOpen = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: unknown[]) {
      calls.push(`xhr ${String(args[0])} ${String(args[1])}`);
      return (origOpen as (...a: unknown[]) => void).apply(this, args);
    } as typeof XMLHttpRequest.prototype.open;
  });

  // The dev server's HMR client opens a WebSocket to the dev server itself; a shop's page has no
  // such client, so it is replaced by an inert module here (everything else is measured as is).
  await page.route('**/@vite/client', (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: 'export const createHotContext = () => ({ accept() {}, dispose() {}, prune() {}, invalidate() {}, on() {}, off() {}, send() {}, data: {} }); export const updateStyle = () => {}; export const removeStyle = () => {}; export const injectQuery = (u) => u;',
    }),
  );

  const requests: { method: string; url: string; body: string | null; phase: string }[] = [];
  let phase = 'load';
  context.on('request', (r) => requests.push({ method: r.method(), url: r.url(), body: r.postData(), phase }));
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));

  await page.goto('/e2e/harness/engine.html');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await page.evaluate(async (url) => {
    window.recs.main = await window.lr.createRecommender({ model: url, backend: 'wasm', dbName: 'privacy' });
  }, model.url);
  // let the dev server's own traffic settle, then watch the interactions
  await page.waitForLoadState('networkidle');
  phase = 'interact';
  const r = rng(7);
  const tracked = Array.from({ length: 120 }, () => model.catalog.ids[Math.floor(r() * model.catalog.ids.length)]!);
  const counts = await page.evaluate(async (items) => {
    const rec = window.recs.main!;
    const types = ['view', 'click', 'add_to_cart', 'purchase', 'rate'] as const;
    let n = 0;
    for (let i = 0; n < 200; i++) {
      const itemId = items[i % items.length]!;
      const type = types[i % types.length]!;
      await rec.track(type === 'rate' ? { type, itemId, value: 1 + (i % 5) } : { type, itemId });
      n++;
      if (i % 3 === 0 && n < 200) {
        await rec.recommend({ k: 10 });
        n++;
      }
      if (i % 5 === 0 && n < 200) {
        await rec.similar(itemId, { k: 5 });
        n++;
      }
    }
    await rec.exportData();
    return { n, events: (await rec.history()).length };
  }, tracked);
  expect(counts.n).toBe(200);
  expect(counts.events).toBeGreaterThan(100);
  await page.waitForTimeout(500); // anything sent asynchronously after the last call would show up
  phase = 'done';

  const origin = new URL(baseURL!).origin;
  expect(requests.length).toBeGreaterThan(0);
  for (const q of requests) {
    expect(q.method, q.url).toBe('GET');
    expect(q.body, q.url).toBeNull();
    expect(new URL(q.url).origin, q.url).toBe(origin);
  }
  // nothing at all during the interactions (all model files were loaded before)
  expect(requests.filter((q) => q.phase !== 'load').map((q) => q.url)).toEqual([]);
  // no URL of the session names a tracked item as a path segment or query value
  const idSet = new Set(tracked);
  for (const q of requests) {
    const u = new URL(q.url);
    const parts = [...u.pathname.split('/'), ...[...u.searchParams.values()]];
    expect(parts.filter((p) => idSet.has(p)), q.url).toEqual([]);
  }
  expect(await page.evaluate(() => (window as unknown as { __calls: string[] }).__calls)).toEqual([]);
  expect(sockets.filter((s) => !s.startsWith(origin.replace('http', 'ws')))).toEqual([]);
});
