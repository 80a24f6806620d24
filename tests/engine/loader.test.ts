import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelIntegrityError, ModelLoadError } from '../../src/core/errors';
import { loadModel, MODEL_CACHE } from '../../src/engine/loader';
import { createWith } from '../../src/engine/recommender';
import { MemoryStore } from '../../src/engine/store';
import type { LoadProgress } from '../../src/types';
import { diskFetch, nodeEngine, TINY, TINY_URL, tinyRecommender } from './helpers';
import { createHash } from 'node:crypto';

/** A minimal in-memory Cache Storage (Node has none). */
class FakeCache {
  readonly entries = new Map<string, Uint8Array>();
  async match(key: string): Promise<Response | undefined> {
    const b = this.entries.get(key);
    return b ? new Response(b.slice() as Uint8Array<ArrayBuffer>) : undefined;
  }
  async put(key: string, res: Response): Promise<void> {
    this.entries.set(key, new Uint8Array(await res.arrayBuffer()));
  }
  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }
}
class FakeCaches {
  readonly caches = new Map<string, FakeCache>();
  async open(name: string): Promise<FakeCache> {
    if (!this.caches.has(name)) this.caches.set(name, new FakeCache());
    return this.caches.get(name)!;
  }
}
const asCaches = (c: FakeCaches) => c as unknown as CacheStorage;
const tamper = (name: string): Uint8Array => {
  const b = new Uint8Array(readFileSync(join(TINY, name)));
  b[b.length - 1] = b[b.length - 1]! ^ 0xff;
  return b;
};

