import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/core/catalog';
import { ModelFormatError } from '../../src/core/errors';

// catalog.json as `localrec train` writes it for a shop: the four research columns plus shop columns
const shop = () => ({
  ids: ['p1', 'p2', 'p3'],
  titles: ['Phone', 'Case', 'Coffee'],
  genres: [['Phones'], ['Phone cases'], []],
  years: [null, null, null],
  popularity: [3, 2, 0],
  images: ['phone.jpg', null, 'coffee.jpg'],
  prices: [499.5, 19, null],
  currencies: ['EUR', 'EUR', null],
  urls: ['/p/1', '/p/2', '/p/3'],
  brands: ['Acme', null, 'Borealis'],
  availability: ['in_stock', 'out_of_stock', null],
});

describe('Catalog shop fields', () => {
  it('exposes image, price, currency, url, brand and availability on the item, leaving out nulls', () => {
    const c = Catalog.fromJSON(shop(), 3);
    expect(c.item(1)).toEqual({
      id: 'p1',
      title: 'Phone',
      genres: ['Phones'],
      year: null,
      image: 'phone.jpg',
      price: 499.5,
      currency: 'EUR',
      url: '/p/1',
      brand: 'Acme',
      availability: 'in_stock',
    });
    const second = c.item(2);
    expect(second.price).toBe(19);
    expect('image' in second).toBe(false);
    expect('brand' in second).toBe(false);
    expect(c.item(3)).toEqual({
      id: 'p3',
      title: 'Coffee',
      genres: [],
      year: null,
      image: 'coffee.jpg',
      url: '/p/3',
      brand: 'Borealis',
    });
  });

  it('keeps the fields through fileData() and for updated items', () => {
    const c = Catalog.fromJSON(shop(), 3);
    expect(c.fileData().prices).toEqual([499.5, 19, null]);
    c.addItems([{ id: 'p1', title: 'Phone 2' }]);
    expect(c.item(1).title).toBe('Phone 2');
    expect(c.item(1).price).toBe(499.5);
    const [added] = c.addItems([{ id: 'new', title: 'New' }]);
    expect(c.item(added!)).toEqual({ id: 'new', title: 'New', genres: [], year: null });
  });

  it('a catalogue without shop columns gives items without them', () => {
    const j: Record<string, unknown> = shop();
    for (const k of ['images', 'prices', 'currencies', 'urls', 'brands', 'availability']) delete j[k];
    expect(Object.keys(Catalog.fromJSON(j, 3).item(1)).sort()).toEqual(['genres', 'id', 'title', 'year']);
  });

  it('refuses shop columns of the wrong length or type', () => {
    const bad = (key: string, value: unknown, re: RegExp) => {
      const j: Record<string, unknown> = { ...shop(), [key]: value };
      expect(() => Catalog.fromJSON(j, 3)).toThrow(ModelFormatError);
      expect(() => Catalog.fromJSON(j, 3)).toThrow(re);
    };
    bad('prices', [1, 2], /prices has 2 entries/);
    bad('prices', [1, '2', null], /prices\[1\] must be a number or null/);
    bad('prices', [1, Number.NaN, null], /prices\[1\]/);
    bad('images', ['a', 3, null], /images\[1\] must be a string or null/);
    bad('availability', 'in_stock', /availability must be an array/);
  });
});
