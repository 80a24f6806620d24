/**
 * onnxruntime-web in the Vite builds, in one place for the app build (vite.config.ts) and the
 * library build (vite.lib.config.ts): which runtime files the engine loads, the aliases that pick
 * the onnxruntime-web builds loading them at run time, and the plugins that serve or copy them.
 *
 * The runtime (.wasm + .mjs glue of the WebGPU and of the WASM-only build) is served from the
 * page's own origin at `<base>ort/`: in dev straight from node_modules (before Vite's transform
 * middleware, which would otherwise rewrite the .mjs), at build as emitted assets under
 * `dist/ort/`. The engine points `ort.env.wasm.wasmPaths` there (createRecommender's `wasmPaths`,
 * default `<base>ort/`). No CDN.
 *
 * Node build tooling: it stays outside src/, so it is neither bundled nor in the published types.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Alias, Plugin } from 'vite';

/**
 * The runtime files the engine loads (src/engine/ort-web.ts): those of the `onnxruntime-web/webgpu`
 * build (asyncify: WASM and native WebGPU EP) and of `onnxruntime-web/wasm` (WASM only).
 */
export const ORT_RUNTIME_FILES: readonly string[] = [
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];

/** onnxruntime-web's dist/ folder in node_modules. */
export function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm'));
}

/**
 * The builds of `onnxruntime-web/webgpu` and `onnxruntime-web/wasm` that load their runtime
 * (.mjs + .wasm) from `wasmPaths` at run time, instead of the "bundle" variants that make Vite
 * emit (or, in library mode, inline) their own copy of the wasm.
 */
export function ortAliases(): Alias[] {
  const dist = ortDistDir();
  return [
    { find: /^onnxruntime-web\/webgpu$/, replacement: join(dist, 'ort.webgpu.min.mjs') },
    { find: /^onnxruntime-web\/wasm$/, replacement: join(dist, 'ort.wasm.min.mjs') },
  ];
}

/** Serves the runtime at `<base><prefix>` in dev and emits it there at build (the app build). */
export function ortRuntimePlugin(options: { prefix?: string } = {}): Plugin {
  const prefix = (options.prefix ?? 'ort/').replace(/^\/+/, '');
  const dist = ortDistDir();
  let base = '/';
  let emitted = false;
  return {
    name: 'localrec-ort-runtime',
    configResolved(config) {
      base = config.base.endsWith('/') ? config.base : `${config.base}/`;
    },
    configureServer(server) {
      // registered directly (not returned): runs before Vite's own middlewares
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        const at = `${base}${prefix}`;
        if (!path.startsWith(at)) return next();
        const name = path.slice(at.length);
        if (!ORT_RUNTIME_FILES.includes(name)) return next();
        const body = readFileSync(join(dist, name));
        res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        res.setHeader('Cache-Control', 'no-cache');
        res.end(body);
      });
    },
    buildStart() {
      emitted = false;
    },
    generateBundle() {
      if (emitted) return;
      emitted = true;
      for (const name of ORT_RUNTIME_FILES) {
        this.emitFile({ type: 'asset', fileName: `${prefix}${name}`, source: readFileSync(join(dist, name)) });
      }
    },
  };
}

/** Copies the runtime into `dest` once the bundle is written (the library build, dist/lib/ort/). */
export function ortCopyPlugin(dest: string): Plugin {
  return {
    name: 'localrec-copy-ort-runtime',
    apply: 'build',
    closeBundle() {
      mkdirSync(dest, { recursive: true });
      const dist = ortDistDir();
      for (const f of ORT_RUNTIME_FILES) copyFileSync(join(dist, f), join(dest, f));
    },
  };
}
