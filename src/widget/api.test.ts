import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Recommender, StoredEvent, TrackEvent } from '../index';
import { UnknownItemError } from '../index';

/** A recommender that knows ids '1'..'9' and records what it is sent. */
function fakeRecommender(recorded: TrackEvent[]): Recommender {
  let id = 0;
  return {
    has: (itemId: string) => /^[1-9]$/.test(itemId),
    track: async (e: TrackEvent): Promise<StoredEvent> => {
      if (!/^[1-9]$/.test(e.itemId)) throw new UnknownItemError(e.itemId);
      recorded.push(e);
      return { id: ++id, type: e.type, itemId: e.itemId, value: e.value ?? null, time: e.time ?? 0 };
    },
  } as unknown as Recommender;
}

// api.ts keeps one recommender per page (module state): a fresh module per test
async function freshApi() {
  vi.resetModules();
  return import('./api');
}

describe('the page-level track()', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    vi.spyOn(console, 'warn').mockImplementation((m: string) => void warnings.push(m));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('records known ids and skips unknown ones with one warning, never rejecting', async () => {
    const api = await freshApi();
    const recorded: TrackEvent[] = [];
    api.configure({ recommender: fakeRecommender(recorded) });
    expect(await api.track({ type: 'view', itemId: '5' })).toMatchObject({ type: 'view', itemId: '5' });
    expect(await api.track({ type: 'view', itemId: 'sku-new' })).toBeNull();
    expect(recorded.map((e) => e.itemId)).toEqual(['5']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/unknown item id "sku-new" skipped/);
  });

  it('resolves null for malformed events instead of rejecting', async () => {
    const api = await freshApi();
    api.configure({ recommender: fakeRecommender([]) });
    const bad = [
      null,
      { type: 'look', itemId: '1' },
      { type: 'view' },
      { type: 'rate', itemId: '1' },
    ] as unknown as TrackEvent[];
    for (const e of bad) expect(await api.track(e)).toBeNull();
    expect(warnings).toHaveLength(4);
  });

  it('resolves null when the recommender cannot start', async () => {
    const api = await freshApi();
    api.configure({ recommender: Promise.reject(new Error('no model')) });
    expect(await api.track({ type: 'view', itemId: '1' })).toBeNull();
    expect(await api.track({ type: 'view', itemId: '2' })).toBeNull();
    expect(warnings.filter((w) => /unavailable/.test(w))).toHaveLength(1);
  });

  it('resolves null after TRACK_WAIT_MS on a slow model, and still records the events in order once it is ready', async () => {
    vi.useFakeTimers();
    const api = await freshApi();
    const recorded: TrackEvent[] = [];
    let ready!: (r: Recommender) => void;
    api.configure({ recommender: new Promise<Recommender>((r) => (ready = r)) });
    const first = api.track({ type: 'view', itemId: '1' });
    const second = api.track({ type: 'add_to_cart', itemId: '2' });
    await vi.advanceTimersByTimeAsync(api.TRACK_WAIT_MS);
    expect(await first).toBeNull();
    expect(await second).toBeNull();
    expect(recorded).toEqual([]);
    ready(fakeRecommender(recorded));
    await vi.advanceTimersByTimeAsync(0);
    expect(recorded.map((e) => [e.type, e.itemId])).toEqual([
      ['view', '1'],
      ['add_to_cart', '2'],
    ]);
    // each event keeps the time it was reported at
    expect(recorded.every((e) => typeof e.time === 'number')).toBe(true);
  });
});
