import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './tests/support/browser';

/** The engine specs run against the vite dev server (harness pages under e2e/harness/). */
// LOCALREC_ENGINE_PORT: a private port, so a run never reuses (and loses) a server another run
// started in the same checkout
export const ENGINE_PORT = Number(process.env.LOCALREC_ENGINE_PORT ?? 5199);
export const ENGINE_URL = `http://127.0.0.1:${ENGINE_PORT}`;

// Extend these two lists to add a project (e.g. the built demo with `vite preview`).
const webServer: NonNullable<PlaywrightTestConfig['webServer']> = [
  {
    command: `LOCALREC_E2E=1 npx vite --host 127.0.0.1 --port ${ENGINE_PORT} --strictPort`,
    url: `${ENGINE_URL}/e2e/harness/engine.html`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
];

/** The demo specs run against the *built* store and embed page (`npm run build`, then `vite preview`). */
// LOCALREC_DEMO_PORT: a private port, like LOCALREC_ENGINE_PORT (the build itself still goes to dist/)
export const DEMO_PORT = Number(process.env.LOCALREC_DEMO_PORT ?? 4318);
export const DEMO_URL = `http://127.0.0.1:${DEMO_PORT}`;
webServer.push({
  command: `nice -n 10 npm run build && npx vite preview --host 127.0.0.1 --port ${DEMO_PORT} --strictPort`,
  url: `${DEMO_URL}/embed.html`,
  reuseExistingServer: !process.env.CI,
  timeout: 300_000,
  stdout: 'ignore',
  stderr: 'pipe',
});

const projects: NonNullable<PlaywrightTestConfig['projects']> = [
  {
    name: 'engine',
    testDir: 'e2e/engine',
    use: { baseURL: ENGINE_URL },
  },
  {
    name: 'demo',
    testDir: 'e2e/demo',
    use: { baseURL: DEMO_URL, viewport: { width: 1280, height: 900 } },
  },
  {
    // the element on a harness page of the engine's dev server (e2e/widget/widget.html)
    name: 'widget',
    testDir: 'e2e/widget',
    use: { baseURL: ENGINE_URL, viewport: { width: 1280, height: 900 } },
  },
  {
    // the synthetic shop trained by `localrec train`, in the widget (e2e/harness/shop.html)
    name: 'shop',
    testDir: 'e2e/shop',
    use: { baseURL: ENGINE_URL },
  },
  {
    // the packed library in consumer apps (Vite, webpack 5, React 19, Vue 3, a script tag under a
    // sub-path), built once into .cache/consumers/ and served from one static origin of its own
    name: 'consumers',
    testDir: 'e2e/consumers',
    timeout: 120_000,
    use: { viewport: { width: 1280, height: 900 } },
  },
];

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: process.env.CI ? 'line' : [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions,
    trace: 'off',
  },
  webServer,
  projects,
});
