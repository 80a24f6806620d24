/**
 * Reading evaluation rows in the format of ../shared/datasets/README.md and mapping their ids
 * to model indices through the catalog.
 */
import type { Catalog } from '../../src/core/catalog';

export type RawId = string | number;

export interface RawRow {
  /** 1-based line number in the file */
  line: number;
  history: RawId[];
  next: RawId;
  candidates: RawId[][] | null;
}

export interface MalformedLine {
  line: number;
  error: string;
}

function isId(v: unknown): v is RawId {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length > 0);
}

function idArray(v: unknown, what: string): RawId[] {
  if (!Array.isArray(v)) throw new Error(`${what} must be an array`);
  v.forEach((x, i) => {
    if (!isId(x)) throw new Error(`${what}[${i}] must be an id (number or non-empty string), got ${JSON.stringify(x)}`);
  });
  return v as RawId[];
}

/**
 * Parses one non-blank line. Val rows: {"history":[...],"next":id,"candidates"?:[[...],...]}.
 * With leaveLast, train rows {"user":..,"items":[...]}: the last item becomes `next`, the rest the
 * history (a user needs ≥ 2 items). Throws an Error with a readable message when malformed.
 */
export function parseRow(text: string, line: number, leaveLast: boolean): RawRow {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  const o = v as Record<string, unknown>;
  if (leaveLast) {
    const items = idArray(o.items, 'items');
    if (items.length < 2) throw new Error(`--leave-last needs at least 2 items, the row has ${items.length}`);
    return { line, history: items.slice(0, -1), next: items[items.length - 1]!, candidates: null };
  }
  if (o.history === undefined && o.items !== undefined)
    throw new Error('a train row ("items", no "history"/"next"): use --leave-last');
  const history = idArray(o.history, 'history');
  if (!isId(o.next)) throw new Error(`next must be an id, got ${JSON.stringify(o.next)}`);
  let candidates: RawId[][] | null = null;
  if (o.candidates !== undefined && o.candidates !== null) {
    const c = o.candidates;
    if (!Array.isArray(c) || c.length === 0) throw new Error('candidates must be a non-empty array of id arrays');
    candidates = c.map((set, i) => {
      const ids = idArray(set, `candidates[${i}]`);
      if (ids.length === 0) throw new Error(`candidates[${i}] is empty`);
      return ids;
    });
  }
  return { line, history, next: o.next as RawId, candidates };
}

/** A row with ids mapped to model indices. */
export interface MappedRow {
  line: number;
  /** known history items, oldest first (unknown ids skipped) */
  history: number[];
  /** model index of the true next item, or null when its id is not in the catalog */
  next: number | null;
  /** candidate sets as model indices; unknown candidate ids are dropped (counted) */
  candidates: number[][] | null;
  unknownHistory: number;
  unknownCandidates: number;
}

export function mapRow(row: RawRow, catalog: Catalog): MappedRow {
  let unknownHistory = 0;
  const history: number[] = [];
  for (const id of row.history) {
    const idx = catalog.indexOf(String(id));
    if (idx === undefined) unknownHistory++;
    else history.push(idx);
  }
  const next = catalog.indexOf(String(row.next)) ?? null;
  let unknownCandidates = 0;
  let candidates: number[][] | null = null;
  if (row.candidates) {
    candidates = row.candidates.map((set) => {
      const out: number[] = [];
      for (const id of set) {
        const idx = catalog.indexOf(String(id));
        if (idx === undefined) {
          if (String(id) !== String(row.next)) unknownCandidates++;
        } else out.push(idx);
      }
      return out;
    });
  }
  return { line: row.line, history, next, candidates, unknownHistory, unknownCandidates };
}
