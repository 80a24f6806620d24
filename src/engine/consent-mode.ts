/**
 * Google's Consent Mode, read from the page's `dataLayer` without extra code from the shop: the
 * `personalization_storage` choice of the last `gtag('consent', 'default' | 'update', {...})`.
 * Only read, never written: localrec adds nothing to the dataLayer for consent.
 */
import type { ConsentState } from './consent';

/** The state the dataLayer's consent commands leave `personalization_storage` in; undefined when none says. */
export function personalizationConsent(
  dataLayer: ArrayLike<unknown>,
  from = 0,
  current?: ConsentState,
): ConsentState | undefined {
  let state = current;
  for (let i = from; i < dataLayer.length; i++) {
    const entry = dataLayer[i] as ArrayLike<unknown> | null | undefined;
    // gtag() pushes its `arguments`: ['consent', 'default' | 'update', { personalization_storage, ... }]
    if (!entry || typeof entry !== 'object' || entry[0] !== 'consent') continue;
    const params = entry[2] as { personalization_storage?: unknown } | undefined;
    const v = params?.personalization_storage;
    if (v === 'granted') state = 'granted';
    else if (v === 'denied') state = 'denied';
  }
  return state;
}

/** How often the dataLayer is read for new consent commands (ms). */
const POLL_MS = 500;

/**
 * Calls `onChange` whenever the dataLayer's `personalization_storage` changes. Reads only the
 * entries added since the last read; returns a function that stops watching.
 */
export function watchConsentMode(
  layer: () => ArrayLike<unknown> | undefined,
  initial: ConsentState | undefined,
  onChange: (state: ConsentState) => void,
): () => void {
  let seen = layer()?.length ?? 0;
  let state = initial;
  const timer = setInterval(() => {
    const dl = layer();
    if (!dl || dl.length === seen) return;
    const next = personalizationConsent(dl, seen, state);
    seen = dl.length;
    if (next !== undefined && next !== state) {
      state = next;
      onChange(next);
    }
  }, POLL_MS);
  return () => clearInterval(timer);
}

/** The page's dataLayer, if any. */
export function pageDataLayer(): ArrayLike<unknown> | undefined {
  const dl = (globalThis as { dataLayer?: unknown }).dataLayer;
  return Array.isArray(dl) ? dl : undefined;
}
