import { describe, expect, it } from 'vitest';
import { displayTitle, initials, metaLine, poster } from './format';

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
