/**
 * Regenerates docs/screenshots/ (store home, a movie page, the "Your data" panel, and the
 * third-party embed page with its own product images and prices) from the built demo:
 * `npm run screenshots` (builds first; `-- --no-build` reuses dist/).
 */
import { execSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium as pw, type Page } from '@playwright/test';
import { preview } from 'vite';
import { chromiumLaunchOptions } from '../tests/support/browser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs/screenshots');
const PORT = 4319;

/** A short, plausible history: a few classic sci-fi / adventure films (MovieLens ids). */
const BROWSE = ['49', '171', '180', '173', '95'];

async function ready(page: Page, widget: string): Promise<void> {
  await page.locator(`${widget}[data-state="ready"]`).waitFor();
  // posters and fonts are local; give layout one frame to settle
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) execSync('npm run build', { cwd: root, stdio: 'inherit' });
  mkdirSync(out, { recursive: true });
  const server = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: PORT, strictPort: true },
  });
  const browser = await pw.launch(chromiumLaunchOptions);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    const base = `http://127.0.0.1:${PORT}/`;
    await page.goto(base);
    await ready(page, '#next-for-you');
    for (const id of BROWSE) {
      await page.goto(`${base}#/movie/${id}`);
      await ready(page, '#similar');
    }
    await page.locator('#buy-now').click();

    await page.goto(`${base}#/movie/${BROWSE[0]}`);
    await ready(page, '#similar');
    await ready(page, '#recommended-for-you');
    await page.screenshot({ path: join(out, 'movie-page.png'), fullPage: true });

    await page.goto(`${base}#/`);
    await ready(page, '#next-for-you');
    await page.screenshot({
      path: join(out, 'store-home.png'),
      clip: { x: 0, y: 0, width: 1280, height: 1180 },
      fullPage: true,
    });

    await page.goto(`${base}#/data`);
    await page.locator('.gate-row').first().waitFor();
    await page.screenshot({ path: join(out, 'your-data.png'), fullPage: true });

    // the embed page on the same origin: the same visitor's history, the shop's product images
    await page.goto(`${base}embed.html`);
    await ready(page, '#for-you');
    await ready(page, '#similar');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('localrec-recommendations')].every((e) =>
        [...(e.shadowRoot?.querySelectorAll('img') ?? [])].slice(0, 8).every((i) => i.complete && i.naturalWidth > 0),
      ),
    );
    await page.screenshot({ path: join(out, 'embed-page.png'), fullPage: true });
    console.log(`screenshots written to ${out}`);
  } finally {
    await browser.close();
    await new Promise<void>((resolve, reject) => server.httpServer.close((e) => (e ? reject(e) : resolve())));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
