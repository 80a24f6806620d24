/** Model files are verified: tampered files are refused, verified files are cached for offline use. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { primaryModel, openHarness } from './models';

const model = primaryModel();

const open = openHarness;

const create = (page: Page) =>
  page.evaluate(async (url) => {
    const progress: { file: string; fromCache: boolean }[] = [];
    try {
      const rec = await window.lr.createRecommender({ model: url, backend: 'wasm', onProgress: (p) => progress.push({ file: p.file, fromCache: p.fromCache }) });
      const r = await rec.recommend({ k: 3 });
      rec.close();
      return { ok: true as const, n: r.items.length, progress };
    } catch (e) {
      return { ok: false as const, error: { ...window.errorInfo(e), file: (e as { file?: string }).file }, progress };
    }
  }, model.url);

test('a tampered items.bin is refused with ModelIntegrityError', async ({ page }) => {
  const items = readFileSync(join(model.dir, model.manifest.files.items.path));
  const tampered = Buffer.from(items);
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x01; // one bit of one scale
  await page.route(`**${model.url}${model.manifest.files.items.path}`, (route) => route.fulfill({ body: tampered, contentType: 'application/octet-stream' }));
  await open(page);
  const res = await create(page);
  expect(res.ok).toBe(false);
  if (!res.ok) {
    expect(res.error.name).toBe('ModelIntegrityError');
    expect(res.error.code).toBe('model-integrity');
    expect(res.error.file).toBe(model.manifest.files.items.path);
  }
});

test('verified files are cached: offline second visit; a corrupted cache entry is re-fetched', async ({ page }) => {
  await open(page);
  const first = await create(page);
  expect(first.ok).toBe(true);
  expect(first.progress.some((p) => p.fromCache)).toBe(false);

  // offline: every model request fails, the cache answers
  await page.route(`**${model.url}**`, (route) => route.abort('internetdisconnected'));
  await page.reload();
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const offline = await create(page);
  expect(offline.ok).toBe(true);
  expect(offline.progress.filter((p) => !p.fromCache)).toEqual([]);
  await page.unroute(`**${model.url}**`);

  // corrupt the cached items.bin: the engine re-verifies, drops it and fetches it again
  const itemsPath = model.manifest.files.items.path;
  const corrupted = await page.evaluate(async (name) => {
    const cache = await caches.open('localrec-models-v1');
    for (const req of await cache.keys()) {
      if (new URL(req.url).pathname.endsWith(`/${name}`)) {
        const b = new Uint8Array(await (await cache.match(req))!.arrayBuffer());
        b[0] = b[0]! ^ 0xff;
        await cache.put(req, new Response(b));
        return true;
      }
    }
    return false;
  }, itemsPath);
  expect(corrupted).toBe(true);
  const fetched: string[] = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  const again = await create(page);
  expect(again.ok).toBe(true);
  expect(again.progress.find((p) => p.file === itemsPath && !p.fromCache)).toBeTruthy();
  expect(fetched).toContain(`${model.url}${itemsPath}`);
});
