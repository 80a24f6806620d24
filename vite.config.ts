import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { ortAliases, ortRuntimePlugin } from './build/vite-ort-plugin';

const root = import.meta.dirname;

/** Pages of the app build (add yours here). */
const pages: Record<string, string> = {};
for (const [name, file] of [
  ['index', 'index.html'],
  ['demo', 'demo/index.html'],
] as const) {
  if (existsSync(resolve(root, file))) pages[name] = resolve(root, file);
}

export default defineConfig({
  // the onnxruntime-web .wasm/.mjs are served at <base>ort/ (dev) and emitted to dist/ort/ (build)
  plugins: [ortRuntimePlugin()],
  // the onnxruntime-web builds that load their runtime from `wasmPaths` (build/vite-ort-plugin.ts)
  resolve: { alias: ortAliases() },
  // onnxruntime-web must not be pre-bundled: it locates its runtime files itself (wasmPaths)
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  // LOCALREC_E2E=1 (the Playwright dev server): no HMR, so edits made while a suite runs
  // (several engineers share this checkout) never reload a page in the middle of a test
  server: {
    host: '127.0.0.1',
    port: 5173,
    // .cache/ holds what the bench and the consumer matrix build (packed copies of the library
    // among them): a change there is never a change of this app
    watch: { ignored: ['**/.cache/**', '**/e2e/shop/model/**'] },
    ...(process.env.LOCALREC_E2E ? { hmr: false, ws: false } : {}),
  },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    target: 'es2022',
    rollupOptions: { input: pages },
  },
});
