/**
 * The consumer matrix: the packed library in the apps a shop's front-end builds (see build.ts), each
 * run in Chromium from one static origin. Per app: recommendations render, inference runs in the
 * Worker (not the main-thread fallback), no console errors, only same-origin requests; unknown ids
 * and a missing model leave no developer text on the page.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { CONTENT_TYPES } from '../../tests/support/helpers';
import { APPS, buildConsumers, WWW } from './build';

let server: Server;
let origin = '';
let vite: ViteDevServer | undefined;
let viteOrigin = '';

test.beforeAll(async () => {
  test.setTimeout(300_000);
  buildConsumers();
  server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(WWW, path));
    let ok = file.startsWith(WWW);
    try {
      ok &&= statSync(file).isFile();
    } catch {
      ok = false;
    }
    if (!ok) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<!doctype html><title>Not found</title>');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a free port of its own (Vite's client is told the port it connects to: not 0)
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  vite = await createViteServer({
    root: join(APPS, 'vite'),
    configFile: join(APPS, 'vite/vite.config.mjs'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port, strictPort: true },
  });
  await vite.listen();
  viteOrigin = `http://127.0.0.1:${port}`;
});

test.afterAll(async () => {
  await vite?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

const APPS_RUN = [
  { name: 'vite', path: '/vite/' },
  { name: 'vite dev server', path: '/', dev: true },
  { name: 'webpack 5', path: '/webpack/' },
  { name: 'react 19', path: '/react/' },
  { name: 'vue 3', path: '/vue/' },
  { name: 'script tag under a sub-path', path: '/shop/sub/' },
];

/** Everything the page and its Worker asked for, its console errors and the widget's warnings. */
function watch(page: Page) {
  const requests: string[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (m.type() === 'warning') warnings.push(m.text());
  });
  return { requests, errors, warnings };
}

/** The text a shopper can read: the page and every open shadow root in it. */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    // biome-ignore lint/performance/useDomNodeTextContent: what is rendered, not the scripts' text
    const parts: string[] = [document.body.innerText];
    for (const e of document.querySelectorAll('*'))
      if (e.shadowRoot) parts.push((e.shadowRoot as unknown as HTMLElement).textContent ?? '');
    return parts.join('\n');
  });
}

const DEVELOPER_TEXT = /unknown item|sku-|Error|HTTP \d|manifest\.json|not valid JSON|undefined/;

