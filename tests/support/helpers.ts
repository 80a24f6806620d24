import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/core/random';

/** Deterministic PRNG (mulberry32). */
export const rng = mulberry32;

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURE = join(REPO, 'tests/fixtures/tiny');
export const SHARED = resolve(REPO, '../shared');

/** Folders of shipped models (public/models/<name>/ with a manifest.json). */
export function shippedModels(): { name: string; dir: string }[] {
  const root = join(REPO, 'public/models');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'manifest.json')))
    .map((d) => ({ name: d.name, dir: join(root, d.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function readJSON(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
