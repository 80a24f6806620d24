/**
 * Library build: `vite build -c vite.lib.config.ts` → dist/lib/
 *   index.js           the engine (the package's `localrec`): no side effects on import
 *   widget.js          the widget (`localrec/widget`): registers <localrec-recommendations>; the
 *                      module a shop includes with one script tag (it re-exports the engine too)
 *   (shared chunks)    code both entries use, next to them
 *   assets/            the inference worker (loaded relative to the modules)
 *   ort/               onnxruntime-web's wasm runtime; the default runtime location is this folder,
 *                      next to the modules (src/engine/config.ts)
 * Type declarations (dist/lib/types/) come from `tsc -p tsconfig.lib.json`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { ortAliases, ortCopyPlugin } from './build/vite-ort-plugin';

const root = dirname(fileURLToPath(import.meta.url));
const outDir = join(root, 'dist/lib');

export default defineConfig({
  // relative URLs: the worker and chunks load next to the modules wherever the shop puts them
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
      entry: { index: join(root, 'src/index.ts'), widget: join(root, 'src/widget/index.ts') },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    rollupOptions: {
      // shared code sits beside the entries, so that its `new URL('./ort/', import.meta.url)` is the entries' ort/
      output: {
        chunkFileNames: '[name]-[hash].js',
        // a shop's page loads these files as they are: whitespace is left out too (Vite's library
        // mode keeps it by default, for bundlers that re-minify; this build is also the script-tag file)
        minify: true,
      },
    },
  },
  plugins: [ortCopyPlugin(join(outDir, 'ort'))],
});
