/**
 * Resume in a real browser (WASM, the shipped MovieLens model): a returning visitor's page gets
 * the recommender before the model session is up and its first recommendation from the model
 * output kept on the last visit (`source: 'stored'`); it lists the same items as the model gives
 * once the session is up, with the same scores up to float rounding. The stored output is in
 * IndexedDB next to the history and erase() deletes it.
 */
import { expect, test } from '@playwright/test';
import { primaryModel, rng, openHarness } from './models';

const model = primaryModel();
const r = rng(7);
const views: string[] = [];
while (views.length < 6) {
  const id = model.catalog.ids[Math.floor(r() * model.catalog.ids.length)]!;
  if (!views.includes(id)) views.push(id);
}

const open = openHarness;

test('a returning visitor is answered from the stored model output while the session starts', async ({ page }) => {
  await open(page);
  const first = await page.evaluate(
    async ({ url, views }) => {
      const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', dbName: 'resume-spec' });
      for (const id of views) await rec.track({ type: 'view', itemId: id });
      const a = await rec.recommend({ k: 10 });
      const resumed = window.debug(rec).startup()!.resumed;
      await window.debug(rec).storedOutputWritten(); // before the page goes (a navigation aborts the write)
      rec.close();
      return { ids: a.items.map((x) => x.id), source: a.source, resumed };
    },
    { url: model.url, views },
  );
  expect(first.source).toBe('model');
  expect(first.resumed).toBe(false); // a first visit has nothing stored

  await open(page); // the next visit
  const again = await page.evaluate(
    async ({ url }) => {
      const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', dbName: 'resume-spec' });
      const startup = window.debug(rec).startup()!;
      const stored = await rec.recommend({ k: 10 });
      await rec.ready();
      const model = await rec.recommend({ k: 10 });
      const exported = (await rec.exportData()).storedOutput;
      await rec.erase();
      const afterErase = (await rec.exportData()).storedOutput;
      rec.close();
      const pick = (x: typeof stored) => ({ source: x.source, ids: x.items.map((i) => i.id), scores: x.items.map((i) => i.score), gate: x.gate });
      return { startup, stored: pick(stored), model: pick(model), exported, afterErase };
    },
    { url: model.url },
  );
  expect(again.startup.resumed).toBe(true);
  expect(Number.isNaN(again.startup.readyMs)).toBe(true); // resolved before the session was up
  expect(again.stored.source).toBe('stored');
  expect(again.model.source).toBe('model');
  expect(again.stored.ids).toEqual(first.ids);
  expect(again.model.ids).toEqual(first.ids);
  again.stored.scores.forEach((s, i) => expect(Math.abs(s - again.model.scores[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(s))));
  again.stored.gate.forEach((g, i) => expect(g).toBeCloseTo(again.model.gate[i]!, 6));
  expect(again.exported?.history).toEqual(views.filter((v) => model.catalog.ids.includes(v)));
  expect(again.afterErase).toBeNull();
});
