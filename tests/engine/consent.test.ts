/** Consent (required, granted, revoked, Google Consent Mode) and retention, in the engine. */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors';
import { IdbStore, type HistoryStore } from '../../src/engine/store';
import { tinyRecommender } from './helpers';

const id = (j: number): string => String(100 + j);

/** Opens a fake-indexeddb store only when called, and counts the calls. */
function lazyDevice(factory = new IDBFactory()) {
  const calls: number[] = [];
  return {
    factory,
    calls,
    open: async (): Promise<HistoryStore> => {
      calls.push(Date.now());
      return IdbStore.open({ indexedDB: factory });
    },
  };
}

async function databases(factory: IDBFactory): Promise<string[]> {
  return (await factory.databases()).map((d) => d.name ?? '');
}

/** gtag()'s way of pushing: its `arguments` object. */
function gtag(...args: unknown[]): void {
  const g = globalThis as { dataLayer?: unknown[] };
  g.dataLayer ??= [];
  (function push(..._a: unknown[]) {
    // biome-ignore lint/complexity/noArguments: gtag pushes its arguments object, and so does this stand-in
    g.dataLayer!.push(arguments);
  })(...args);
}

afterEach(() => {
  delete (globalThis as { dataLayer?: unknown }).dataLayer;
  vi.useRealTimers();
});

describe('consent', () => {
  it("'required': nothing is opened on the device until granted; grant stores what the page gathered; revoke deletes it", async () => {
    const device = lazyDevice();
    const rec = await tinyRecommender({ consent: 'required' }, { store: device.open });
    expect(rec.consent).toBe('pending');
    for (let j = 1; j <= 20; j++) await rec.track({ type: 'view', itemId: id(1 + (j % 12)) });
    const before = await rec.recommend({ k: 3 });
    expect(before.source).toBe('model');
    expect(rec.storage.kind).toBe('memory');
    expect(device.calls).toEqual([]);
    expect(await databases(device.factory)).toEqual([]);

    await rec.grantConsent();
    expect(rec.consent).toBe('granted');
    expect(rec.storage.kind).toBe('indexeddb');
    expect(await databases(device.factory)).toEqual(['localrec']);
    const onDevice = await IdbStore.open({ indexedDB: device.factory });
    expect(await onDevice.count()).toBe(20);
    onDevice.close();
    // the answer is the same after the move: the same history
    expect((await rec.recommend({ k: 3 })).items.map((x) => x.id)).toEqual(before.items.map((x) => x.id));

    await rec.revokeConsent();
    expect(rec.consent).toBe('denied');
    expect(await databases(device.factory)).toEqual([]);
    expect(await rec.history()).toEqual([]);
    expect((await rec.recommend({ k: 3 })).source).toBe('popularity');
    expect((await rec.adapter()).updates).toBe(0);
    // after revoking, the page still works from memory and writes nothing
    await rec.track({ type: 'view', itemId: id(3) });
    expect(await databases(device.factory)).toEqual([]);
    const exported = await rec.exportData();
    expect(exported.consent).toBe('denied');
    expect(exported.retentionDays).toBe(90);
    rec.close();
  });

  it('a second visit with consent: what the page gathered before the grant is added after the stored history', async () => {
    const device = lazyDevice();
    const first = await tinyRecommender({}, { store: device.open });
    await first.track({ type: 'view', itemId: id(1) });
    await first.track({ type: 'view', itemId: id(2) });
    first.close();
    const second = await tinyRecommender({ consent: 'required' }, { store: device.open });
    await second.track({ type: 'view', itemId: id(3) });
    expect((await second.history()).map((e) => e.itemId)).toEqual([id(3)]);
    await second.grantConsent();
    expect((await second.history()).map((e) => e.itemId)).toEqual([id(1), id(2), id(3)]);
    second.close();
  });

  it("'consent-mode' follows personalization_storage in the page's dataLayer", async () => {
    gtag('consent', 'default', { ad_storage: 'denied', personalization_storage: 'denied' });
    const device = lazyDevice();
    const rec = await tinyRecommender({ consent: 'consent-mode' }, { store: device.open });
    expect(rec.consent).toBe('pending');
    await rec.track({ type: 'view', itemId: id(4) });
    expect(device.calls).toEqual([]);
    gtag('consent', 'update', { personalization_storage: 'granted' });
    await expect.poll(() => rec.consent, { timeout: 3000 }).toBe('granted');
    expect(await databases(device.factory)).toEqual(['localrec']);
    expect((await rec.history()).map((e) => e.itemId)).toEqual([id(4)]);
    gtag('consent', 'update', { personalization_storage: 'denied' });
    await expect.poll(() => rec.consent, { timeout: 3000 }).toBe('denied');
    await expect.poll(() => databases(device.factory), { timeout: 3000 }).toEqual([]);
    rec.close();
  });

  it('a visitor who granted through Consent Mode before is stored from the start', async () => {
    gtag('consent', 'default', { personalization_storage: 'granted' });
    const device = lazyDevice();
    const rec = await tinyRecommender({ consent: 'consent-mode' }, { store: device.open });
    expect(rec.consent).toBe('granted');
    expect(device.calls.length).toBe(1);
    rec.close();
  });

  it('refuses an unknown consent setting and a retention that is not a positive number', async () => {
    await expect(tinyRecommender({ consent: 'maybe' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(tinyRecommender({ retentionDays: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('retention', () => {
  it('drops events older than retentionDays at start, and the adapter learned before the cut-off follows', async () => {
    const DAY = 86_400_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date('2026-01-01T00:00:00Z').getTime();
    vi.setSystemTime(t0);
    const device = lazyDevice();
    const rec = await tinyRecommender({ retentionDays: 30 }, { store: device.open });
    for (const j of [1, 2, 3, 4]) await rec.track({ type: 'view', itemId: id(j) });
    await rec.recommend({ k: 3 });
    expect((await rec.adapter()).updates).toBeGreaterThan(0);
    rec.close();

    // 20 days later: all kept
    vi.setSystemTime(t0 + 20 * DAY);
    const again = await tinyRecommender({ retentionDays: 30 }, { store: device.open });
    expect((await again.history()).length).toBe(4);
    await again.track({ type: 'view', itemId: id(9) });
    expect((await again.adapter()).updatedAt).toBe(t0 + 20 * DAY);
    again.close();

    // 40 days after the first visit: the first four are gone, the later one stays; the adapter
    // learned on day 20 (the view of 9 extended the history) and is kept
    vi.setSystemTime(t0 + 40 * DAY);
    const later = await tinyRecommender({ retentionDays: 30 }, { store: device.open });
    expect((await later.history()).map((e) => e.itemId)).toEqual([id(9)]);
    const kept = await later.adapter();
    expect(kept.updates).toBeGreaterThan(0);
    expect(kept.updatedAt).toBe(t0 + 20 * DAY);
    later.close();

    // 60 days after: nothing is left, and the adapter learned from what is gone is fresh again
    vi.setSystemTime(t0 + 60 * DAY);
    const last = await tinyRecommender({ retentionDays: 30 }, { store: device.open });
    expect(await last.history()).toEqual([]);
    expect((await last.adapter()).updates).toBe(0);
    last.close();
  });
});
