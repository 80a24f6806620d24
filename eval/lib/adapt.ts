import {
  applyAdapter,
  createAdapter,
  learn,
  type AdapterOptions,
  type AdapterState,
  type TokenSource,
} from '../../src/core/adapter';
import { historyTensorData } from '../../src/core/history';
import type { LoadedModel } from './evaluate';
import { modelFeeds } from './feeds';

/** The model's user representation and gate for each (non-empty) history, flat [n, dim] / [n, K]. */
async function userVectors(
  m: LoadedModel,
  histories: number[][],
  batch = 512,
): Promise<{ user: Float32Array; gate: Float32Array }> {
  const { dim, experts } = m.manifest;
  const user = new Float32Array(histories.length * dim);
  const gate = new Float32Array(histories.length * experts);
  const uName = m.manifest.outputs.user.name;
  const gName = m.manifest.outputs.gate.name;
  for (let s = 0; s < histories.length; s += batch) {
    const part = histories.slice(s, s + batch);
    const { data, dims } = historyTensorData(part, m.manifest.maxHistory);
    const out = await m.session.run(modelFeeds(m.manifest, data, dims, false), [uName, gName]);
    const u = out[uName],
      g = out[gName];
    if (!u || !g || u.dims[0] !== part.length || u.dims[1] !== dim || g.dims[1] !== experts) {
      throw new Error(
        `model outputs ${uName}/${gName} have shapes [${u?.dims.join(', ')}]/[${g?.dims.join(', ')}], expected [${part.length}, ${dim}]/[${part.length}, ${experts}]`,
      );
    }
    user.set(u.data as Float32Array, s * dim);
    gate.set(g.data as Float32Array, s * experts);
  }
  return { user, gate };
}

/** The model's vectors of every prefix of one sequence: row i is the prefix of length i + 1. */
export interface PrefixVectors {
  user: Float32Array;
  gate: Float32Array;
}

/**
 * The model's (user, gate) for the prefixes of length 1..counts[k] of each sequence k, computed
 * in batched runs; the result gives sequence k's as flat [counts[k], dim] / [counts[k], K] views.
 */
export async function prefixVectors(
  m: LoadedModel,
  seqs: number[][],
  counts: number[],
): Promise<(k: number) => PrefixVectors> {
  const all: number[][] = [];
  const offsets: number[] = [];
  seqs.forEach((seq, k) => {
    offsets.push(all.length);
    for (let i = 1; i <= counts[k]!; i++) all.push(seq.slice(0, i));
  });
  const { user, gate } = await userVectors(m, all);
  const { dim, experts } = m.manifest;
  return (k) => {
    const o = offsets[k]!,
      n = counts[k]!;
    return { user: user.subarray(o * dim, (o + n) * dim), gate: gate.subarray(o * experts, (o + n) * experts) };
  };
}

/**
 * A visitor replay over precomputed prefix vectors: `vec(i)` is the model's (user, gate) for the
 * prefix of length i+1. `learnFrom(i, target)` learns from "after prefix i+1 came target".
 */
export class Replay {
  readonly state: AdapterState;
  refused = 0;

  constructor(
    readonly table: TokenSource,
    readonly dim: number,
    readonly experts: number,
    readonly vectors: PrefixVectors,
    readonly options: AdapterOptions = {},
    modelVersion = 'replay',
  ) {
    this.state = createAdapter(modelVersion, dim, experts, options);
  }

  vec(i: number): { user: Float32Array; gate: Float32Array } {
    const { user, gate } = this.vectors;
    return {
      user: user.subarray(i * this.dim, (i + 1) * this.dim),
      gate: gate.subarray(i * this.experts, (i + 1) * this.experts),
    };
  }

  /** Scores over the table for prefix i: shipped (adapted = false) or personalised. */
  scores(i: number, adapted: boolean, out?: Float32Array): Float32Array {
    const v = this.vec(i);
    const u = adapted ? applyAdapter(this.state, v.user, v.gate).user : v.user;
    return this.table.scoreAll(u, out);
  }

  learnFrom(i: number, target: number): void {
    const v = this.vec(i);
    const r = learn(this.state, this.table, { user: v.user, gate: v.gate, target }, this.options);
    if (!r.accepted) this.refused++;
  }
}
