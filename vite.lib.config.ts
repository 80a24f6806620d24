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
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { ortAliases, ortCopyPlugin } from './build/vite-ort-plugin';
import { customElementsManifest } from './src/widget/meta';

const root = dirname(fileURLToPath(import.meta.url));
const outDir = join(root, 'dist/lib');

/**
 * The built modules as a consumer's bundler (Vite, webpack 5) reads them again:
 * - the Worker is created with the one form every bundler recognises and bundles as a worker,
 *   `new Worker(new URL('./assets/worker-….js', import.meta.url), { type: 'module' })` (Vite's
 *   library output nests a second `new URL` there, which bundlers do not follow);
 * - onnxruntime-web's own `new URL('ort.….min.mjs', import.meta.url)` (taken only under Node's
 *   file: URLs, never in a browser) would make a bundler look for a file that is not shipped:
 *   it becomes `import.meta.url`, which is what that branch resolves to in a browser anyway.
 */
function bundlerFriendlyOutput(): Plugin {
  return {
    name: 'localrec-bundler-friendly-output',
    apply: 'build',
    writeBundle() {
      const files = [...readdirSync(outDir), ...readdirSync(join(outDir, 'assets')).map((f) => `assets/${f}`)].filter(
        (f) => f.endsWith('.js'),
      );
      let workers = 0;
      for (const f of files) {
        const path = join(outDir, f);
        const before = readFileSync(path, 'utf8');
        const after = before
          .replace(
            /new Worker\(new URL\(\s*(?:\/\*[^*]*\*\/\s*)?new URL\(`(assets\/worker-[\w-]+\.js)`,import\.meta\.url\)\.href,``\+import\.meta\.url\)/g,
            (_m, file: string) => {
              workers++;
              return `new Worker(new URL("./${file}",import.meta.url)`;
            },
          )
          .replace(
            /new URL\(new URL\(`ort\.\w+\.min\.mjs`,import\.meta\.url\)\.href,(\w+)\)\.href/g,
            'import.meta.url',
          );
        if (after !== before) writeFileSync(path, after);
      }
      if (workers !== 1) throw new Error(`lib build: expected one Worker construction to rewrite, found ${workers}`);
    },
  };
}

/** custom-elements.json (the element's attributes, properties, events, slots, parts) from src/widget/meta.ts. */
function customElementsJson(): Plugin {
  return {
    name: 'localrec-custom-elements-json',
    apply: 'build',
    closeBundle() {
      writeFileSync(
        join(outDir, 'custom-elements.json'),
        `${JSON.stringify(customElementsManifest('dist/lib/widget.js'), null, 2)}\n`,
      );
    },
  };
}

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
  plugins: [ortCopyPlugin(join(outDir, 'ort')), bundlerFriendlyOutput(), customElementsJson()],
});
