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
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
const outDir = join(root, 'dist/lib');
/**
 * The runtimes the engine loads (src/engine/ort-web.ts): onnxruntime-web/webgpu's (WASM EP +
 * native WebGPU EP, asyncify) and onnxruntime-web/wasm's (WASM only).
 */
const ORT_FILES = [
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.mjs',
];

function copyOrtRuntime(): Plugin {
  return {
    name: 'localrec-copy-ort-runtime',
    apply: 'build',
    closeBundle() {
      const dest = join(outDir, 'ort');
      mkdirSync(dest, { recursive: true });
      for (const f of ORT_FILES) copyFileSync(join(root, 'node_modules/onnxruntime-web/dist', f), join(dest, f));
    },
  };
}

export default defineConfig({
  // relative URLs: the worker and chunks load next to the modules wherever the shop puts them
  base: './',
  publicDir: false,
  resolve: {
    // The variant of onnxruntime-web that loads its wasm runtime from `wasmPaths` at run time
    // (the default export inlines 27 MB of wasm into the bundle in library mode).
    alias: [
      { find: /^onnxruntime-web\/webgpu$/, replacement: join(root, 'node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs') },
      { find: /^onnxruntime-web\/wasm$/, replacement: join(root, 'node_modules/onnxruntime-web/dist/ort.wasm.min.mjs') },
    ],
  },
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
  plugins: [copyOrtRuntime()],
});
