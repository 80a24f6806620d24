import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../src/core/catalog';
import { InvalidArgumentError, ModelFormatError } from '../../src/core/errors';
import { FIXTURE, readJSON } from '../support/helpers';

const json = () => ({
  ids: ['10', '20', '30', '40'],
  titles: ['A (1990)', 'B', 'C', 'D'],
  genres: [['x'], [], ['y', 'z'], []],
  years: [1990, null, 2001, null],
  popularity: [5, 9, 5, 0],
});

describe('Catalog', () => {
  it('maps ids and model indices (1..N)', () => {
    const c = Catalog.fromJSON(json(), 4);
    expect(c.size).toBe(4);
    expect(c.indexOf('10')).toBe(1);
    expect(c.indexOf('40')).toBe(4);
    expect(c.indexOf('50')).toBeUndefined();
    expect(c.idAt(3)).toBe('30');
    expect(c.item(3)).toEqual({ id: '30', title: 'C', genres: ['y', 'z'], year: 2001 });
    expect(() => c.idAt(0)).toThrow(InvalidArgumentError);
    expect(() => c.item(5)).toThrow(InvalidArgumentError);
    expect([...c.items()].map(([i, it]) => [i, it.id])).toEqual([
      [1, '10'],
      [2, '20'],
      [3, '30'],
      [4, '40'],
    ]);
  });

  it('item() returns a copy', () => {
    const c = Catalog.fromJSON(json(), 4);
    c.item(3).genres.push('mutated');
    expect(c.item(3).genres).toEqual(['y', 'z']);
  });

  it('orders popular items by popularity, ties by index, with exclusions', () => {
    const c = Catalog.fromJSON(json(), 4);
    expect(c.popular(10)).toEqual([2, 1, 3, 4]);
    expect(c.popular(2)).toEqual([2, 1]);
    expect(c.popular(2, [2])).toEqual([1, 3]);
    expect(c.popular(2, new Set([1, 2]))).toEqual([3, 4]);
    expect(c.popular(0)).toEqual([]);
  });

  it('validates catalog.json', () => {
    const bad = (mut: (j: Record<string, any>) => void, n = 4, re?: RegExp) => {
      const j = json() as Record<string, any>;
      mut(j);
      expect(() => Catalog.fromJSON(j, n)).toThrow(ModelFormatError);
      if (re) expect(() => Catalog.fromJSON(j, n)).toThrow(re);
    };
    bad(() => undefined, 5, /ids has 4 entries, the manifest's itemCount is 5/);
    bad((j) => (j.ids[1] = '10'), 4, /duplicate/);
    bad((j) => (j.ids[0] = 10), 4, /ids\[0\]/);
    bad((j) => (j.genres[2] = 'y'), 4, /genres\[2\]/);
    bad((j) => (j.years[0] = '1990'), 4, /years\[0\]/);
    bad((j) => (j.popularity[3] = -1), 4, /popularity\[3\]/);
    bad((j) => delete j.titles, 4, /titles must be an array/);
    expect(() => Catalog.fromJSON(null, 0)).toThrow(ModelFormatError);
  });

  it('adds items with the next indices; re-adding updates given fields and keeps the index', () => {
    const c = Catalog.fromJSON(json(), 4);
    expect(
      c.addItems([
        { id: 'n1', title: 'New' },
        { id: 'n2', genres: ['g'], year: 2020 },
      ]),
    ).toEqual([5, 6]);
    expect(c.size).toBe(6);
    expect(c.baseSize).toBe(4);
    expect(c.item(5)).toEqual({ id: 'n1', title: 'New', genres: [], year: null });
    expect(c.popularity(6)).toBe(0);
    expect(c.addItems([{ id: 'n1', year: 1999 }, { id: '20' }, { id: 'n3' }])).toEqual([5, 2, 7]);
    expect(c.item(5)).toEqual({ id: 'n1', title: 'New', genres: [], year: 1999 });
    expect(c.item(2)).toEqual({ id: '20', title: 'B', genres: [], year: null });
    expect(c.popular(10)).toEqual([2, 1, 3, 4, 5, 6, 7]);
    expect(() => c.addItems([{ id: 'ok' }, { id: '' }])).toThrow(InvalidArgumentError);
    expect(c.indexOf('ok')).toBeUndefined(); // nothing added from a rejected call
    expect(() => c.addItems([{ id: 'x', year: 1.5 }])).toThrow(InvalidArgumentError);
  });

  it('reads the fixture catalog', () => {
    const c = Catalog.fromJSON(readJSON(join(FIXTURE, 'catalog.json')), 24);
    expect(c.indexOf('107')).toBe(7);
    // fixture popularity: decreasing with the index, items 3 and 4 tied
    expect(c.popular(5)).toEqual([1, 2, 3, 4, 5]);
  });
});

/** tests/fixtures/catalogs/<name>.{json,bin}: one catalogue in both formats (tests/fixtures/make_fixture.py). */
const CATS = join(FIXTURE, '..', 'catalogs');
const bin = (name: string): Uint8Array => new Uint8Array(readFileSync(join(CATS, `${name}.bin`)));
const jsonOf = (name: string) => readJSON(join(CATS, `${name}.json`)) as { ids: string[] };

/** Header of a binary catalogue: [offset, byteLength] of its 10 sections. */
function sections(b: Uint8Array): [number, number][] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Array.from(
    { length: 10 },
    (_, k) => [dv.getUint32(16 + 8 * k, true), dv.getUint32(20 + 8 * k, true)] as [number, number],
  );
}

