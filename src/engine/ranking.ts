/**
 * From the visitor's history to a ranked answer: the model's input (distinct consecutive model
 * items, the most recent `maxHistory`), the scores of the whole catalogue (the graph's, or the
 * item table's from the user representation, plus the items added in the page), the top k, and
 * for each recommended item the reason, as data (R2ec-style: the history item whose token is
 * closest to it). Text is the widget's job.
 */
import type { Catalog } from '../core/catalog';
import type { ItemTable } from '../core/item-table';
import type { ModelManifest } from '../core/manifest-types';
import { topK } from '../core/rank';
import type { EventType, Reason, RecommendedItem, StoredEvent } from '../types';

/** The model's view of the stored history: model indices, items seen, each item's last event type. */
export interface ModelInput {
  readonly seq: readonly number[];
  readonly seen: ReadonlySet<number>;
  readonly lastType: ReadonlyMap<number, EventType>;
}

type Top = { index: number; score: number }[];

export class Ranker {
  /** the catalogue's scores when the table (not the graph) scores it; reused across calls */
  private scoreBuf: Float32Array | null = null;
  private memo: {
    events: StoredEvent[];
    length: number;
    lastId: number | undefined;
    size: number;
    input: ModelInput;
  } | null = null;

  constructor(
    private readonly manifest: ModelManifest,
    private readonly catalog: Catalog,
    private readonly table: ItemTable,
  ) {}

  /**
   * The model's input for a history. The same history (same array, same newest event) over the
   * same catalogue gives the same input: kept from the previous call (callers only read it).
   */
  input(events: StoredEvent[]): ModelInput {
    const m = this.memo;
    const lastId = events[events.length - 1]?.id;
    const size = this.catalog.size;
    if (m && m.events === events && m.length === events.length && m.lastId === lastId && m.size === size)
      return m.input;
    const input = this.compute(events);
    this.memo = { events, length: events.length, lastId, size, input };
    return input;
  }

  private compute(events: StoredEvent[]): ModelInput {
    const seen = new Set<number>();
    const lastType = new Map<number, EventType>();
    const seq: number[] = [];
    for (const e of events) {
      const i = this.catalog.indexOf(e.itemId);
      if (i === undefined) continue; // an added item no longer known (its store was erased)
      seen.add(i);
      lastType.set(i, e.type);
      if (i > this.manifest.itemCount) continue; // no ID embedding in the graph
      if (seq[seq.length - 1] !== i) seq.push(i);
    }
    return { seq: seq.slice(-this.manifest.maxHistory), seen, lastType };
  }

  /** The most popular items (an empty history). */
  popular(k: number, exclude: ReadonlySet<number>, candidates: number[] | undefined): RecommendedItem[] {
    const size = this.catalog.size;
    const scores = new Float64Array(size + 1);
    for (let i = 1; i <= size; i++) scores[i] = this.catalog.popularity(i);
    return topK(scores, k, { from: 1, exclude, ...(candidates ? { allowed: candidates } : {}) }).map(
      ({ index, score }) => ({
        ...this.catalog.item(index),
        score,
        reason: { kind: 'popular' },
      }),
    );
  }

  /** The top k of a model answer: `graph` scores of the model's items (empty: score from `user`). */
  top(
    graph: Float32Array,
    user: Float32Array,
    k: number,
    exclude: ReadonlySet<number>,
    candidates: number[] | undefined,
  ): Top {
    const scores = this.scores(graph, user);
    return topK(scores, k, { from: 1, exclude, ...(candidates ? { allowed: candidates } : {}) });
  }

  /** Graph scores for model items, dot(user, token) for items added in the page. */
  private scores(graph: Float32Array, user: Float32Array): Float32Array {
    const size = this.catalog.size;
    if (graph.length === 0) {
      // no graph scores: the table scores every row, added items included, into a buffer reused
      // across calls (read synchronously by the caller)
      if (this.scoreBuf?.length !== this.table.rows) this.scoreBuf = new Float32Array(this.table.rows);
      const scores = this.table.scoreAll(user, this.scoreBuf);
      scores[0] = Number.NaN;
      return scores;
    }
    if (graph.length === size + 1) {
      // no items added in the page: the answer's own buffer is ranked as it is (no copy)
      graph[0] = Number.NaN;
      return graph;
    }
    const scores = new Float32Array(size + 1);
    scores.set(graph.subarray(0, Math.min(graph.length, size + 1)));
    scores[0] = Number.NaN;
    const base = this.manifest.itemCount;
    const d = this.manifest.dim;
    for (let i = base + 1; i <= size; i++) {
      const t = this.table.token(i);
      let acc = 0;
      for (let x = 0; x < d; x++) acc += t[x]! * user[x]!;
      scores[i] = acc;
    }
    return scores;
  }

  /**
   * Each recommended item with its reason: the history item whose token is most similar (cosine)
   * to it, and the visitor's last event on that item. The history's tokens are decoded once per answer.
   */
  withReasons(top: Top, history: number[], lastType: ReadonlyMap<number, EventType>): RecommendedItem[] {
    const because = history.length
      ? this.table.nearest(
          top.map((t) => t.index),
          history,
        )
      : [];
    return top.map(({ index, score }, r) => {
      const out: RecommendedItem = { ...this.catalog.item(index), score };
      const best = because[r]! >= 0 ? because[r]! : (history[history.length - 1] ?? -1);
      if (best > 0) {
        const reason: Reason = {
          kind: 'history',
          itemId: this.catalog.idAt(best),
          eventType: lastType.get(best) ?? 'view',
        };
        out.reason = reason;
      }
      return out;
    });
  }

  /** Items whose tokens are most similar (cosine) to the item at `index`. */
  similar(index: number, k: number, exclude: ReadonlySet<number>): RecommendedItem[] {
    const itemId = this.catalog.idAt(index);
    return this.table
      .similar(index, k, exclude)
      .map(({ index: i, score }) => ({ ...this.catalog.item(i), score, reason: { kind: 'similar', itemId } }));
  }
}
