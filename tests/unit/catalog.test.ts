import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Catalog } from '../../src/core/catalog';
import { InvalidArgumentError, ModelFormatError } from '../../src/core/errors';
import { FIXTURE, readJSON } from './helpers';

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
    expect([...c.items()].map(([i, it]) => [i, it.id])).toEqual([[1, '10'], [2, '20'], [3, '30'], [4, '40']]);
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
    bad(() => {}, 5, /ids has 4 entries, the manifest's itemCount is 5/);
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
    expect(c.addItems([{ id: 'n1', title: 'New' }, { id: 'n2', genres: ['g'], year: 2020 }])).toEqual([5, 6]);
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
