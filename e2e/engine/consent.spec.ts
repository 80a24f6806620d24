/**
 * What the page keeps on the device, with consent required: nothing of the visitor before consent
 * (no database, nothing in Cache Storage but the shop's model files, nothing in localStorage,
 * sessionStorage or cookies), everything after it, nothing again after it is withdrawn. And
 * retention with the browser's clock moved forward.
 */
import { expect, type Page, test } from '@playwright/test';
import { primaryModel } from '../../tests/support/models';

const model = primaryModel();

/** Everything the origin stores, as the page sees it. */
async function deviceState(page: Page) {
  return page.evaluate(async () => {
    const caches: Record<string, string[]> = {};
    for (const name of await window.caches.keys()) {
      const c = await window.caches.open(name);
      caches[name] = (await c.keys()).map((r) => new URL(r.url).pathname);
    }
    return {
      databases: (await indexedDB.databases()).map((d) => d.name),
      caches,
      localStorage: localStorage.length,
      sessionStorage: sessionStorage.length,
    };
  });
}

test('consent required: nothing of the visitor is stored until granted; revoking deletes it', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  await page.goto('/e2e/harness/engine.html');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const ids = model.catalog.ids.slice(0, 20);
  const out = await page.evaluate(
    async ({ url, ids }) => {
      const rec = await window.lr.createRecommender({
        model: url,
        backend: 'wasm',
        dbName: 'consent',
        consent: 'required',
      });
      window.recs.consent = rec;
      for (const [i, itemId] of ids.entries()) await rec.track({ type: i % 4 === 3 ? 'add_to_cart' : 'view', itemId });
      const r = await rec.recommend({ k: 5 });
      await window.debug(rec).storedOutputWritten();
      return { consent: rec.consent, source: r.source, storage: rec.storage.kind };
    },
    { url: model.url, ids },
  );
  expect(out).toEqual({ consent: 'pending', source: 'model', storage: 'memory' });
  const before = await deviceState(page);
  expect(before.databases).toEqual([]);
  expect(before.localStorage).toBe(0);
  expect(before.sessionStorage).toBe(0);
  // Cache Storage holds the shop's model files only (static files of the shop), nothing of the visitor
  for (const paths of Object.values(before.caches)) {
    for (const p of paths) expect(p.startsWith(new URL(model.url, 'http://x').pathname), p).toBe(true);
  }
  expect(await context.cookies()).toEqual([]);

  await page.evaluate(() => window.recs.consent!.grantConsent());
  const granted = await deviceState(page);
  expect(granted.databases).toEqual(['consent']);
  const stored = await page.evaluate(async () => (await window.recs.consent!.history()).length);
  expect(stored).toBe(20);
  // a new page of the same visitor finds the history on the device
  const page2 = await context.newPage();
  await page2.goto('/e2e/harness/engine.html');
  await page2.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const seen = await page2.evaluate(async (url) => {
    const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', dbName: 'consent' });
    const n = (await rec.history()).length;
    rec.close();
    return n;
  }, model.url);
  expect(seen).toBe(20);
  await page2.close();

  await page.evaluate(() => window.recs.consent!.revokeConsent());
  const revoked = await deviceState(page);
  expect(revoked.databases).toEqual([]);
  expect(await page.evaluate(async () => (await window.recs.consent!.history()).length)).toBe(0);
});

test('retention: events older than retentionDays are gone on a later visit (the browser clock moved on)', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const t0 = new Date('2026-03-01T10:00:00Z');
  await page.clock.install({ time: t0 });
  await page.goto('/e2e/harness/engine.html');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const ids = model.catalog.ids.slice(0, 5);
  await page.evaluate(
    async ({ url, ids }) => {
      const rec = await window.lr.createRecommender({
        model: url,
        backend: 'wasm',
        dbName: 'retention',
        retentionDays: 7,
      });
      for (const itemId of ids) await rec.track({ type: 'view', itemId });
      rec.close();
    },
    { url: model.url, ids },
  );
  const visit = () =>
    page.evaluate(async (url) => {
      const rec = await window.lr.createRecommender({
        model: url,
        backend: 'wasm',
        dbName: 'retention',
        retentionDays: 7,
      });
      const out = { events: (await rec.history()).length, retentionDays: (await rec.exportData()).retentionDays };
      rec.close();
      return out;
    }, model.url);
  await page.clock.setSystemTime(new Date(t0.getTime() + 6 * 86_400_000));
  expect(await visit()).toEqual({ events: 5, retentionDays: 7 });
  await page.clock.setSystemTime(new Date(t0.getTime() + 8 * 86_400_000));
  expect(await visit()).toEqual({ events: 0, retentionDays: 7 });
});
