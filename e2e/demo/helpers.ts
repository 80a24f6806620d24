import { expect, type Page } from '@playwright/test';

/** data-item-id of the cards a <localrec-recommendations> element currently shows (through its shadow root). */
export async function rowIds(page: Page, widget: string): Promise<string[]> {
  return page.locator(`${widget} .card`).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.itemId ?? ''));
}

/** Wait until the widget has rendered an answer, and return what it shows. */
export async function readyRow(page: Page, widget: string): Promise<{ ids: string[]; source: string }> {
  await expect(page.locator(`${widget}[data-state="ready"]`)).toBeVisible();
  const source = (await page.locator(widget).getAttribute('data-source')) ?? '';
  return { ids: await rowIds(page, widget), source };
}

/** Wait for the page's service worker to be active (its precache complete). */
export async function offlineReady(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
}
