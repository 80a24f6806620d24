/**
 * The demo store, built (`npm run build`) and served by `vite preview`: a visitor's whole journey
 * with the real engine and the shipped MovieLens model, offline after the first load.
 */
import { expect, test, type Page } from '@playwright/test';
import { offlineReady, readyRow } from './helpers';

type Ev = { type: string; itemId: string };

async function history(page: Page): Promise<Ev[]> {
  return page.evaluate(async () => (await window.localrec!.history()).map((e) => ({ type: e.type, itemId: e.itemId })));
}

async function home(page: Page): Promise<{ ids: string[]; source: string }> {
  await page.locator('a.brand').click();
  return readyRow(page, '#next-for-you');
}

test('browse, reload, erase and pause — all offline after the first load', async ({ page, context }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto('/');
  const empty = await readyRow(page, '#next-for-you');
  expect(empty.source).toBe('popularity');
  expect(empty.ids).toHaveLength(10);
  expect(await history(page)).toEqual([]);
  await offlineReady(page);

  await context.setOffline(true);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);

  // Open five movies from the Sci-Fi shelf, through the store's own links.
  await page.locator('#genre-nav a', { hasText: 'Sci-Fi' }).click();
  await expect(page.locator('h1')).toHaveText('Sci-Fi');
  const shelf = await page.locator('.grid .movie-card').evaluateAll((els) => els.slice(0, 5).map((e) => (e as HTMLElement).dataset.itemId!));
  expect(shelf).toHaveLength(5);
  for (const id of shelf) {
    await page.locator(`.grid .movie-card[data-item-id="${id}"]`).click();
    await expect(page.locator(`article.movie[data-item-id="${id}"]`)).toBeVisible();
    await expect(page.locator('#similar[data-state="ready"]')).toBeVisible();
    await page.goBack();
    await expect(page.locator('h1')).toHaveText('Sci-Fi');
  }
  await expect.poll(async () => (await history(page)).map((e) => e.itemId)).toEqual(shelf);

  // "Next for you" now comes from the model, differs from the empty-history answer and skips what was seen.
  const personal = await home(page);
  expect(personal.source).toBe('model');
  expect(personal.ids).toHaveLength(10);
  expect(personal.ids).not.toEqual(empty.ids);
  for (const id of shelf) expect(personal.ids).not.toContain(id);

  // The movie page's "Recommended for you" row also excludes the history (and the movie shown).
  await page.locator(`#next-for-you .card[data-item-id="${personal.ids[0]}"]`).click();
  await expect(page.locator(`article.movie[data-item-id="${personal.ids[0]}"]`)).toBeVisible();
  const onMovie = await readyRow(page, '#recommended-for-you');
  for (const id of [...shelf, personal.ids[0]!]) expect(onMovie.ids).not.toContain(id);
  const clicked = personal.ids[0]!;
  await expect.poll(async () => (await history(page)).slice(5)).toEqual([
    { type: 'click', itemId: clicked },
    { type: 'view', itemId: clicked },
  ]);

  // Reload while offline: the store, the history and the recommendations are still there.
  const before = await home(page);
  await page.reload();
  const after = await readyRow(page, '#next-for-you');
  // answered from the model output kept on the device, before the model session is up (resume)
  expect(after.source).toBe('stored');
  expect(after.ids).toEqual(before.ids);
  expect((await history(page)).map((e) => e.itemId)).toEqual([...shelf, clicked, clicked]);

  // The "Your data" panel shows the history, the gate weights, the backend and the storage.
  await page.locator('#nav-data').click();
  await expect(page.locator('#history-list > li')).toHaveCount(7);
  await expect(page.locator('#data-storage')).toHaveText(/IndexedDB/);
  await expect(page.locator('#data-backend')).toHaveText(/WebGPU|WebAssembly/);
  const gate = await page.locator('#gate .gate-fill').evaluateAll((els) => els.map((e) => parseFloat((e as HTMLElement).style.width)));
  expect(gate.length).toBeGreaterThan(1);
  expect(gate.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);

  // ...and the personal adapter learned on this device: 5 steps after the first view (4 views, 1 click)
  await expect(page.locator('#adapter-updates')).toHaveText('5');
  await expect(page.locator('#adapter-size')).toHaveText(/^\d+(\.\d)? KB$/);
  await expect(page.locator('#adapter-updated')).not.toHaveText('never');
  await expect(page.locator('#adapter-shift')).toHaveText(/^\d+(\.\d)?%$/);
  await expect(page.locator('#adapter-gates .adapter-row')).toHaveCount(gate.length);

  // Export downloads everything as JSON, the adapter included.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
  const exported = JSON.parse(await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8')) as {
    events: Ev[];
    adapter: { updates: number; params: number[] } | null;
  };
  expect(exported.events.map((e) => e.itemId)).toEqual([...shelf, clicked, clicked]);
  expect(exported.adapter?.updates).toBe(5);
  expect(exported.adapter?.params.every((x) => Number.isFinite(x))).toBe(true);

  // Reset goes back to the shipped model (the history stays).
  await page.locator('#adapter-reset').click();
  await expect(page.locator('#adapter-updates')).toHaveText('0');
  await expect(page.locator('#history-list > li')).toHaveCount(7);

  // Erase: the row returns to the empty-history answer.
  await page.locator('#erase').click();
  await page.locator('#erase-confirm').click();
  await expect(page.locator('#history-empty')).toBeVisible();
  await expect(page.locator('#data-count')).toHaveText('0');
  expect(await history(page)).toEqual([]);
  const erased = await home(page);
  expect(erased.source).toBe('popularity');
  expect(erased.ids).toEqual(empty.ids);

  // A click on a recommendation is recorded while tracking is on...
  const first = erased.ids[0]!;
  await page.locator(`#next-for-you .card[data-item-id="${first}"]`).click();
  await expect.poll(async () => (await history(page)).map((e) => e.type)).toEqual(['click', 'view']);

  // ...and nothing is recorded once it is paused.
  await page.locator('#nav-data').click();
  await page.locator('#pause').click();
  await expect(page.locator('#data-tracking')).toHaveText('Paused');
  expect(await page.evaluate(() => window.localrec!.paused)).toBe(true);
  const row = await home(page);
  const other = row.ids.find((id) => id !== first)!;
  await page.locator(`#next-for-you .card[data-item-id="${other}"]`).click();
  await expect(page.locator(`article.movie[data-item-id="${other}"]`)).toBeVisible();
  await expect(page.locator('#recommended-for-you[data-state="ready"]')).toBeVisible();
  await page.locator('#add-to-cart').click();
  expect(await history(page)).toEqual([
    { type: 'click', itemId: first },
    { type: 'view', itemId: first },
  ]);

  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  expect(errors).toEqual([]);
});

