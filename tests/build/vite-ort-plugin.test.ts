import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createServer } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { ortDistDir, ortRuntimePlugin } from '../../build/vite-ort-plugin';

const root = mkdtempSync(join(tmpdir(), 'localrec-vite-'));
writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
writeFileSync(join(root, 'main.js'), 'console.log(1);');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const RUNTIMES = [
  ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs'], // onnxruntime-web/webgpu
  ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'], // onnxruntime-web/wasm
] as const;

describe('ortRuntimePlugin', () => {
  it('dev: serves the onnxruntime-web runtime files at <base>ort/ untransformed', async () => {
    const server = await createServer({
      configFile: false,
      root,
      base: '/shop/',
      logLevel: 'silent',
      plugins: [ortRuntimePlugin()],
      server: { host: '127.0.0.1', port: 0, ws: false },
    });
    await server.listen();
    try {
      const url = server.resolvedUrls!.local[0]!;
      for (const [WASM, MJS] of RUNTIMES) {
        const wasm = await fetch(`${url}ort/${WASM}`);
        expect(wasm.status).toBe(200);
        expect(wasm.headers.get('content-type')).toBe('application/wasm');
        expect((await wasm.arrayBuffer()).byteLength).toBe(statSync(join(ortDistDir(), WASM)).size);
        const mjs = await fetch(`${url}ort/${MJS}`);
        expect(mjs.headers.get('content-type')).toBe('text/javascript');
        expect(await mjs.text()).toBe(readFileSync(join(ortDistDir(), MJS), 'utf8'));
      }
      // only the runtime files: nothing else of node_modules is exposed
      const other = await fetch(`${url}ort/ort.webgpu.min.mjs`);
      expect(other.headers.get('content-type')).not.toBe('text/javascript');
    } finally {
      await server.close();
    }
  });

  it('build: emits the runtime files to dist/ort/', async () => {
    const outDir = join(root, 'dist');
    await build({
      configFile: false,
      root,
      logLevel: 'silent',
      plugins: [ortRuntimePlugin()],
      build: { outDir, emptyOutDir: true },
    });
    for (const [WASM, MJS] of RUNTIMES) {
      expect(statSync(join(outDir, 'ort', WASM)).size).toBe(statSync(join(ortDistDir(), WASM)).size);
      expect(existsSync(join(outDir, 'ort', MJS))).toBe(true);
    }
  });
});
