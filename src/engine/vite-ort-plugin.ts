/**
 * Vite plugin: serves onnxruntime-web's runtime files (.wasm + .mjs glue of the WebGPU and of the WASM-only build)
 * from the page's own origin at `<base>ort/` — in dev straight from node_modules (before Vite's
 * transform middleware, which would otherwise rewrite the .mjs), and at build as emitted assets
 * under `dist/ort/`. The engine points `ort.env.wasm.wasmPaths` there (createRecommender's
 * `wasmPaths`, default `<base>ort/`). No CDN.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

/** The runtime files of the `onnxruntime-web/webgpu` build (asyncify: WASM and native WebGPU EP) and of `onnxruntime-web/wasm`. */
export const ORT_RUNTIME_FILES = /^ort-wasm-simd-threaded(\.asyncify)?\.(wasm|mjs)$/;

export function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm'));
}

export function ortRuntimePlugin(options: { prefix?: string } = {}): Plugin {
  const prefix = (options.prefix ?? 'ort/').replace(/^\/+/, '');
  const dist = ortDistDir();
  const files = readdirSync(dist).filter((f) => ORT_RUNTIME_FILES.test(f));
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
        if (!files.includes(name)) return next();
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
      for (const name of files) {
        this.emitFile({ type: 'asset', fileName: `${prefix}${name}`, source: readFileSync(join(dist, name)) });
      }
    },
  };
}
