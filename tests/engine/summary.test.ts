/** The privacy panel's data (summary) and the on-device experiment arm. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors';
import { experimentArm } from '../../src/engine/summary';
import { MemoryStore } from '../../src/engine/store';
import { tinyRecommender } from './helpers';

const id = (j: number): string => String(100 + j);

describe('summary', () => {
  it('names what weighs most: strong and recent events first, with their categories', async () => {
    const rec = await tinyRecommender();
    const empty = await rec.summary();
    expect(empty).toMatchObject({ events: 0, oldest: null, topItems: [], topCategories: [], consent: 'granted' });
    await rec.track({ type: 'view', itemId: id(1), time: 1000 });
    await rec.track({ type: 'view', itemId: id(2), time: 2000 });
    await rec.track({ type: 'purchase', itemId: id(3), time: 3000 });
    const s = await rec.summary();
    expect(s.events).toBe(3);
    expect([s.oldest, s.newest]).toEqual([1000, 3000]);
    expect(s.topItems[0]!.itemId).toBe(id(3));
    expect(s.topItems.map((x) => x.itemId)).toEqual([id(3), id(2), id(1)]);
    expect(s.topItems.reduce((a, x) => a + x.weight, 0)).toBeCloseTo(1, 2);
    const genres = new Set([1, 2, 3].flatMap((j) => rec.item(id(j)).genres));
    expect(s.topCategories.every((c) => genres.has(c.name))).toBe(true);
    expect(s.topCategories[0]!.name).toBe(rec.item(id(3)).genres[0]);
    expect(s.retentionDays).toBe(90);
    rec.close();
  });
});

describe('experiments', () => {
  it('one arm per visitor and experiment, kept across visits, spread over the arms', async () => {
    const store = new MemoryStore('t');
    const a = await tinyRecommender({}, { store });
    const arm = await a.experimentArm('rows-v1', ['model', 'popularity']);
    a.close();
    const b = await tinyRecommender({}, { store });
    expect(await b.experimentArm('rows-v1', ['model', 'popularity'])).toBe(arm);
    await expect(b.experimentArm('', ['x'])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(b.experimentArm('x', [])).rejects.toBeInstanceOf(InvalidArgumentError);
    b.close();
    // over many visitors (seeds) the arms are about even
    const counts = { model: 0, popularity: 0 };
    for (let seed = 0; seed < 2000; seed++)
      counts[experimentArm(seed * 7919, 'rows-v1', ['model', 'popularity'] as const)]++;
    expect(counts.model).toBeGreaterThan(900);
    expect(counts.popularity).toBeGreaterThan(900);
  });

  it("strategy 'popular' answers with popularity whatever the history: the control arm", async () => {
    const rec = await tinyRecommender();
    const fresh = await rec.recommend({ k: 6 });
    await rec.track({ type: 'view', itemId: id(5) });
    const control = await rec.recommend({ k: 5, strategy: 'popular' });
    expect(control.source).toBe('popularity');
    expect(control.items.map((x) => x.id)).toEqual(
      fresh.items
        .map((x) => x.id)
        .filter((x) => x !== id(5))
        .slice(0, 5),
    );
    expect((await rec.recommend({ k: 5 })).source).toBe('model');
    await expect(rec.recommend({ strategy: 'best' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    rec.close();
  });
});