test('recommendation cards are keyboard accessible', async ({ page }) => {
  await page.goto('/');
  await readyRow(page, '#next-for-you');
  const cards = page.locator('#next-for-you .card');
  await cards.first().focus();
  await page.keyboard.press('ArrowRight');
  const second = await cards.nth(1).getAttribute('data-item-id');
  expect(second).toBeTruthy();
  const focused = () =>
    page.evaluate(() => (document.querySelector('#next-for-you')!.shadowRoot!.activeElement as HTMLElement | null)?.dataset.itemId);
  expect(await focused()).toBe(second);
  // a visible focus ring
  expect(await cards.nth(1).evaluate((e) => getComputedStyle(e).outlineStyle)).not.toBe('none');
  await page.keyboard.press('ArrowLeft');
  expect(await focused()).toBe(await cards.first().getAttribute('data-item-id'));
  // every card is in the tab order too
  await page.keyboard.press('Tab');
  expect(await focused()).toBe(second);
  await page.keyboard.press('Enter');
  await expect(page.locator(`article.movie[data-item-id="${second}"]`)).toBeVisible();
});

test('search by title words and browse a genre', async ({ page }) => {
  await page.goto('/');
  await readyRow(page, '#next-for-you');
  await page.locator('#search-input').fill('star wars');
  await page.locator('#search-input').press('Enter');
  await expect(page.locator('h1')).toHaveText('Results for “star wars”');
  const hits = page.locator('.grid .movie-card');
  await expect(hits.first()).toHaveAttribute('data-item-id', '49');
  // word prefixes, not substrings: "star" does not find "Bastard Out of Carolina"
  await page.locator('#search-input').fill('star');
  await page.locator('#search-input').press('Enter');
  await expect(page.locator('h1')).toHaveText('Results for “star”');
  const titles = await hits.locator('.title').allTextContents();
  expect(titles.length).toBeGreaterThan(5);
  for (const t of titles) expect(t.toLowerCase()).toMatch(/(^|[^\p{L}\p{N}])star/u);

  await page.locator('#genre-nav a', { hasText: 'Film-Noir' }).click();
  await expect(page.locator('h1')).toHaveText('Film-Noir');
  const count = Number((await page.locator('.page-head p').textContent())!.split(' ')[0]);
  expect(count).toBeGreaterThan(0);
  await expect(hits).toHaveCount(Math.min(count, 48));
  const ids = await hits.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.itemId!));
  const genres = await page.evaluate((list) => list.map((id) => window.localrec!.item(id).genres), ids);
  for (const g of genres) expect(g).toContain('Film-Noir');
});