test('the package’s custom-elements.json matches the element: every attribute it lists has a property with a setter', async ({
  page,
}) => {
  await page.goto(`${origin}/shop/sub/`);
  await expect(page.locator('#home')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const missing = await page.evaluate(async () => {
    const manifest = await (await fetch('./localrec/custom-elements.json')).json();
    const decl = manifest.modules[0].declarations[0];
    const proto = customElements.get(decl.tagName)!.prototype;
    const setter = (name: string) => {
      for (let p = proto; p; p = Object.getPrototypeOf(p)) {
        const d = Object.getOwnPropertyDescriptor(p, name);
        if (d) return typeof d.set === 'function';
      }
      return false;
    };
    const attrs = (decl.attributes as { name: string; fieldName: string }[])
      .filter((a) => !setter(a.fieldName))
      .map((a) => a.name);
    const observed = (customElements.get(decl.tagName) as unknown as { observedAttributes: string[] })
      .observedAttributes;
    const unlisted = observed.filter((n) => !decl.attributes.some((a: { name: string }) => a.name === n));
    return { attrs, unlisted, count: decl.attributes.length };
  });
  expect(missing).toEqual({ attrs: [], unlisted: [], count: 10 });
});

for (const app of APPS_RUN) {
  const at = () => ('dev' in app ? viteOrigin : origin);
  test.describe(app.name, () => {
    test('renders from the Worker, same-origin only, no console errors; unknown ids are skipped quietly', async ({
      page,
    }) => {
      const seen = watch(page);
      await page.addInitScript(() => {
        (window as unknown as { warned: unknown[] }).warned = [];
        document.addEventListener('localrec-warning', (e) =>
          (window as unknown as { warned: unknown[] }).warned.push((e as CustomEvent).detail),
        );
      });
      await page.goto(at() + app.path);
      const home = page.locator('#home');
      await expect(home).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
      await expect(page.locator('#home .card')).toHaveCount(6);
      // the Vite app reports a view before its configure(): recorded with the page's configuration
      if (app.name.startsWith('vite')) await expect(home).toHaveAttribute('data-source', /^(model|stored)$/);
      // an unknown item-id and exclude ids: a row all the same, one warning each
      await expect(page.locator('#unknown')).toHaveAttribute('data-state', 'ready');
      await expect(page.locator('#unknown .card')).toHaveCount(4);
      expect(
        await page.locator('#unknown .card').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.itemId)),
      ).not.toContain('49');
      const warned = await page.evaluate(
        () => (window as unknown as { warned: { code: string; ids?: string[] }[] }).warned,
      );
      expect(warned.filter((w) => w.code === 'unknown-item').flatMap((w) => w.ids)).toEqual(
        expect.arrayContaining(['sku-new', 'sku-old']),
      );
      // the page-level track() of an unknown id resolves null instead of rejecting
      expect(
        await page.evaluate(() =>
          (window as unknown as { consumerTrack: (e: object) => Promise<unknown> }).consumerTrack({
            type: 'view',
            itemId: 'sku-x',
          }),
        ),
      ).toBeNull();
      expect(await visibleText(page)).not.toMatch(DEVELOPER_TEXT);

      // the frameworks' own event bindings reach the app (React: a ref listener; Vue: @localrec-select)
      if (await page.locator('#picked').count()) {
        const first = page.locator('#home .card').first();
        const id = await first.getAttribute('data-item-id');
        await first.click();
        await expect(page.locator('#picked')).toHaveText(id ?? '');
      }
      if (await page.locator('#warned').count()) await expect(page.locator('#warned')).toHaveText('unknown-item');

      // inference ran in the Worker: the Worker fetched the runtime, the page did not
      const workers = page.workers();
      expect(workers.length).toBeGreaterThan(0);
      const workerFetches = (
        await Promise.all(
          workers.map((w) =>
            w.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)).catch(() => []),
          ),
        )
      ).flat();
      expect(workerFetches.some((u) => /ort-wasm-simd-threaded[\w.]*\.wasm$/.test(u))).toBe(true);
      const pageFetches = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
      expect(pageFetches.filter((u) => u.endsWith('.wasm'))).toEqual([]);

      expect(seen.errors).toEqual([]);
      expect(
        seen.requests.filter((u) => !u.startsWith(`${at()}/`) && !u.startsWith('data:') && !u.startsWith('blob:')),
      ).toEqual([]);
    });

    test('a missing model: the row hides itself, the page code gets the error, the shopper no developer text', async ({
      page,
    }) => {
      await page.route('**/models/shop/manifest.json', (r) => r.fulfill({ status: 404, body: 'not found' }));
      await page.addInitScript(() => {
        (window as unknown as { codes: string[] }).codes = [];
        document.addEventListener('localrec-error', (e) =>
          (window as unknown as { codes: string[] }).codes.push((e as CustomEvent).detail.code),
        );
      });
      await page.goto(at() + app.path);
      await expect(page.locator('#home')).toHaveAttribute('data-state', 'error', { timeout: 60_000 });
      await expect(page.locator('#home .card')).toHaveCount(0);
      expect(await page.locator('#home').evaluate((e) => e.getBoundingClientRect().height)).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { codes: string[] }).codes)).toContain('model-load');
      expect(await visibleText(page)).not.toMatch(DEVELOPER_TEXT);
      expect(
        await page.evaluate(() =>
          (window as unknown as { consumerTrack: (e: object) => Promise<unknown> }).consumerTrack({
            type: 'view',
            itemId: '49',
          }),
        ),
      ).toBeNull();
    });
  });
}
