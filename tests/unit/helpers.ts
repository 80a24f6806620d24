import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
