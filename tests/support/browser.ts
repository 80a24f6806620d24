/**
 * How every browser run here launches Chromium: the Playwright suite (playwright.config.ts), the
 * bench and the screenshots. Debian's Chromium, so no browser download is needed, with
 * SwiftShader WebGPU behind --enable-unsafe-webgpu.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--enable-unsafe-webgpu',
  ],
};
