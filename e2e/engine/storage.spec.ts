/** The history store in a real browser: reload, two tabs at once, IndexedDB unavailable. */
import { expect, test, type Page } from '@playwright/test';
import { primaryModel, openHarness } from './models';

const model = primaryModel();
const ids = model.catalog.ids;

const open = openHarness;

test('history survives a reload (and in-page inference answers like the worker)', async ({ page }) => {
  await open(page);
  const before = await page.evaluate(
    async ({ url, items }) => {
      const rec = await window.lr.createRecommender({ model: url, backend: 'wasm' });
      for (const itemId of items) await rec.track({ type: 'view', itemId });
      await rec.track({ type: 'rate', itemId: items[0]!, value: 4 });
      const r = await rec.recommend({ k: 5 });
      rec.close();
      return { storage: rec.storage, source: r.source, ids: r.items.map((x) => x.id) };
    },
    { url: model.url, items: ids.slice(0, 3) },
  );
  expect(before.storage.kind).toBe('indexeddb');
  expect(before.source).toBe('model');
  await page.reload();
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const after = await page.evaluate(
    async ({ url }) => {
      // in-page inference this time (worker: false): the same engine behind the same interface
      const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', worker: false });
      const h = await rec.history();
      const r = await rec.recommend({ k: 5 });
      rec.close();
      return { events: h.map((e) => [e.type, e.itemId, e.value]), ids: r.items.map((x) => x.id) };
    },
    { url: model.url },
  );
  expect(after.events).toEqual([
    ['view', ids[0], null],
    ['view', ids[1], null],
    ['view', ids[2], null],
    ['rate', ids[0], 4],
  ]);
  expect(after.ids).toEqual(before.ids);
});

test('two tabs tracking 500 events each at the same time end with all 1,000', async ({ page, context }) => {
  test.setTimeout(300_000);
  const other = await context.newPage();
  await Promise.all([open(page), open(other)]);
  const create = (p: Page) =>
    p.evaluate(async (url) => {
      const rec = await window.lr.createRecommender({ model: url, backend: 'wasm' });
      window.recs.main = rec;
      (window as unknown as { remote: number }).remote = 0;
      rec.subscribe((c) => {
        if (c.remote) (window as unknown as { remote: number }).remote++;
      });
    }, model.url);
  await Promise.all([create(page), create(other)]);
  const burst = (p: Page, tab: string) =>
    p.evaluate(
      async ({ items, tab }) => {
        const rec = window.recs.main!;
        // 500 tracks issued back to back (not awaited one by one): maximal interleaving with the other tab
        await Promise.all(items.map((itemId, i) => rec.track({ type: 'view', itemId, value: i, time: tab === 'a' ? i : 10_000 + i })));
      },
      { items: Array.from({ length: 500 }, (_, i) => ids[i % ids.length]!), tab },
    );
  await Promise.all([burst(page, 'a'), burst(other, 'b')]);
  const result = await page.evaluate(async () => {
    const h = await window.recs.main!.history();
    return { n: h.length, ids: new Set(h.map((e) => e.id)).size, a: h.filter((e) => e.time < 10_000).length, remote: (window as unknown as { remote: number }).remote };
  });
  expect(result.n).toBe(1000);
  expect(result.ids).toBe(1000);
  expect(result.a).toBe(500);
  // the other tab's writes were announced here (BroadcastChannel)
  expect(result.remote).toBeGreaterThan(0);
  await other.close();
});

test('with IndexedDB unavailable the engine recommends from memory and says so', async ({ page }) => {
  await page.addInitScript(() => {
    const f = Object.getPrototypeOf(indexedDB) as IDBFactory;
    f.open = () => {
      throw new DOMException('IndexedDB disabled by the test', 'SecurityError');
    };
  });
  await open(page);
  const res = await page.evaluate(
    async ({ url, items }) => {
      const rec = await window.lr.createRecommender({ model: url, backend: 'wasm' });
      for (const itemId of items) await rec.track({ type: 'view', itemId });
      const r = await rec.recommend({ k: 5 });
      const h = await rec.history();
      rec.close();
      return { storage: rec.storage, source: r.source, n: r.items.length, events: h.length, seen: r.items.some((x) => items.includes(x.id)) };
    },
    { url: model.url, items: ids.slice(0, 4) },
  );
  expect(res.storage.kind).toBe('memory');
  expect(res.storage.reason).toContain('IndexedDB disabled by the test');
  expect(res.source).toBe('model');
  expect(res.n).toBe(5);
  expect(res.events).toBe(4);
  expect(res.seen).toBe(false);
});