describe('loadModel', () => {
  it('fetches every file, verifies it and reports progress', async () => {
    const progress: LoadProgress[] = [];
    const log: string[] = [];
    const m = await loadModel(TINY_URL, {
      fetch: diskFetch(TINY, TINY_URL, {}, log),
      caches: null,
      onProgress: (p) => progress.push(p),
    });
    expect(m.manifest.name).toBe('tiny');
    expect(log.map((u) => u.slice(TINY_URL.length)).sort()).toEqual([
      'catalog.json',
      'encoder.onnx',
      'items.bin',
      'manifest.json',
      'model.onnx',
    ]);
    expect(m.items.byteLength).toBe(m.manifest.files.items.bytes);
    expect(progress.at(-1)!.fraction).toBe(1);
    const fractions = progress.map((p) => p.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(progress.every((p) => !p.fromCache)).toBe(true);
  });

  for (const file of ['model.onnx', 'items.bin', 'catalog.json', 'encoder.onnx']) {
    it(`refuses a tampered ${file} with ModelIntegrityError`, async () => {
      const p = loadModel(TINY_URL, { fetch: diskFetch(TINY, TINY_URL, { [file]: tamper(file) }), caches: null });
      await expect(p).rejects.toBeInstanceOf(ModelIntegrityError);
      await expect(p).rejects.toMatchObject({ file, code: 'model-integrity' });
    });
  }

  it('refuses a truncated file (size) and reports HTTP errors as ModelLoadError', async () => {
    const short = new Uint8Array(readFileSync(join(TINY, 'items.bin'))).slice(0, 10);
    await expect(
      loadModel(TINY_URL, { fetch: diskFetch(TINY, TINY_URL, { 'items.bin': short }), caches: null }),
    ).rejects.toBeInstanceOf(ModelIntegrityError);
    await expect(
      loadModel('http://fixture.test/nowhere/', { fetch: diskFetch(TINY, TINY_URL), caches: null }),
    ).rejects.toBeInstanceOf(ModelLoadError);
  });

  it('createRecommender never starts a session on a tampered model', async () => {
    const engine = nodeEngine();
    let inits = 0;
    const orig = engine.init.bind(engine);
    engine.init = async (i) => {
      inits++;
      return orig(i);
    };
    await expect(
      createWith(
        { model: TINY_URL },
        {
          engine,
          store: new MemoryStore('t'),
          load: { fetch: diskFetch(TINY, TINY_URL, { 'model.onnx': tamper('model.onnx') }), caches: null },
          channel: null,
        },
      ),
    ).rejects.toBeInstanceOf(ModelIntegrityError);
    expect(inits).toBe(0);
  });

  it('caches verified files: a second load works offline', async () => {
    const caches = new FakeCaches();
    await loadModel(TINY_URL, { fetch: diskFetch(TINY, TINY_URL), caches: asCaches(caches) });
    const offline = async (): Promise<Response> => {
      throw new TypeError('Failed to fetch');
    };
    const progress: LoadProgress[] = [];
    const m = await loadModel(TINY_URL, {
      fetch: offline,
      caches: asCaches(caches),
      onProgress: (p) => progress.push(p),
    });
    expect(m.fromCache).toEqual({ manifest: true, model: true, items: true, catalog: true, encoder: true });
    expect(progress.every((p) => p.fromCache)).toBe(true);
  });

  it('a corrupted cached file is re-verified, dropped and fetched again', async () => {
    const caches = new FakeCaches();
    await loadModel(TINY_URL, { fetch: diskFetch(TINY, TINY_URL), caches: asCaches(caches) });
    const cache = caches.caches.get(MODEL_CACHE)!;
    const key = [...cache.entries.keys()].find((k) => k.includes('items.bin'))!;
    const cached = cache.entries.get(key)!;
    cached[3] = cached[3]! ^ 0x55;
    const log: string[] = [];
    const m = await loadModel(TINY_URL, { fetch: diskFetch(TINY, TINY_URL, {}, log), caches: asCaches(caches) });
    expect(m.fromCache.items).toBe(false);
    expect(m.fromCache.model).toBe(true);
    expect(log.some((u) => u.endsWith('items.bin'))).toBe(true);
    expect(new Uint8Array(m.items)).toEqual(new Uint8Array(readFileSync(join(TINY, 'items.bin'))));
    // the cache holds the good copy again
    await expect(
      loadModel(TINY_URL, {
        fetch: async () => {
          throw new TypeError('offline');
        },
        caches: asCaches(caches),
      }),
    ).resolves.toBeTruthy();
  });

  it('a corrupted cache and a tampered network copy: ModelIntegrityError', async () => {
    const caches = new FakeCaches();
    await loadModel(TINY_URL, { fetch: diskFetch(TINY, TINY_URL), caches: asCaches(caches) });
    const cache = caches.caches.get(MODEL_CACHE)!;
    const key = [...cache.entries.keys()].find((k) => k.includes('model.onnx'))!;
    const cached = cache.entries.get(key)!;
    cached[0] = cached[0]! ^ 1;
    await expect(
      loadModel(TINY_URL, {
        fetch: diskFetch(TINY, TINY_URL, { 'model.onnx': tamper('model.onnx') }),
        caches: asCaches(caches),
      }),
    ).rejects.toBeInstanceOf(ModelIntegrityError);
  });

  it('a model with a binary catalogue (catalog.bin) loads, verifies it and answers as with catalog.json', async () => {
    const bin = new Uint8Array(readFileSync(join(TINY, 'catalog.bin')));
    const manifest = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8'));
    manifest.files.catalog = {
      path: 'catalog.bin',
      bytes: bin.byteLength,
      sha256: createHash('sha256').update(bin).digest('hex'),
    };
    const files = { 'manifest.json': new TextEncoder().encode(JSON.stringify(manifest)) };
    const m = await loadModel(TINY_URL, { fetch: diskFetch(TINY, TINY_URL, files), caches: null });
    expect(m.catalog).toBeInstanceOf(Uint8Array);
    // tampered: refused like any model file
    const bad = bin.slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    await expect(
      loadModel(TINY_URL, { fetch: diskFetch(TINY, TINY_URL, { ...files, 'catalog.bin': bad }), caches: null }),
    ).rejects.toMatchObject({
      file: 'catalog.bin',
      code: 'model-integrity',
    });
    const viaBin = await tinyRecommender({}, { load: { fetch: diskFetch(TINY, TINY_URL, files), caches: null } });
    const viaJson = await tinyRecommender();
    try {
      for (const r of [viaBin, viaJson])
        for (const id of ['103', '107', '111']) await r.track({ type: 'view', itemId: id });
      const [a, b] = await Promise.all([viaBin.recommend({ k: 5 }), viaJson.recommend({ k: 5 })]);
      expect(a.source).toBe('model');
      expect(a.items).toEqual(b.items);
      expect(viaBin.item('107')).toEqual(viaJson.item('107'));
      await expect(viaBin.track({ type: 'view', itemId: '999' })).rejects.toMatchObject({ name: 'UnknownItemError' });
    } finally {
      viaBin.close();
      viaJson.close();
    }
  });
});
