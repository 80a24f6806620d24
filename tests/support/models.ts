/** Models the engine specs and the bench run against, and reference computations in the test process (Node). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import type * as OrtCommon from 'onnxruntime-common';
import type { Page } from '@playwright/test';
import { Catalog } from '../../src/core/catalog';
import { historyTensorData } from '../../src/core/history';
import type { CatalogFile, ModelManifest } from '../../src/core/manifest-types';
import { topK } from '../../src/core/rank';
import { OrtEngine } from '../../src/engine/inference';
import { rng } from './helpers';

/** Deterministic PRNG (mulberry32), the same as the unit tests use. */
export { rng };

/**
 * Opens the engine harness page (e2e/harness/engine.html; `url` when it is served elsewhere, as by
 * the bench's own server) and waits until it is ready.
 */
export async function openHarness(page: Page, url = '/e2e/harness/engine.html'): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
}

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared beside the repository (datasets are read from there, never copied) */
export const SHARED = resolve(REPO, '../shared');

export interface ModelUnderTest {
  name: string;
  /** URL path on the dev server */
  url: string;
  dir: string;
  manifest: ModelManifest;
  catalog: CatalogFile;
}

/** A model folder on disk, served at `url`: its manifest and catalogue, read here. */
export function loadModelUnderTest(name: string, dir: string, url: string): ModelUnderTest {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
  const catalog = Catalog.fromBytes(
    readFileSync(join(dir, manifest.files.catalog.path)),
    manifest.itemCount,
  ).fileData();
  return { name, dir, url, manifest, catalog };
}

/** Every shipped model (public/models/<name>/ with a manifest.json). */
export function shippedModels(): ModelUnderTest[] {
  const root = join(REPO, 'public/models');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'manifest.json')))
    .map((d) => d.name)
    .sort()
    .map((name) => loadModelUnderTest(name, join(root, name), `/models/${name}/`));
}

/** The tiny fixture model (tests/fixtures/tiny), served by the dev server from the repository. */
export function tinyModel(): ModelUnderTest {
  return loadModelUnderTest('tiny', join(REPO, 'tests/fixtures/tiny'), '/tests/fixtures/tiny/');
}

/** The model most specs use: the shipped movielens model when present, else the fixture. */
export function primaryModel(): ModelUnderTest {
  return shippedModels().find((m) => m.name === 'movielens') ?? shippedModels()[0] ?? tinyModel();
}

/**
 * `n` histories of model indices: real validation histories of the model's dataset when
 * ../shared/datasets/<dataset>/val.jsonl exists (ids mapped through the catalog), topped up with
 * seeded random histories of random lengths.
 */
export function histories(m: ModelUnderTest, n: number): number[][] {
  const out: number[][] = [];
  const index = new Map(m.catalog.ids.map((id, i) => [id, i + 1]));
  const val = join(SHARED, 'datasets', m.manifest.dataset, 'val.jsonl');
  if (existsSync(val)) {
    for (const line of readFileSync(val, 'utf8').split('\n')) {
      if (out.length >= n) break;
      if (!line.trim()) continue;
      const h = (JSON.parse(line) as { history: number[] }).history
        .map((id) => index.get(String(id)))
        .filter((i): i is number => i !== undefined);
      if (h.length) out.push(h.slice(-m.manifest.maxHistory));
    }
  }
  const r = rng(1234);
  while (out.length < n) {
    const len = 1 + Math.floor(r() * m.manifest.maxHistory);
    out.push(Array.from({ length: len }, () => 1 + Math.floor(r() * m.manifest.itemCount)));
  }
  return out;
}

/** onnxruntime-node's top-k for the same batch (the reference the browser backends must match). */
export async function nodeTopK(m: ModelUnderTest, hs: number[][], k: number): Promise<number[][]> {
  const engine = new OrtEngine(ortNode as unknown as typeof OrtCommon, 'node');
  await engine.init({ manifest: m.manifest, modelPath: join(m.dir, m.manifest.files.model.path), backend: 'auto' });
  const { data, dims } = historyTensorData(hs, m.manifest.maxHistory);
  const out = await engine.run(data, dims[0], dims[1]);
  await engine.close();
  const n = m.manifest.itemCount + 1;
  return hs.map((_, b) => topK(out.scores.subarray(b * n, (b + 1) * n), k, { from: 1 }).map((s) => s.index));
}

/** Share of rows with the same top-1, and mean top-k overlap. */
export function agreement(a: number[][], b: number[][]): { top1: number; overlap: number } {
  let top1 = 0;
  let overlap = 0;
  a.forEach((row, i) => {
    const other = b[i]!;
    if (row[0] === other[0]) top1++;
    const s = new Set(other);
    overlap += row.filter((x) => s.has(x)).length / Math.max(1, row.length);
  });
  return { top1: top1 / a.length, overlap: overlap / a.length };
}
