/**
 * The widget in a plain third-party page (dist/embed.html): one script tag of the library build
 * (dist/lib/widget.js), two custom elements, and the shop's own buttons calling the page-level API.
 */
import { expect, test, type Page } from '@playwright/test';
import { offlineReady, readyRow } from './helpers';

type Ev = { type: string; itemId: string };

/** The page's recommender, reached the way the shop's own code does: through the library module. */
async function history(page: Page): Promise<Ev[]> {
  return page.evaluate(async () => {
    const url = '/lib/widget.js';
    const lib = (await import(/* @vite-ignore */ url)) as typeof import('../../src/widget/index');
    const rec = await lib.getRecommender();
    return (await rec.history()).map((e) => ({ type: e.type, itemId: e.itemId }));
  });
}

test('the page loads nothing but the library build and its own files', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto('/embed.html');
  await readyRow(page, '#for-you');
  await readyRow(page, '#similar');
  const origin = new URL(page.url()).origin;
  const paths = requests.map((u) => new URL(u)).map((u) => (u.origin === origin ? u.pathname : u.href));
  // products/: the shop's own product images (demo/postbuild.ts draws them)
  for (const p of paths) expect(p).toMatch(/^\/(embed\.(html|js|css)|sw\.js|lib\/|models\/movielens\/|products\/)/);
  expect(paths).toContain('/lib/widget.js');
  expect(paths.some((p) => p.startsWith('/lib/ort/'))).toBe(true);
});

test('no CSS leaks between the host page and the widget; theming through custom properties and ::part', async ({
  page,
}) => {
  await page.goto('/embed.html');
  await readyRow(page, '#for-you');
  const card = page.locator('#for-you .card').first();
  const inside = await card.evaluate((e) => {
    const root = e.getRootNode() as ShadowRoot;
    const s = getComputedStyle(e);
    const h2 = getComputedStyle(root.querySelector('h2')!);
    const title = getComputedStyle(e.querySelector('.title')!);
    return {
      tag: e.tagName,
      font: s.fontFamily,
      bg: s.backgroundColor,
      border: s.borderTopStyle,
      letterSpacing: s.letterSpacing,
      h2Transform: h2.textTransform,
      h2Color: h2.color,
      titleBorder: title.borderTopStyle,
    };
  });
  // host rules: * { font-family: Georgia }, button { background: #ffd23f; border: 3px double },
  // h2 { text-transform: uppercase }, .card/.title { border: 2px dotted }
  expect(inside.tag).toBe('BUTTON');
  expect(inside.font).not.toMatch(/Georgia/);
  expect(inside.bg).not.toBe('rgb(255, 210, 63)');
  expect(inside.border).toBe('none');
  expect(inside.letterSpacing).toBe('normal');
  expect(inside.h2Transform).toBe('none');
  expect(inside.titleBorder).toBe('none');
  // the host's ::part(heading) rule applies
  expect(inside.h2Color).toBe('rgb(11, 110, 79)');
  // the host's --localrec-accent reaches the progress/reason colour
  const reasonColor = await page
    .locator('#for-you .reason')
    .first()
    .evaluate((e) => getComputedStyle(e).color);
  expect(reasonColor).toBe('rgb(11, 110, 79)');

  // ...and the widget's rules for .card/.title/h2 do not touch the host's elements with the same names.
  const outside = await page.evaluate(() => {
    const card = getComputedStyle(document.querySelector('.card.product')!);
    const title = getComputedStyle(document.querySelector('.card.product .title')!);
    const h2 = getComputedStyle(document.querySelector('h2')!);
    return {
      cardBorder: card.borderTopStyle,
      cardBg: card.backgroundColor,
      titleClamp: title.webkitLineClamp,
      titleHeight: title.height,
      h2: h2.textTransform,
      h2Size: h2.fontSize,
      font: card.fontFamily,
    };
  });
  expect(outside.cardBorder).toBe('dotted');
  expect(outside.cardBg).toBe('rgb(255, 248, 229)');
  expect(outside.titleClamp).toBe('none');
  expect(outside.h2).toBe('uppercase');
  expect(outside.font).toMatch(/Georgia/);
  // the widget's own defaults never escape the shadow root: no adopted/global sheets on the document
  expect(await page.evaluate(() => document.adoptedStyleSheets.length + document.styleSheets.length)).toBe(1);
});

