/**
 * The engine's operations: the one source of the Worker protocol.
 *
 * Every place that speaks to an engine is derived from {@link EngineOperations} and the table
 * {@link OPERATIONS}: the Worker client (worker-client.ts), the Worker's handler (protocol.ts), the
 * engine that is still starting (starting.ts) and the one that falls back from the Worker to the
 * page (fallback.ts). Adding an operation is one member here, one table entry, and its
 * implementation in {@link LocalEngine} (personal.ts).
 */
import type { AdapterOptions, AdapterState } from '../core/adapter';
import type { Backend } from '../types';
import type { EngineInit, EngineInitResult, RunResult } from './inference';
import type { LearnRequest, LearnResponse, PersonalRunResult } from './personal';

/**
 * Requests of the debug channel: fault injection and the adapter's internals, used by the test
 * harnesses and benchmarks through `src/engine/debug.ts`. No production path sends them.
 */
export type DebugRequest =
  /** make the next WebGPU run fail as a lost device would ('throw'), or destroy the device */
  | { kind: 'gpu-failure'; mode: 'throw' | 'destroy-device' }
  /** the adapter's update timings and inputs; `clear` empties the timings */
  | { kind: 'adapter'; clear: boolean };

export interface EngineOperations {
  init(init: EngineInit): Promise<EngineInitResult>;
  /**
   * history: right-aligned int64 [batch, length]. `withScores` false (default true) skips the
   * graph's catalogue scores where the model allows it (manifest `inputs.withScores`): `scores`
   * is then empty and `user` is scored by the caller.
   */
  run(history: BigInt64Array, batch: number, length: number, withScores?: boolean): Promise<RunResult>;
  /** features: int64 [batch, maxFeatures] → tokens float32 [batch, dim] */
  encode(features: BigInt64Array, batch: number): Promise<Float32Array>;
  /** Sets the working adapter (null: none, runs are the shipped model's) and its options. */
  adapterSet(state: AdapterState | null, options?: AdapterOptions): Promise<void>;
  /** Runs one history (batch 1, right-aligned int64 [1, length]) and applies the adapter. */
  runPersonal(history: BigInt64Array, length: number): Promise<PersonalRunResult>;
  /** One on-device update (the steps after one interaction). Rejects when no adapter is set. */
  adapterLearn(example: LearnRequest, now: number): Promise<LearnResponse>;
  /** The debug channel (see {@link DebugRequest}). */
  debug(request: DebugRequest): Promise<unknown>;
  close(): Promise<void>;
}

/** An engine: the operations and the backend that answers now. */
export interface Engine extends EngineOperations {
  readonly backend: Backend;
}

export type OpName = keyof EngineOperations;
export type OpArgs<K extends OpName> = Parameters<EngineOperations[K]>;
export type OpResult<K extends OpName> = Awaited<ReturnType<EngineOperations[K]>>;

interface OpSpec<K extends OpName> {
  /** waits for the engine's start-up when the engine is still starting (everything but init and close) */
  readonly afterStart: boolean;
  /** buffers the caller hands over with the request (transferred, not copied) */
  readonly sends?: (...args: OpArgs<K>) => (ArrayBufferView | undefined)[];
  /** buffers the Worker hands back with the answer */
  readonly returns?: (result: OpResult<K>) => (ArrayBufferView | undefined)[];
}

export const OPERATIONS: { readonly [K in OpName]: OpSpec<K> } = {
  // the page keeps its own items.bin: it sends a copy
  init: { afterStart: false, sends: (init) => [init.model, init.items, init.encoder] },
  run: { afterStart: true, returns: (r) => [r.scores, r.user, r.gate] },
  encode: { afterStart: true, returns: (r) => [r] },
  adapterSet: { afterStart: true },
  runPersonal: { afterStart: true, returns: (r) => [r.scores, r.user, r.gate, r.personal?.user, r.personal?.gate] },
  adapterLearn: { afterStart: true },
  debug: { afterStart: true },
  close: { afterStart: false },
};

export const OPERATION_NAMES = Object.keys(OPERATIONS) as OpName[];

/** Sends one operation somewhere (a Worker, an inner engine) and answers with its result. */
export type Dispatch = <K extends OpName>(op: K, args: OpArgs<K>) => Promise<OpResult<K>>;

/** An engine whose every operation goes through `dispatch`; `backend` reads the current backend. */
export function engineOver(dispatch: Dispatch, backend: () => Backend): Engine {
  const engine = {} as Record<OpName, (...args: unknown[]) => Promise<unknown>>;
  for (const op of OPERATION_NAMES) engine[op] = (...args) => dispatch(op, args as never);
  Object.defineProperty(engine, 'backend', { get: backend, enumerable: true });
  return engine as unknown as Engine;
}

/** Buffers to transfer (not copy) with a message: each distinct ArrayBuffer once. */
export function transferables(arrays: (ArrayBufferView | undefined)[]): Transferable[] {
  const out: Transferable[] = [];
  for (const a of arrays) {
    if (a && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  }
  return out;
}

/** Whether an object offers every operation (an in-realm engine with the adapter in front). */
export function isEngine(e: object): e is Engine {
  return OPERATION_NAMES.every((op) => typeof (e as Record<string, unknown>)[op] === 'function');
}
