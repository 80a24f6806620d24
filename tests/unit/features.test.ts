import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { featureStrings, fnv1a32, itemFeatures } from '../../src/core/features';
import { parseManifest } from '../../src/core/manifest';
import { FIXTURE, readJSON, shippedModels } from '../support/helpers';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    // "é" is 2 UTF-8 bytes (c3 a9); hashing by hand over those bytes
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 16777619) >>> 0;
    expect(fnv1a32('é')).toBe(h);
  });
});

describe('featureStrings', () => {
  it('orders title words, genres, year and decade, without duplicates', () => {
    expect(featureStrings({ title: 'Toy Story (1995)', genres: ['Animation', " Children's "], year: 1995 })).toEqual([
      't:toy',
      't:story',
      't:1995',
      'g:animation',
      "g:children's",
      'y:1995',
      'd:1990',
    ]);
  });
  it('applies NFKC then lowercase, splits on non letters/digits', () => {
    expect(featureStrings({ title: 'ＡＢＣ－ｄｅｆ ½ Über' })).toEqual(['t:abc', 't:def', 't:1', 't:2', 't:über']);
  });
  it('drops duplicates keeping the first and omits a null year', () => {
    expect(featureStrings({ title: 'Go go GO', genres: ['Go'], year: null })).toEqual(['t:go', 'g:go']);
  });
  it('floors the decade', () => {
    expect(featureStrings({ year: 2009 })).toEqual(['y:2009', 'd:2000']);
  });
});

describe('itemFeatures', () => {
  it('hashes into 1..buckets-1, truncates and right-pads with 0', () => {
    const spec = { buckets: 8, maxFeatures: 6 };
    const f = itemFeatures({ title: 'a b', genres: [], year: null }, spec);
    expect(Array.from(f)).toEqual([1 + (fnv1a32('t:a') % 7), 1 + (fnv1a32('t:b') % 7), 0, 0, 0, 0]);
    const long = itemFeatures({ title: 'one two three four five six seven' }, { buckets: 8192, maxFeatures: 3 });
    expect(long.length).toBe(3);
    expect(Array.from(long)).toEqual(['t:one', 't:two', 't:three'].map((s) => 1 + (fnv1a32(s) % 8191)));
    for (const b of long) expect(b).toBeGreaterThanOrEqual(1);
  });

  it("agrees with the fixture manifest's test vectors (computed by an independent Python implementation)", () => {
    const m = parseManifest(readJSON(join(FIXTURE, 'manifest.json')));
    expect(m.content).not.toBeNull();
    expect(m.content!.testVectors.length).toBeGreaterThan(0);
    for (const tv of m.content!.testVectors) {
      expect(Array.from(itemFeatures(tv, m.content!))).toEqual(tv.features);
    }
  });

  const models = shippedModels();
  if (models.length === 0) it.skip('no shipped model yet', () => undefined);
  it.each(models)('agrees with the test vectors of shipped model $name', ({ dir }) => {
    const m = parseManifest(readJSON(join(dir, 'manifest.json')));
    if (m.content === null) return; // a model without content features has no featurisation
    expect(m.content.testVectors.length).toBeGreaterThan(0);
    for (const tv of m.content.testVectors) {
      expect(Array.from(itemFeatures(tv, m.content))).toEqual(tv.features);
    }
  });
});