test('embedded journey: views, reload, erase and pause — offline after the first load', async ({ page, context }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/embed.html');
  const empty = await readyRow(page, '#for-you');
  expect(empty.source).toBe('popularity');
  expect(empty.ids).toHaveLength(8);
  const similarStarWars = await readyRow(page, '#similar');
  expect(similarStarWars.ids).toHaveLength(8);
  expect(similarStarWars.ids).not.toContain('49');
  await offlineReady(page);

  await context.setOffline(true);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);

  // The shop reports five product views through track().
  const viewed = ['49', '171', '257', '0', '99'];
  for (const id of viewed) await page.locator(`button[data-view="${id}"]`).click();
  await expect.poll(async () => (await history(page)).map((e) => e.itemId)).toEqual(viewed);

  // The row follows the history: model answer, changed, nothing already seen.
  await expect(page.locator('#for-you')).toHaveAttribute('data-source', 'model');
  await expect.poll(async () => (await readyRow(page, '#for-you')).ids.some((id) => viewed.includes(id))).toBe(false);
  const personal = await readyRow(page, '#for-you');
  expect(personal.ids).toHaveLength(8);
  expect(personal.ids).not.toEqual(empty.ids);
  // the item widget followed the shop's item-id change (last viewed: Fargo, 99)
  await expect(page.locator('#similar')).toHaveAttribute('item-id', '99');
  await expect.poll(async () => (await readyRow(page, '#similar')).ids).not.toEqual(similarStarWars.ids);

  // Offline reload: history and recommendations are still there, the first row at once.
  await page.reload();
  const after = await readyRow(page, '#for-you');
  // answered from the model output kept on the device, before the model session is up (resume)
  expect(after.source).toBe('stored');
  expect(after.ids).toEqual(personal.ids);
  expect((await history(page)).map((e) => e.itemId)).toEqual(viewed);

  // "Forget me" erases: back to the empty-history answer.
  await page.locator('#erase').click();
  await expect.poll(() => history(page)).toEqual([]);
  await expect(page.locator('#for-you')).toHaveAttribute('data-source', 'popularity');
  await expect.poll(async () => (await readyRow(page, '#for-you')).ids).toEqual(empty.ids);

  // A click on a widget card is tracked by the widget itself...
  const first = empty.ids[0]!;
  await page.locator(`#for-you .card[data-item-id="${first}"]`).click();
  await expect.poll(() => history(page)).toEqual([{ type: 'click', itemId: first }]);
  await expect(page.locator('#shop-log')).toHaveText(/^Picked /);

  // ...and not once personalisation is paused (neither clicks nor the shop's own events).
  await page.locator('#pause').click();
  await expect(page.locator('#pause')).toHaveText('Resume personalisation');
  await expect(page.locator('#for-you[data-state="ready"]')).toBeVisible();
  const other = (await readyRow(page, '#for-you')).ids.find((id) => id !== first)!;
  await page.locator(`#for-you .card[data-item-id="${other}"]`).click();
  await page.locator('button[data-view="55"]').click();
  await expect(page.locator('#shop-log')).toHaveText(/Viewed Pulp Fiction/);
  expect(await history(page)).toEqual([{ type: 'click', itemId: first }]);

  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  expect(errors).toEqual([]);
});

// These tests hold back or break model files with page.route, which does not see requests the
// demo's service worker answers: keep the service worker out of them.
test.describe('model files controlled by the test', () => {
  test.use({ serviceWorkers: 'block' });

  test('placeholder while the model loads, with progress, and no layout shift', async ({ page }) => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let intercepted = false;
    await page.route('**/models/movielens/items.bin', async (route) => {
      intercepted = true;
      await held;
      await route.continue();
    });
    await page.goto('/embed.html');
    await expect.poll(() => intercepted).toBe(true);
    const widget = page.locator('#for-you');
    await expect(widget).toHaveAttribute('data-state', 'loading');
    await expect(page.locator('#for-you .bar[role="progressbar"]')).toBeVisible();
    const below = page.locator('h2', { hasText: 'Your privacy' });
    const loading = { widget: (await widget.boundingBox())!, below: (await below.boundingBox())! };
    release();
    await readyRow(page, '#for-you');
    await readyRow(page, '#similar');
    const ready = { widget: (await widget.boundingBox())!, below: (await below.boundingBox())! };
    expect(ready.widget.height).toBe(loading.widget.height);
    expect(ready.below.y).toBe(loading.below.y);
  });

  test('a broken model file: the widget reports an error in place, the shop page keeps working', async ({ page }) => {
    await page.route('**/models/movielens/items.bin', (route) =>
      route.fulfill({ status: 200, body: 'not the item table' }),
    );
    const errors: unknown[] = [];
    await page.exposeFunction('reportLocalrecError', (code: string) => errors.push(code));
    await page.addInitScript(() => {
      document.addEventListener('localrec-error', (e) => {
        const err = (e as CustomEvent<{ error: { code?: string } }>).detail.error;
        (window as unknown as { reportLocalrecError: (c: string) => void }).reportLocalrecError(err?.code ?? 'none');
      });
    });
    await page.goto('/embed.html');
    const widget = page.locator('#for-you');
    const box = (await widget.boundingBox())!;
    await expect(widget).toHaveAttribute('data-state', 'error');
    // the shopper reads a plain sentence (the shop's own fallback content), never the developer's error
    await expect(page.locator('#for-you [slot="fallback"]')).toHaveText('Recommendations are not available right now.');
    await expect(page.locator('#for-you [slot="fallback"]')).toBeVisible();
    await expect(widget).not.toContainText(/items\.bin|sha256|integrity|Error/);
    await expect.poll(() => errors).toContain('model-integrity');
    expect((await widget.boundingBox())!.height).toBe(box.height);
    await page.locator('button[data-cart="49"]').click();
    await expect(page.locator('#shop-log')).toHaveText('Added to cart');
  });
});
