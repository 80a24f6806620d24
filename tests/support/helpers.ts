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

/** Content types of the files the test and bench servers serve (by extension). */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};
