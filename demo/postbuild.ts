/**
 * After `vite build` (the store) and the library build: writes the demo's offline service worker
 * (dist/sw.js, with the list of built files each demo page needs), the third-party embed example
 * (dist/embed.html, served as is: it only includes the library build) with the shop's product
 * images (dist/products/<id>.svg: a cover per catalogue item, served from the shop's own origin),
 * and prints the library's sizes (the figures README.md quotes).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdapter, describeAdapter } from '../src/core/adapter';
import type { ModelManifest } from '../src/core/manifest-types';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const DEMO_MODEL = 'models/movielens/';

if (!existsSync(join(dist, 'index.html')) || !existsSync(join(dist, 'lib/widget.js'))) {
  console.error('postbuild: run `vite build` and `vite build -c vite.lib.config.ts` first');
  process.exit(1);
}

for (const f of ['embed.html', 'embed.js', 'embed.css']) copyFileSync(join(root, 'demo', f), join(dist, f));

const xml = (t: string) => t.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A product cover for an item: deterministic from its id, the title set on it (no fonts fetched). */
function cover(id: string, title: string, year: number | null): string {
  let h = 2166136261;
  for (const ch of `${id}:${title}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const hue = h % 360;
  const hue2 = (hue + 40 + ((h >>> 9) % 80)) % 360;
  const name = title.replace(/\s*\((?:\d{4}|[IVX]+)\)\s*$/u, '').replace(/^(.*), (The|A|An)$/u, '$2 $1');
  const lines: string[] = [];
  for (const word of name.split(/\s+/)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && `${last} ${word}`.length <= 14) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  const shown = lines.slice(0, 4);
  const text = shown
    .map(
      (l, i) =>
        `<text x="28" y="${250 + i * 34 - shown.length * 17}" font-size="28" font-weight="700">${xml(l)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="450" viewBox="0 0 300 450"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},55%,32%)"/><stop offset="1" stop-color="hsl(${hue2},65%,52%)"/></linearGradient></defs><rect width="300" height="450" fill="url(#g)"/><rect x="0" y="0" width="14" height="450" fill="rgba(0,0,0,0.25)"/><circle cx="${200 + (h % 70)}" cy="${90 + ((h >>> 7) % 60)}" r="${50 + ((h >>> 13) % 40)}" fill="rgba(255,255,255,0.14)"/><g fill="#fff" font-family="sans-serif">${text}${year ? `<text x="28" y="410" font-size="20" opacity="0.8">${year}</text>` : ''}</g></svg>`;
}

const catalog = JSON.parse(readFileSync(join(root, 'public', DEMO_MODEL, 'catalog.json'), 'utf8')) as {
  ids: string[];
  titles: string[];
  years: (number | null)[];
};
mkdirSync(join(dist, 'products'), { recursive: true });
catalog.ids.forEach((id, i) => {
  writeFileSync(join(dist, 'products', `${id}.svg`), cover(id, catalog.titles[i] ?? id, catalog.years[i] ?? null));
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const all = walk(dist)
  .map((p) => relative(dist, p).split(sep).join('/'))
  .filter((p) => !p.endsWith('.map') && p !== 'sw.js' && p !== 'lib/types' && !p.startsWith('lib/types/'))
  .filter((p) => !p.startsWith('models/') || p.startsWith(DEMO_MODEL))
  // the product images are loaded as cards are shown, not precached (a card without its image draws its poster)
  .filter((p) => !p.startsWith('products/'))
  .filter((p) => !p.endsWith('.fp32.onnx'))
  .sort();

const model = all.filter((p) => p.startsWith(DEMO_MODEL));
const isEmbedPage = (p: string) => /^embed\.(html|js|css)$/.test(p);
const store = all.filter((p) => !p.startsWith('lib/') && !isEmbedPage(p) && !p.startsWith('models/'));
const embed = all.filter((p) => p.startsWith('lib/'));
const pages = {
  store: { shell: '/index.html', urls: ['/', ...store.map((p) => `/${p}`), ...model.map((p) => `/${p}`)] },
  embed: {
    shell: '/embed.html',
    urls: ['/embed.html', '/embed.js', '/embed.css', ...embed.map((p) => `/${p}`), ...model.map((p) => `/${p}`)],
  },
};

const hash = createHash('sha256');
for (const p of all) hash.update(p).update(readFileSync(join(dist, p)));
const version = hash.digest('hex').slice(0, 12);

const template = readFileSync(join(root, 'demo/sw.js'), 'utf8');
const sw = template
  .replace('/* PRECACHE */ {}', JSON.stringify(pages))
  .replace("/* VERSION */ 'dev'", JSON.stringify(version));
if (sw === template) throw new Error('postbuild: demo/sw.js placeholders not found');
writeFileSync(join(dist, 'sw.js'), sw);
const mb = (list: string[]) => (list.reduce((s, p) => s + statSync(join(dist, p)).size, 0) / 1e6).toFixed(1);
console.log(
  `postbuild: dist/sw.js (version ${version}; store ${pages.store.urls.length} files ${mb([...store, ...model])} MB, embed ${pages.embed.urls.length} files ${mb([...embed, ...model])} MB), dist/embed.html`,
);

/** The library's sizes, as README.md quotes them (`npm run build` prints this table). */
const lib = join(dist, 'lib');
const size = (files: string[]) => {
  const raw = files.reduce((n, f) => n + statSync(join(lib, f)).size, 0);
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(lib, f))).length, 0);
  return `${(raw / 1e3).toFixed(0)} kB (${(gz / 1e3).toFixed(0)} kB gzipped)`;
};
const libFiles = walk(lib).map((p) => relative(lib, p).split(sep).join('/'));
const js = libFiles.filter((f) => f.endsWith('.js'));
const mbOf = (f: string) =>
  `${(statSync(join(lib, f)).size / 1e6).toFixed(1)} MB (${(gzipSync(readFileSync(join(lib, f))).length / 1e6).toFixed(1)} MB gzipped)`;
