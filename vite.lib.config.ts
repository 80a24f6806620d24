/**
 * Library build: `vite build -c vite.lib.config.ts` → dist/lib/
 *   localrec.js        the one ES module a shop includes (<script type="module" src=".../localrec.js">)
 *   assets/            the inference worker it starts (loaded relative to localrec.js)
 *   ort/               onnxruntime-web's wasm runtime; the default `wasmPaths` is this folder,
 *                      next to localrec.js (override with configure({ wasmPaths }) or wasm-base="...")
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
  // relative URLs: the worker and chunks load next to localrec.js wherever the shop puts it
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
      entry: join(root, 'src/widget/index.ts'),
      formats: ['es'],
      fileName: () => 'localrec.js',
    },
  },
  plugins: [copyOrtRuntime()],
});
