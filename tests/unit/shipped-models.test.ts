/** Every shipped model folder (public/models/<name>/) is intact and within its size budget. */
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../src/core/catalog';
import { ItemTable } from '../../src/core/item-table';
import { parseManifest, verifyFile } from '../../src/core/manifest';
import { readJSON, shippedModels } from '../support/helpers';

/** Total bytes of the shipped files (manifest included) per model name. */
const BUDGET: Record<string, number> = {
  movielens: 1_000_000,
  lastfm: 1_500_000,
  beauty: 6_000_000,
};

const models = shippedModels();

describe('shipped models', () => {
  if (models.length === 0) it.skip('no shipped model yet', () => undefined);
  it.each(models)('$name is a known model with a size budget', ({ name }) => {
    expect(Object.keys(BUDGET)).toContain(name);
  });

  describe.each(models)('$name', ({ name, dir }) => {
    const manifest = parseManifest(readJSON(join(dir, 'manifest.json')));

    it('every file matches the manifest (bytes + sha256)', async () => {
      for (const entry of Object.values(manifest.files)) {
        if (!entry) continue;
        await verifyFile(entry, new Uint8Array(readFileSync(join(dir, entry.path))));
      }
      expect(manifest.modelVersion).toBe(manifest.files.model.sha256.slice(0, 16));
    });

    it('stays within its size budget', () => {
      const shipped =
        Object.values(manifest.files).reduce((a, e) => a + (e ? e.bytes : 0), 0) +
        statSync(join(dir, 'manifest.json')).size;
      expect(shipped).toBeLessThanOrEqual(BUDGET[name] ?? 0);
    });

    it('catalog and item table agree with the manifest', () => {
      const catalog = Catalog.fromJSON(readJSON(join(dir, manifest.files.catalog.path)), manifest.itemCount);
      expect(catalog.size).toBe(manifest.itemCount);
      const table = ItemTable.fromBytes(
        new Uint8Array(readFileSync(join(dir, manifest.files.items.path))),
        manifest.itemTable,
      );
      expect(table.rows).toBe(manifest.itemCount + 1);
      expect(Array.from(table.token(0)).every((v) => v === 0)).toBe(true);
    });
  });
});
