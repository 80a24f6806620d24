import { describe, expect, it } from 'vitest';
import {
  availabilityKey,
  cardHref,
  displayTitle,
  formatPrice,
  imageUrl,
  initials,
  metaLine,
  poster,
  productFields,
} from './format';

describe('displayTitle', () => {
  it('drops the year and moves a trailing article to the front', () => {
    expect(displayTitle('Toy Story (1995)')).toBe('Toy Story');
    expect(displayTitle('Usual Suspects, The (1995)')).toBe('The Usual Suspects');
    expect(displayTitle('Empire Strikes Back, The (1980)')).toBe('The Empire Strikes Back');
    expect(displayTitle("Enfer, L' (1994)")).toBe("L'Enfer");
  });
  it('keeps titles it does not understand', () => {
    expect(displayTitle('Seven (Se7en) (1995)')).toBe('Seven (Se7en)');
    expect(displayTitle('unknown')).toBe('unknown');
    expect(displayTitle('(1995)')).toBe('(1995)');
  });
});

describe('metaLine', () => {
  it('joins year and up to two genres', () => {
    expect(metaLine(1977, ['Action', 'Adventure', 'Sci-Fi'])).toBe('1977 · Action, Adventure');
    expect(metaLine(null, ['Drama'])).toBe('Drama');
    expect(metaLine(1995, [])).toBe('1995');
    expect(metaLine(null, ['unknown'])).toBe('');
  });
});

describe('poster', () => {
  it('is deterministic per item and differs between items', () => {
    expect(poster('49', 'Star Wars (1977)')).toEqual(poster('49', 'Star Wars (1977)'));
    expect(poster('49', 'Star Wars (1977)').background).not.toBe(poster('50', 'Star Wars (1977)').background);
  });
  it('uses the initials of significant words', () => {
    expect(initials('Star Wars (1977)')).toBe('SW');
    expect(initials('Lord of the Rings, The (1978)')).toBe('LR');
    expect(initials('Fargo (1996)')).toBe('F');
    expect(initials('8 1/2 (1963)')).toBe('81');
  });
});

describe('cardHref', () => {
  const page = 'https://shop.example/de/product/1?x=1';
  it('resolves http(s) templates against the page, with the id URL-encoded', () => {
    expect(cardHref('/p/{id}', 'a b/c', page)).toBe('https://shop.example/p/a%20b%2Fc');
    expect(cardHref('#/movie/{id}', '50', page)).toBe('https://shop.example/de/product/1?x=1#/movie/50');
    expect(cardHref('item-{id}.html', '7', page)).toBe('https://shop.example/de/product/item-7.html');
    expect(cardHref('https://other.example/{id}', '7', page)).toBe('https://other.example/7');
  });
  it('refuses every other scheme: the card stays a button', () => {
    expect(cardHref('javascript:alert({id})', '1', page)).toBeNull();
    expect(cardHref(' JavaScript:alert(1)//{id}', '1', page)).toBeNull();
    expect(cardHref('java\tscript:alert(1)', '1', page)).toBeNull();
    expect(cardHref('data:text/html,<script>alert(1)</script>{id}', '1', page)).toBeNull();
    expect(cardHref('vbscript:x{id}', '1', page)).toBeNull();
    expect(cardHref('http://[bad', '1', page)).toBeNull();
  });
});

describe('imageUrl', () => {
  const page = 'https://shop.example/p/1';
  it('keeps http(s) images, resolved against the page', () => {
    expect(imageUrl('/img/1.jpg', page, 'any')).toBe('https://shop.example/img/1.jpg');
    expect(imageUrl('https://cdn.example/1.jpg', page, 'any')).toBe('https://cdn.example/1.jpg');
  });
  it("refuses other origins under 'same-origin', every image under 'none', and non-http schemes always", () => {
    expect(imageUrl('https://cdn.example/1.jpg', page, 'same-origin')).toBeNull();
    expect(imageUrl('/img/1.jpg', page, 'same-origin')).toBe('https://shop.example/img/1.jpg');
    expect(imageUrl('/img/1.jpg', page, 'none')).toBeNull();
    expect(imageUrl('javascript:alert(1)', page, 'any')).toBeNull();
    expect(imageUrl(undefined, page, 'any')).toBeNull();
  });
});

describe('formatPrice', () => {
  it("formats in the page's locale and currency", () => {
    expect(formatPrice(19.99, 'EUR', 'de-DE')).toBe('19,99\u00a0€');
    expect(formatPrice(19.99, 'USD', 'en-US')).toBe('$19.99');
    expect(formatPrice(1200, 'JPY', 'ja-JP')).toMatch(/1,200/);
  });
  it('shows nothing without a price or currency, and never throws on a bad code', () => {
    expect(formatPrice(undefined, 'EUR', 'en')).toBe('');
    expect(formatPrice(5, undefined, 'en')).toBe('');
    expect(formatPrice(5, 'NOT-A-CODE', 'en')).toBe('5 NOT-A-CODE');
    expect(formatPrice(5, 'EUR', 'not a locale!')).toBe('5 EUR');
  });
});

describe('productFields', () => {
  it('reads the optional catalogue fields defensively, the shop’s own data over them', () => {
    const item = { id: '1', title: 'T', genres: [], year: null, image: '/a.jpg', price: '12', brand: ' ', url: 7 };
    expect(productFields(item)).toEqual({ image: '/a.jpg' });
    expect(productFields(item, { price: 12, currency: 'EUR', brand: 'Acme' })).toEqual({
      image: '/a.jpg',
      price: 12,
      currency: 'EUR',
      brand: 'Acme',
    });
    expect(productFields({ id: '2', price: Number.NaN })).toEqual({});
  });
  it('spells availability one way', () => {
    expect(availabilityKey('https://schema.org/InStock')).toBe('in_stock');
    expect(availabilityKey('OutOfStock')).toBe('out_of_stock');
    expect(availabilityKey('preorder')).toBe('preorder');
    expect(availabilityKey(undefined)).toBeUndefined();
  });
});
