/**
 * The built embed page (dist/embed.html) under the strict Content-Security-Policy docs/privacy.md
 * gives shops: recommendations render and the inference Worker answers, with no violation; and
 * the opted-in measurement puts into `dataLayer` only the items the rows showed and the one
 * chosen, never the visitor's history.
 */
import { expect, test } from '@playwright/test';
import { readyRow } from './helpers';

const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'";

test('the embed page works under the documented CSP, and dataLayer carries only what was shown and chosen', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  // every response of the origin carries the policy: the page, its scripts, the Worker, the runtime
  await context.route('**/*', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': POLICY } });
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    // every item any row rendered, to hold the dataLayer against
    const rendered = new Set<string>();
    (window as unknown as { __rendered: Set<string> }).__rendered = rendered;
    document.addEventListener('localrec-render', (e) => {
      for (const it of (e as CustomEvent<{ items: { id: string }[] }>).detail.items) rendered.add(it.id);
    });
  });
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));

  await page.goto('/embed.html');
  await readyRow(page, '#for-you');
  // the shop's visitor looks at a product and picks a recommendation
  await page.locator('button[data-view="49"]').click();
  await readyRow(page, '#similar');
  await expect(page.locator('#similar')).toHaveAttribute('item-id', '49');
  const shown = await page
    .locator('#similar')
    .evaluate((el) => Array.from(el.shadowRoot!.querySelectorAll<HTMLElement>('.card')).map((c) => c.dataset.itemId!));
  expect(shown.length).toBeGreaterThan(0);
  await page.locator('#similar .card').first().click();

  expect(
    workers.some((u) => /\/lib\/assets\/worker-/.test(u)),
    'the inference Worker runs',
  ).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
  expect(refused).toEqual([]);

  type Entry = {
    event?: string;
    ecommerce?: { item_list_name: string; items: { item_id: string; index: number }[] } | null;
  };
  const layer = await page.evaluate(() => (window as unknown as { dataLayer?: unknown[] }).dataLayer ?? []);
  const events = (layer as Entry[]).filter((e) => e.event);
  expect(new Set(events.map((e) => e.event))).toEqual(new Set(['view_item_list', 'select_item']));
  const rendered = new Set(
    await page.evaluate(() => [...(window as unknown as { __rendered: Set<string> }).__rendered]),
  );
  const allShown = new Set(
    events.filter((e) => e.event === 'view_item_list').flatMap((e) => e.ecommerce!.items.map((i) => i.item_id)),
  );
  const select = events.find((e) => e.event === 'select_item')!;
  expect(select.ecommerce!.items).toEqual([
    expect.objectContaining({ item_id: shown[0], index: 0, item_list_name: 'item' }),
  ]);
  // every item in the dataLayer was shown by a row: nothing else of the visitor's reaches it
  expect([...allShown].filter((id) => !rendered.has(id))).toEqual([]);
  expect(allShown.size).toBeGreaterThan(0);
  expect(JSON.stringify(layer)).not.toMatch(/"history"|"reason"|"score"|"gate"/);
});
