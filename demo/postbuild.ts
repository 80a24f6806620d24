/**
 * After `vite build` (the store) and the library build: writes the demo's offline service worker
 * (dist/sw.js, with the list of built files each demo page needs) and the third-party embed example
 * (dist/embed.html, served as is: it only includes the library build).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const DEMO_MODEL = 'models/movielens/';

if (!existsSync(join(dist, 'index.html')) || !existsSync(join(dist, 'lib/widget.js'))) {
  console.error('postbuild: run `vite build` and `vite build -c vite.lib.config.ts` first');
  process.exit(1);
}

copyFileSync(join(root, 'demo/embed.html'), join(dist, 'embed.html'));

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
  .filter((p) => !p.endsWith('.fp32.onnx'))
  .sort();

const model = all.filter((p) => p.startsWith(DEMO_MODEL));
const store = all.filter((p) => !p.startsWith('lib/') && p !== 'embed.html' && !p.startsWith('models/'));
const embed = all.filter((p) => p.startsWith('lib/'));
const pages = {
  store: { shell: '/index.html', urls: ['/', ...store.map((p) => `/${p}`), ...model.map((p) => `/${p}`)] },
  embed: { shell: '/embed.html', urls: ['/embed.html', ...embed.map((p) => `/${p}`), ...model.map((p) => `/${p}`)] },
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
