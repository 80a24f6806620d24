/**
 * Listeners of history changes in this tab, and the BroadcastChannel that tells the visitor's
 * other tabs of the same origin. A change made here is announced to both; a change announced by
 * another tab reaches this tab's listeners after the recommender has caught up with it.
 */
import type { HistoryChange } from '../types';

export type Listener = (change: HistoryChange) => void;
export type ChangeKind = HistoryChange['kind'];

const KINDS: ReadonlySet<unknown> = new Set<ChangeKind>(['track', 'erase', 'paused', 'adapter', 'consent']);

export class TabSync {
  private readonly listeners = new Set<Listener>();

  /** `onRemote`: how the recommender catches up with another tab's change before listeners hear it. */
  constructor(
    private readonly channel: BroadcastChannel | null,
    onRemote: (kind: ChangeKind) => Promise<void>,
  ) {
    if (channel) {
      channel.onmessage = (ev: MessageEvent<{ kind?: unknown }>) => {
        const kind = ev.data?.kind;
        if (!KINDS.has(kind)) return;
        void onRemote(kind as ChangeKind).then(() => this.notifyRemote(kind as ChangeKind));
      };
    }
  }

  /** Whether other tabs are told of changes (else readers must check the store themselves). */
  get connected(): boolean {
    return this.channel !== null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Tells the other tabs only (a change this tab's listeners already heard of). */
  announce(kind: ChangeKind): void {
    try {
      this.channel?.postMessage({ kind });
    } catch (err) {
      // a closed channel: this tab is closing, the other tabs learn of the change on their next read
      if (!(err instanceof DOMException && err.name === 'InvalidStateError')) throw err;
    }
  }

  /** A change made in this tab: the other tabs and this tab's listeners. */
  emit(change: Omit<HistoryChange, 'remote'>): void {
    this.announce(change.kind);
    this.notify({ ...change, remote: false });
  }

  /** A change from outside this tab, once the recommender has caught up with it. */
  notifyRemote(kind: ChangeKind): void {
    this.notify({ kind, remote: true });
  }

  private notify(change: HistoryChange): void {
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch (err) {
        // a listener's own error is the page's: rethrown outside, so it shows in the console
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  close(): void {
    this.listeners.clear();
    this.channel?.close();
  }
}
