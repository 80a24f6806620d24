/**
 * The whole path for a shop's own data: the synthetic shop's files -> `localrec train` -> the exported
 * folder -> the widget in Chromium. The shop has known structure (training/synthetic_shop.py): visitors
 * browse within categories, and a purchased product is followed by the accessories made for it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const MODEL = join(process.cwd(), 'e2e', 'shop', 'model');

interface Catalogue {
  ids: string[];
  titles: string[];
  genres: string[][];
}

/** what e2e/harness/shop.html puts on window */
interface ShopWindow {
  shop: { track: (e: { type: string; itemId: string }) => Promise<void> };
}

let cat: Catalogue;
const category = (id: string) => cat.genres[cat.ids.indexOf(id)]?.[0];
const title = (id: string) => cat.titles[cat.ids.indexOf(id)]!;

test.beforeAll(() => {
  // scripts/test.sh makes the folder first; a run of this project alone makes it when it is missing
  if (!existsSync(join(MODEL, 'manifest.json'))) {
    execFileSync('bash', ['e2e/shop/make-model.sh'], { stdio: 'inherit', timeout: 600_000 });
  }
  cat = JSON.parse(readFileSync(join(MODEL, 'catalog.json'), 'utf8')) as Catalogue;
});

async function track(page: Page, type: 'view' | 'purchase', itemId: string): Promise<void> {
  await page.evaluate(([type, itemId]) => (window as unknown as ShopWindow).shop.track({ type, itemId }), [
    type,
    itemId,
  ] as const);
}

/** The ids the row shows once it has answered for a history of `expected` distinct steps. */
async function row(page: Page): Promise<string[]> {
  const w = page.locator('#for-you');
  await expect(w).toHaveAttribute('data-state', 'ready');
  return w.locator('.card').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.itemId ?? ''));
}

async function rowAfter(page: Page, before: string[]): Promise<string[]> {
  let ids: string[] = before;
  await expect
    .poll(async () => {
      ids = await row(page);
      return ids.join(',') !== before.join(',') && ids.length > 0;
    })
    .toBe(true);
  return ids;
}

test('views of one category put that category first; a purchase brings its accessories', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/e2e/harness/shop.html');
  const cold = await row(page);
  expect(cold.length).toBe(10);

  // a visitor looks at two phones
  const phones = cat.ids.filter((id) => category(id) === 'Phones');
  const [a, b] = [phones[0]!, phones[1]!];
  await track(page, 'view', a);
  let ids = await rowAfter(page, cold);
  await track(page, 'view', b);
  ids = await rowAfter(page, ids);
  expect(ids).not.toContain(a);
  expect(ids).not.toContain(b);
  expect(category(ids[0]!)).toBe('Phones');
  // most of the row is phones or what goes with them, not the consumables or other categories
  const related = ids.filter((id) => ['Phones', 'Phone cases'].includes(category(id)!));
  expect(related.length).toBeGreaterThanOrEqual(5);

  // then buys a third phone: cases made for that phone appear
  const c = phones[2]!;
  await track(page, 'view', c);
  ids = await rowAfter(page, ids);
  await track(page, 'purchase', c);
  const cases = cat.ids.filter((id) => category(id) === 'Phone cases' && title(id).endsWith(`for ${title(c)}`));
  expect(cases.length).toBe(2);
  await expect.poll(async () => (await row(page)).filter((id) => cases.includes(id)).length).toBeGreaterThanOrEqual(1);
  const after = await row(page);
  expect(after.filter((id) => category(id) === 'Phone cases').length).toBeGreaterThanOrEqual(1);
});
