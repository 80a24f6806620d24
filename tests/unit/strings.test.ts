import { describe, expect, it } from 'vitest';
import { fill, reasonText, stringsFor } from '../../src/widget/strings';

const titles: Record<string, string> = { '5': 'Item 5 (1995)', '50': 'Star Wars (1977)' };
const title = (id: string): string | undefined => titles[id];

describe('widget strings', () => {
  it('turns each kind of reason into text, per event type', () => {
    const en = stringsFor('en');
    expect(reasonText({ kind: 'history', itemId: '5', eventType: 'view' }, en, title)).toBe(
      'Because you viewed Item 5 (1995)',
    );
    expect(reasonText({ kind: 'history', itemId: '50', eventType: 'add_to_cart' }, en, title)).toBe(
      'Goes with Star Wars (1977) in your cart',
    );
    expect(reasonText({ kind: 'history', itemId: '50', eventType: 'purchase' }, en, title)).toBe(
      'Because you bought Star Wars (1977)',
    );
    expect(reasonText({ kind: 'similar', itemId: '50' }, en, title)).toBe('Similar to Star Wars (1977)');
    expect(reasonText({ kind: 'popular' }, en, title)).toBe('Popular');
    // an item the page cannot name shows no reason rather than a raw id sentence
    expect(reasonText({ kind: 'similar', itemId: 'gone' }, en, title)).toBe('');
    expect(reasonText(undefined, en, title)).toBe('');
  });

  it('picks the language by tag and applies the page’s replacements', () => {
    expect(stringsFor('de-CH').headings.home).toBe('Als Nächstes für Sie');
    expect(stringsFor('fr').headings.home).toBe('Next for you');
    expect(stringsFor(undefined).badge).toBe('Private · on this device');
    const s = stringsFor('en', { headings: { home: 'For you' }, because: { view: 'You saw {title}' } });
    expect(s.headings.home).toBe('For you');
    expect(s.headings.cart).toBe('Goes well with your cart');
    expect(reasonText({ kind: 'history', itemId: '5', eventType: 'view' }, s, title)).toBe('You saw Item 5 (1995)');
    expect(fill('{a} and {b} and {c}', { a: 1, b: 'x' })).toBe('1 and x and {c}');
  });
});