describe('Catalog, binary catalog.bin', () => {
  for (const name of ['edge', 'numeric']) {
    it(`reads ${name}.bin exactly as its catalog.json twin`, () => {
      const j = jsonOf(name);
      const n = j.ids.length;
      const a = Catalog.fromBytes(bin(name), n);
      const b = Catalog.fromJSON(j, n);
      expect(a.size).toBe(n);
      expect([...a.items()]).toEqual([...b.items()]);
      for (let i = 1; i <= n; i++) expect(a.popularity(i)).toBe(b.popularity(i));
      for (const id of j.ids) expect(a.indexOf(id)).toBe(b.indexOf(id));
      expect(a.popular(n)).toEqual(b.popular(n));
      expect(a.fileData()).toEqual(j);
      // the JSON bytes go through the same entry point
      const viaBytes = Catalog.fromBytes(new TextEncoder().encode(JSON.stringify(j)), n);
      expect([...viaBytes.items()]).toEqual([...b.items()]);
    });
  }

  it('finds only exact ids (hash index: Unicode, lookalikes; dense index: canonical integers)', () => {
    const e = Catalog.fromBytes(bin('edge'), 8);
    expect(e.indexOf('東京-42')).toBe(3);
    expect(e.indexOf('🎵')).toBe(8);
    expect(e.indexOf('x'.repeat(300))).toBe(7);
    expect(e.indexOf('007')).toBe(4);
    for (const missing of ['7', 'sku-1 ', 'SKU-1', 'e\u0301', '', 'x'.repeat(299), '東京'])
      expect(e.indexOf(missing)).toBeUndefined();
    const d = Catalog.fromBytes(bin('numeric'), 6);
    expect(d.indexOf('12')).toBe(3);
    expect(d.indexOf('3')).toBe(6);
    for (const missing of ['012', '2', '0', '-1', '1e1', '12 ', '40.0', '999999999', '1234567890', ''])
      expect(d.indexOf(missing)).toBeUndefined();
    expect(d.has('40')).toBe(true);
  });

  it('adds items on top of a binary catalogue and updates its items without touching the file', () => {
    const bytes = bin('numeric');
    const before = bytes.slice();
    const c = Catalog.fromBytes(bytes, 6);
    expect(c.addItems([{ id: 'new', title: 'N' }, { id: '12', title: 'Twelve', year: null }, { id: '13' }])).toEqual([
      7, 3, 8,
    ]);
    expect(c.item(3)).toEqual({ id: '12', title: 'Twelve', genres: [], year: null });
    expect(c.item(7)).toEqual({ id: 'new', title: 'N', genres: [], year: null });
    expect(c.indexOf('13')).toBe(8);
    expect(c.popularity(8)).toBe(0);
    expect(c.fileData().titles[2]).toBe('twelve'); // the file's own data
    expect(bytes).toEqual(before);
  });

  it('reads a view that is not 4-byte aligned', () => {
    const b = bin('edge');
    const shifted = new Uint8Array(b.length + 1);
    shifted.set(b, 1);
    expect([...Catalog.fromBytes(shifted.subarray(1), 8).items()]).toEqual([...Catalog.fromBytes(b, 8).items()]);
  });

  it('refuses a malformed binary catalogue with ModelFormatError', () => {
    const bad = (
      name: string,
      mut: (b: Uint8Array, dv: DataView, s: [number, number][]) => void,
      re: RegExp,
      n?: number,
    ) => {
      const b = bin(name);
      mut(b, new DataView(b.buffer, b.byteOffset, b.byteLength), sections(b));
      const count = n ?? jsonOf(name).ids.length;
      expect(() => Catalog.fromBytes(b, count)).toThrow(ModelFormatError);
      expect(() => Catalog.fromBytes(b, count)).toThrow(re);
    };
    bad('edge', () => undefined, /has 8 items, the manifest's itemCount is 9/, 9);
    bad('edge', (_b, dv) => dv.setUint32(4, 2, true), /version 2 is not supported/);
    bad('edge', (_b, dv, s) => dv.setUint32(16 + 8 * 9, s[9]![0] + 2, true), /popularity .* misaligned or outside/);
    bad('edge', (_b, dv, s) => dv.setUint32(20 + 8 * 9, s[9]![1] + 4096, true), /outside the file/);
    bad('edge', (b, _dv, s) => (b[s[0]![0]] = b[s[0]![0]]! + 1), /ids: the lengths add up to/); // first id one byte longer
    bad('edge', (b, _dv, s) => (b[s[1]![0] + 4] = 0xff), /ids is not valid UTF-8/); // inside "sku-1"
    // "é" one byte longer and "東京-42" one shorter: ids[2] starts inside "東"
    bad(
      'edge',
      (b, _dv, s) => {
        b[s[0]![0] + 2] = 3; // len("é") 2 → 3
        b[s[0]![0] + 4] = b[s[0]![0] + 4]! - 1; // len("東京-42") 9 → 8
      },
      /ids\[2\] starts inside a character/,
    );
    bad('numeric', (b, _dv, s) => (b[s[1]![0] + 1] = '5'.charCodeAt(0)), /ids\[1\] is a duplicate of ids\[0\]/); // "1" → "5"
    // "a b" (ids[4], after "sku-1", "é", "東京-42", "007": 5 + 2 + 9 + 3 bytes) → "007"
    bad(
      'edge',
      (b, _dv, s) => b.set(new TextEncoder().encode('007'), s[1]![0] + 19),
      /ids\[4\] is a duplicate of ids\[3\]/,
    );
    bad('edge', (_b, dv, s) => dv.setUint16(s[7]![0], 999, true), /item genre entry 0 is 999/);
    bad('edge', (_b, dv, s) => dv.setFloat32(s[9]![0] + 4, -1, true), /popularity\[1\]/);
    bad('edge', (_b, dv, s) => dv.setFloat32(s[9]![0] + 8, NaN, true), /popularity\[2\]/);
    bad(
      'edge',
      (_b, dv, s) => dv.setUint16(s[0]![0] + 2, 0, true),
      /ids: the lengths add up to|ids\[1\] must be a non-empty string/,
    );
    expect(() => Catalog.fromBytes(bin('edge').subarray(0, 40), 8)).toThrow(ModelFormatError);
    expect(() => Catalog.fromBytes(new TextEncoder().encode('{"ids": ['), 8)).toThrow(
      /neither JSON nor a binary catalogue/,
    );
  });

  it('the tiny fixture model has a binary twin of its catalogue', () => {
    const j = readJSON(join(FIXTURE, 'catalog.json'));
    expect(Catalog.fromBytes(new Uint8Array(readFileSync(join(FIXTURE, 'catalog.bin'))), 24).fileData()).toEqual(j);
  });
});
