/**
 * Library build: `vite build -c vite.lib.config.ts` → dist/lib/
 *   localrec.js        the one ES module a shop includes (<script type="module" src=".../localrec.js">)
 *   assets/            the inference worker it starts (loaded relative to localrec.js)
 *   ort/               onnxruntime-web's wasm runtime; the default `wasmPaths` is this folder,
 *                      next to localrec.js (override with configure({ wasmPaths }) or wasm-base="...")
 * Type declarations (dist/lib/types/) come from `tsc -p tsconfig.lib.json`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { ortAliases, ortCopyPlugin } from './build/vite-ort-plugin';

const root = dirname(fileURLToPath(import.meta.url));
const outDir = join(root, 'dist/lib');

export default defineConfig({
  // relative URLs: the worker and chunks load next to localrec.js wherever the shop puts it
  base: './',
  publicDir: false,
  // the onnxruntime-web builds that load their runtime from `wasmPaths` (build/vite-ort-plugin.ts):
  // the default export would inline the whole wasm runtime into the bundle in library mode
  resolve: { alias: ortAliases() },
  define: { 'import.meta.env.LOCALREC_LIB': 'true' },
  worker: { format: 'es' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: join(root, 'src/widget/index.ts'),
      formats: ['es'],
      fileName: () => 'localrec.js',
    },
  },
  plugins: [ortCopyPlugin(join(outDir, 'ort'))],
});
