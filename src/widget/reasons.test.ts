import { describe, expect, it } from 'vitest';
import { type ReasonItem, rowReasons, stringsFor } from './strings';

const items: Record<string, ReasonItem> = {
  '49': { title: 'Star Wars (1977)', genres: ['Action', 'Adventure', 'Sci-Fi'] },
  h1: { title: 'Heat (1995)', genres: ['Crime'], brand: 'Acme' },
};
const lookup = (id: string) => items[id];

describe('rowReasons', () => {
  it('varies the reasons of a row of items similar to one item', () => {
    const row = ['a', 'b', 'c', 'd'].map((id, i) => ({
      id,
      reason: { kind: 'similar' as const, itemId: '49' },
      genres: i % 2 ? ['Sci-Fi', 'Action'] : ['Adventure'],
    }));
    const texts = rowReasons(row, stringsFor('en'), lookup);
    expect(texts[0]).toBe('Similar to Star Wars (1977)');
    expect(new Set(texts).size).toBeGreaterThanOrEqual(3);
    expect(texts).toContain('Adventure, like Star Wars (1977)');
    expect(texts).toContain('Sci-Fi & Action, like Star Wars (1977)');
  });

  it('names the same brand, in the page’s language', () => {
    const row = [
      {
        id: 'x',
        reason: { kind: 'history' as const, itemId: 'h1', eventType: 'purchase' as const },
        genres: [],
        brand: 'Acme',
      },
      {
        id: 'y',
        reason: { kind: 'history' as const, itemId: 'h1', eventType: 'purchase' as const },
        genres: [],
        brand: 'Acme',
      },
    ];
    expect(rowReasons(row, stringsFor('de'), lookup)).toEqual(['Weil Sie Heat (1995) gekauft haben', 'Auch von Acme']);
  });

  it('varies a row of popular items by their genres', () => {
    const row = [
      { id: 'p1', reason: { kind: 'popular' as const }, genres: ['Drama'] },
      { id: 'p2', reason: { kind: 'popular' as const }, genres: ['Drama', 'Comedy'] },
      { id: 'p3', reason: { kind: 'popular' as const }, genres: ['unknown'] },
    ];
    expect(rowReasons(row, stringsFor('en'), lookup)).toEqual(['Popular', 'Popular in Drama', 'Popular']);
  });

  it('keeps unknown reasons as they are', () => {
    const row = [{ id: 'q', reason: { kind: 'similar' as const, itemId: 'gone' } }, { id: 'r' }];
    expect(rowReasons(row, stringsFor('en'), lookup)).toEqual(['', '']);
  });
});
