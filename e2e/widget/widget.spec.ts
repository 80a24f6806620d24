/**
 * <localrec-recommendations> on the harness page (e2e/widget/widget.html, the engine's dev server):
 * properties, shop-grade cards, the image policy, safe links, the shop's own markup and fallback,
 * the carousel, de-duplication between rows, varied and localised reasons.
 */
import { expect, type Page, test } from '@playwright/test';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="300"><rect width="200" height="300" fill="#c84"/></svg>';

/** Images of both origins are answered here: nothing leaves the machine, and every request is seen. */
async function serveImages(page: Page): Promise<string[]> {
  const asked: string[] = [];
  const answer = (url: string) => {
    asked.push(url);
    return { status: 200, contentType: 'image/svg+xml', body: SVG };
  };
  await page.route('**/e2e/widget/img/*.svg', (r) => r.fulfill(answer(r.request().url())));
  await page.route('https://images.other.example/**', (r) => r.fulfill(answer(r.request().url())));
  return asked;
}

async function open(page: Page, query = ''): Promise<void> {
  await page.goto(`/e2e/widget/widget.html${query}`);
  await expect(page.locator('body[data-ready="1"]')).toBeAttached();
}

async function stage(page: Page, html: string): Promise<void> {
  await page.evaluate((h) => {
    document.getElementById('stage')!.innerHTML = h;
  }, html);
}

async function ids(page: Page, row: string): Promise<string[]> {
  return page.locator(`${row} .card`).evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.itemId ?? ''));
}

