/**
 * Builds the consumer matrix once, the way a shop would: `npm pack` of the library, the tarball
 * installed into a consumer folder (the package has no dependencies: installing it is unpacking
 * it), then each app of e2e/consumers/apps/ built with its own bundler into one static site:
 *
 *   /vite/  /react/  /vue/   Vite builds (React 19 JSX, Vue 3 templates)
 *   /webpack/                webpack 5
 *   /shop/sub/               a plain page with one script tag, the package's dist/lib/ copied under a sub-path
 *   /ort/                    the package's dist/lib/ort/, which bundled apps serve (docs/widget.md)
 *   /models/shop/, /shop/sub/models/shop/   the demo model under a name that is not the default
 *
 * and the Vite app once more under Vite's dev server (matrix.spec.ts starts it).
 * Everything goes to .cache/consumers/ (gitignored). The React app is also type-checked (JSX typings).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const WORK = join(ROOT, '.cache/consumers');
export const WWW = join(WORK, 'www');
const APPS_SRC = join(ROOT, 'e2e/consumers/apps');
export const APPS = join(WORK, 'apps');
const MODEL = join(ROOT, 'public/models/movielens');

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${stdout?.toString() ?? ''}\n${stderr?.toString() ?? ''}`,
    );
  }
}

export function buildConsumers(): void {
  // the library build (the demo's `npm run build` makes it too; a run of this project alone may not have)
  if (!existsSync(join(ROOT, 'dist/lib/widget.js')) || !existsSync(join(ROOT, 'dist/lib/types/widget/index.d.ts'))) {
    run('npx', ['vite', 'build', '-c', 'vite.lib.config.ts'], ROOT);
    run('npx', ['tsc', '-p', 'tsconfig.lib.json'], ROOT);
  }
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  run('npm', ['pack', '--silent', '--pack-destination', WORK], ROOT);
  const tgz = readdirSync(WORK).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack wrote no tarball');
  const pkg = join(WORK, 'node_modules/localrec');
  mkdirSync(pkg, { recursive: true });
  run('tar', ['xzf', join(WORK, tgz), '-C', pkg, '--strip-components=1'], WORK);

  cpSync(APPS_SRC, APPS, { recursive: true });
  mkdirSync(WWW, { recursive: true });
  symlinkSync(join(pkg, 'dist/lib/ort'), join(WWW, 'ort'));
  mkdirSync(join(WWW, 'models'));
  symlinkSync(MODEL, join(WWW, 'models/shop'));

  for (const app of ['vite', 'react', 'vue']) {
    run(
      'npx',
      ['vite', 'build', '--logLevel', 'error', '--base', `/${app}/`, '--outDir', join(WWW, app), '--emptyOutDir'],
      join(APPS, app),
    );
  }
  run('npx', ['tsc', '-p', 'tsconfig.json'], join(APPS, 'react'));
  run('npx', ['webpack', '-c', 'webpack.config.cjs'], join(APPS, 'webpack'), { OUT_DIR: join(WWW, 'webpack') });
  cpSync(join(APPS, 'webpack/index.html'), join(WWW, 'webpack/index.html'));

  // the Vite app's dev server (after its build, which would copy them): the runtime and the model from public/
  mkdirSync(join(APPS, 'vite/public/models'), { recursive: true });
  symlinkSync(join(pkg, 'dist/lib/ort'), join(APPS, 'vite/public/ort'));
  symlinkSync(MODEL, join(APPS, 'vite/public/models/shop'));

  const shop = join(WWW, 'shop/sub');
  mkdirSync(join(shop, 'models'), { recursive: true });
  cpSync(join(APPS, 'script-tag/index.html'), join(shop, 'index.html'));
  cpSync(join(pkg, 'dist/lib'), join(shop, 'localrec'), { recursive: true, filter: (p) => !p.includes('/types') });
  symlinkSync(MODEL, join(shop, 'models/shop'));
}
