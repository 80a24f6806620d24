/**
 * Retention: the visitor's events older than `retentionDays` are deleted from the device, at start
 * and, while a page stays open, again at most once an hour as events are tracked. What was learned
 * from them follows: an adapter not updated since the cut-off is reset, and a stored model output
 * of a history that lost events is deleted.
 */
import type { Recommender } from './recommender';
import { INTERNALS } from './recommender';

/** How long events are kept by default, in days (documented in docs/privacy.md). */
export const DEFAULT_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;
const CHECK_EVERY_MS = 3_600_000;

/** Applies retention now (`force`) or when the last check is more than an hour old; returns the events deleted. */
export async function applyRetention(rec: Recommender, force = true): Promise<number> {
  const i = INTERNALS.get(rec);
  if (!i) return 0;
  const p = i.parts;
  const now = Date.now();
  if (!force && now - i.retentionCheckedAt < CHECK_EVERY_MS) return 0;
  i.retentionCheckedAt = now;
  if (!Number.isFinite(p.retentionDays)) return 0;
  const cutoff = now - p.retentionDays * DAY_MS;
  const gone = await p.store.pruneBefore(cutoff);
  if (gone > 0) {
    p.history.invalidate();
    p.runs.clear();
    await p.stored.forget();
  }
  const adapter = p.adapter;
  if (adapter && adapter.updatedAt > 0 && adapter.updatedAt < cutoff) await adapter.reset();
  return gone;
}