test('every attribute has a property with a setter (what React and Vue set)', async ({ page }) => {
  await open(page);
  const reflected = await page.evaluate(() => {
    const el = document.createElement('localrec-recommendations');
    el.id = 'p';
    el.placement = 'item';
    el.itemId = 49 as unknown as string;
    el.k = 3;
    el.exclude = ['50', '181'];
    el.candidates = null;
    el.heading = 'Similar';
    el.hrefTemplate = '/p/{id}';
    el.dedupe = true;
    el.modelBase = '/models/movielens/';
    el.wasmBase = null;
    document.getElementById('stage')!.append(el);
    return [...el.attributes].map((a) => `${a.name}=${a.value}`).sort();
  });
  expect(reflected).toEqual(
    expect.arrayContaining([
      'placement=item',
      'item-id=49',
      'k=3',
      'exclude=50,181',
      'heading=Similar',
      'href-template=/p/{id}',
      'dedupe=',
      'model-base=/models/movielens/',
    ]),
  );
  await expect(page.locator('#p')).toHaveAttribute('data-state', 'ready');
  const shown = await ids(page, '#p');
  expect(shown).toHaveLength(3);
  expect(shown).not.toContain('50');
  expect(await page.locator('#p .card').first().getAttribute('href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/p\/\d+$/);
  // properties read back what they set
  expect(
    await page
      .locator('#p')
      .evaluate((e: HTMLElementTagNameMap['localrec-recommendations']) => [e.k, e.exclude, e.itemId, e.dedupe]),
  ).toEqual([3, ['50', '181'], '49', true]);
});

test('shop-grade cards: image, price in the page locale, brand, availability; lazy images in a reserved box', async ({
  page,
}) => {
  const asked = await serveImages(page);
  await open(page, '?products=1');
  await page.evaluate(() => document.documentElement.setAttribute('lang', 'de-DE'));
  await stage(page, '<localrec-recommendations id="r" placement="home" k="8"></localrec-recommendations>');
  await expect(page.locator('#r')).toHaveAttribute('data-state', 'ready');
  const first = page.locator('#r .card').first();
  const id = Number(await first.getAttribute('data-item-id'));
  const price = 5 + (id % 20) + 0.99;
  await expect(first.locator('.price')).toHaveText(`${price.toFixed(2).replace('.', ',')}\u00a0€`);
  await expect(first.locator('.meta')).toContainText(id % 3 ? 'Northwind' : 'Contoso');
  await expect(first.locator('.availability')).toHaveText(id % 5 ? 'Auf Lager' : 'Nicht auf Lager');
  const img = page.locator('#r .card img').first();
  await expect(img).toHaveAttribute('loading', 'lazy');
  // the image box has its size before the image arrives, and keeps it after
  const box = await page.locator('#r .poster').first().boundingBox();
  await expect
    .poll(() =>
      page
        .locator('#r .card img')
        .first()
        .evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0),
    )
    .toBe(true);
  expect(await page.locator('#r .poster').first().boundingBox()).toEqual(box);
  // a card with an image has no drawn poster; the images were asked for by item only
  expect(await page.locator('#r .poster.has-image .initials').count()).toBe(0);
  expect(asked.length).toBeGreaterThan(0);
  for (const u of asked) expect(u).toMatch(/\/(\d+)\.svg$/);
});

test("images: 'same-origin' refuses other origins (the drawn poster instead), nothing is requested from them", async ({
  page,
}) => {
  const asked = await serveImages(page);
  await open(page, '?products=1&images=same-origin');
  await stage(page, '<localrec-recommendations id="r" placement="home" k="8"></localrec-recommendations>');
  await expect(page.locator('#r')).toHaveAttribute('data-state', 'ready');
  const cards = await page.locator('#r .card').evaluateAll((cs) =>
    cs.map((c) => ({
      id: Number((c as HTMLElement).dataset.itemId),
      img: !!c.querySelector('img'),
      drawn: !!c.querySelector('.initials'),
    })),
  );
  expect(cards.some((c) => c.id % 2 === 1)).toBe(true);
  for (const c of cards) expect(c).toEqual({ id: c.id, img: c.id % 2 === 0, drawn: c.id % 2 === 1 });
  await page.waitForTimeout(300);
  expect(asked.filter((u) => u.includes('other.example'))).toEqual([]);
});

test('href-template with javascript: never becomes a link: the cards stay buttons, with a warning', async ({
  page,
}) => {
  await open(page);
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.evaluate(() => {
    (window as unknown as { codes: string[] }).codes = [];
    document.addEventListener('localrec-warning', (e) =>
      (window as unknown as { codes: string[] }).codes.push(e.detail.code),
    );
  });
  await stage(
    page,
    '<localrec-recommendations id="r" k="4" href-template="javascript:window.pwned=1//{id}"></localrec-recommendations>',
  );
  await expect(page.locator('#r')).toHaveAttribute('data-state', 'ready');
  expect(await page.locator('#r a').count()).toBe(0);
  expect(await page.locator('#r button.card').count()).toBe(4);
  await page.locator('#r .card').first().click();
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(await page.evaluate(() => (window as unknown as { codes: string[] }).codes)).toEqual(['unsafe-url']);
  expect(warnings.filter((w) => /href-template/.test(w))).toHaveLength(1);
});

test("the shop's own card markup from a <template>", async ({ page }) => {
  await serveImages(page);
  await open(page, '?products=1');
  await stage(
    page,
    `<localrec-recommendations id="r" k="3"><template>
       <style>.mine { display: block; border: 2px solid rgb(1, 2, 3); }</style>
       <div class="mine"><img data-field="image" alt=""><b data-field="title"></b> <i data-field="price"></i></div>
     </template></localrec-recommendations>`,
  );
  await expect(page.locator('#r')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('#r .card .mine')).toHaveCount(3);
  await expect(page.locator('#r .card .mine b').first()).not.toBeEmpty();
  await expect(page.locator('#r .card .mine i').first()).toHaveText(/€/);
  expect(
    await page
      .locator('#r .mine')
      .first()
      .evaluate((e) => getComputedStyle(e).borderTopColor),
  ).toBe('rgb(1, 2, 3)');
  // the template itself stays inert in the page
  expect(await page.locator('#stage template').count()).toBe(1);
});

test("a model that cannot load: the shop's fallback slot, the error with its code to the page, no developer text", async ({
  page,
}) => {
  await open(page, '?model=/nope/');
  await page.evaluate(() => {
    document.addEventListener('localrec-error', (e) => {
      (window as unknown as { detail: unknown }).detail = {
        code: e.detail.code,
        isError: e.detail.error instanceof Error,
      };
    });
  });
  await stage(
    page,
    `<localrec-recommendations id="r" k="4"><p slot="fallback" id="fb">Our bestsellers</p></localrec-recommendations>
     <localrec-recommendations id="bare" k="4"></localrec-recommendations>`,
  );
  await expect(page.locator('#r')).toHaveAttribute('data-state', 'error');
  await expect(page.locator('#fb')).toBeVisible();
  await expect(page.locator('#r h2')).toBeHidden();
  expect(await page.evaluate(() => (window as unknown as { detail: unknown }).detail)).toEqual({
    code: 'model-load',
    isError: true,
  });
  // without fallback content the row takes no room at all
  await expect(page.locator('#bare')).toHaveAttribute('data-state', 'error');
  expect((await page.locator('#bare').boundingBox())?.height ?? 0).toBe(0);
});

test('a carousel: arrow buttons page through the row, the last card is reachable', async ({ page }) => {
  await open(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await stage(page, '<localrec-recommendations id="r" k="16"></localrec-recommendations>');
  await expect(page.locator('#r')).toHaveAttribute('data-state', 'ready');
  const prev = page.locator('#r .arrow').first();
  const next = page.locator('#r .arrow').last();
  await expect(prev).toBeDisabled();
  await expect(next).toBeEnabled();
  await expect(next).toHaveAttribute('aria-label', 'More items');
  const last = page.locator('#r .card').last();
  const inView = () =>
    last.evaluate((c) => {
      const row = c.closest('ul')!.getBoundingClientRect();
      const r = c.getBoundingClientRect();
      return r.right <= row.right + 1 && r.left >= row.left - 1;
    });
  expect(await inView()).toBe(false);
  // a pointer click, then the rest until the end (the button disables itself there)
  await next.click();
  for (let i = 0; i < 8 && !(await next.isDisabled()); i++) {
    await next.evaluate((b: HTMLButtonElement) => b.click());
    await page.waitForTimeout(500);
  }
  await expect(next).toBeDisabled();
  await expect(prev).toBeEnabled();
  expect(await inView()).toBe(true);
});

test('rows with dedupe share no items; a similar row varies its reasons', async ({ page }) => {
  await open(page);
  await stage(
    page,
    `<localrec-recommendations id="a" placement="item" item-id="49" k="10" dedupe></localrec-recommendations>
     <localrec-recommendations id="b" placement="home" item-id="49" k="10" dedupe></localrec-recommendations>`,
  );
  await expect(page.locator('#a')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('#b')).toHaveAttribute('data-state', 'ready');
  await expect
    .poll(async () => {
      const a = await ids(page, '#a');
      const b = await ids(page, '#b');
      return { a: a.length, b: b.length, shared: a.filter((x) => b.includes(x)).length };
    })
    .toEqual({ a: 10, b: 10, shared: 0 });
  const reasons = await page.locator('#a .reason').allTextContents();
  expect(new Set(reasons).size).toBeGreaterThan(2);
});

test('the widget speaks the language of its lang attribute', async ({ page }) => {
  await open(page);
  await stage(
    page,
    '<div lang="de"><localrec-recommendations id="r" placement="item" item-id="49" k="6"></localrec-recommendations></div>',
  );
  await expect(page.locator('#r')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('#r h2')).toHaveText('Ähnliche Artikel');
  await expect(page.locator('#r .badge')).toHaveText('Privat · auf diesem Gerät');
  const reasons = await page.locator('#r .reason').allTextContents();
  expect(reasons.every((r) => /Ähnlich wie|, wie /.test(r))).toBe(true);
});

test('candidates: the row keeps to them, unknown ones are skipped with one warning', async ({ page }) => {
  await open(page);
  await page.evaluate(() => {
    (window as unknown as { ids: string[][] }).ids = [];
    document.addEventListener('localrec-warning', (e) =>
      (window as unknown as { ids: string[][] }).ids.push(e.detail.ids ?? []),
    );
  });
  await stage(page, '<localrec-recommendations id="r" k="4" candidates="49,50,sku-x,181"></localrec-recommendations>');
  await expect(page.locator('#r')).toHaveAttribute('data-state', 'ready');
  const shown = await ids(page, '#r');
  expect(shown.length).toBeGreaterThan(0);
  for (const id of shown) expect(['49', '50', '181']).toContain(id);
  expect(await page.evaluate(() => (window as unknown as { ids: string[][] }).ids)).toEqual([['sku-x']]);
});