// the visitor's adapter for the demo model, as `rec.adapter().bytes` reports it
const demoManifest = JSON.parse(
  readFileSync(join(root, 'public', DEMO_MODEL, 'manifest.json'), 'utf8'),
) as ModelManifest;
const adapterBytes = describeAdapter(
  createAdapter(demoManifest.modelVersion, demoManifest.dim, demoManifest.experts),
).bytes;
const sizeRows = [
  `| all JavaScript of the page (\`widget.js\`, \`index.js\` and their chunks; no runtime) | ${size(js.filter((f) => !f.startsWith('assets/') && !/^ort\.\w+\.min-/.test(f)))} |`,
  `| the inference Worker (\`assets/worker-*.js\`) | ${size(js.filter((f) => /^assets\/worker-/.test(f)))} |`,
  `| onnxruntime-web's JS for the Worker, WASM / WebGPU (only one is loaded) | ${size(js.filter((f) => /^assets\/ort\.wasm/.test(f)))} / ${size(js.filter((f) => /^assets\/ort\.webgpu/.test(f)))} |`,
  `| \`ort/\` runtime, WASM (\`ort-wasm-simd-threaded.wasm\`) | ${mbOf('ort/ort-wasm-simd-threaded.wasm')} |`,
  `| \`ort/\` runtime, WebGPU (\`ort-wasm-simd-threaded.asyncify.wasm\`), only where WebGPU is used | ${mbOf('ort/ort-wasm-simd-threaded.asyncify.wasm')} |`,
  `| the visitor's adapter for the demo model, kept on their device (\`rec.adapter().bytes\`) | ${(adapterBytes / 1e3).toFixed(1)} kB |`,
];
writeFileSync(join(lib, 'sizes.md'), `${sizeRows.join('\n')}\n`);
console.log(
  [
    'postbuild: library sizes (dist/lib/sizes.md; README.md quotes them, e2e/demo/sizes.spec.ts checks)',
    ...sizeRows,
  ].join('\n'),
);
// `--write-readme`: the README's table rewritten from this build
if (process.argv.includes('--write-readme')) {
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const block = /(<!-- sizes:begin[^\n]*-->\n\| part \| size \|\n\|---\|---\|\n)[\s\S]*?(<!-- sizes:end -->)/;
  if (!block.test(readme)) throw new Error('postbuild: the README has no sizes block');
  const next = readme.replace(block, (_m, head: string, end: string) => `${head}${sizeRows.join('\n')}\n${end}`);
  writeFileSync(readmePath, next);
}

/**
 * Subresource Integrity of every file of the library build (sha384, as `integrity` attributes and
 * import maps take it): docs/privacy.md says how a page uses them.
 */
const integrity: Record<string, string> = {};
for (const f of libFiles.filter((x) => /\.(js|mjs|wasm)$/.test(x)).sort()) {
  integrity[f] = `sha384-${createHash('sha384')
    .update(readFileSync(join(lib, f)))
    .digest('base64')}`;
}
writeFileSync(join(lib, 'integrity.json'), `${JSON.stringify(integrity, null, 2)}\n`);
