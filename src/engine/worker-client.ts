/** The page side of the inference worker: the InferenceEngine and AdapterHost interfaces over postMessage. */
import type { AdapterOptions, AdapterState } from '../core/adapter';
import { BackendError, ClosedError } from '../core/errors';
import type { Backend } from '../types';
import type { EngineInit, EngineInitResult, RunResult } from './inference';
import type { AdapterDebug, LearnRequest, LearnResponse, PersonalEngine, PersonalRunResult } from './personal';
import {
  deserializeError,
  transferables,
  type WorkerOp,
  type WorkerRequest,
  type WorkerResponse,
  type WorkerResults,
} from './protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class WorkerEngine implements PersonalEngine {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private current: Backend = 'wasm';
  private closed = false;

  constructor(worker?: Worker) {
    this.worker = worker ?? new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'localrec-inference' });
    this.worker.onmessage = (ev: MessageEvent<WorkerResponse>) => {
      const msg = ev.data;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(deserializeError(msg.error));
    };
    this.worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      const err = new BackendError(`the inference worker failed: ${ev.message || 'script error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  get backend(): Backend {
    return this.current;
  }

  private call<K extends WorkerOp>(
    req: DistributiveOmit<Extract<WorkerRequest, { op: K }>, 'id'>,
    transfer: Transferable[] = [],
  ): Promise<WorkerResults[K]> {
    if (this.closed) return Promise.reject(new ClosedError());
    const id = this.nextId++;
    return new Promise<WorkerResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id } as WorkerRequest, transfer);
    });
  }

  async init(init: EngineInit): Promise<EngineInitResult> {
    // model bytes are transferred (the page keeps items.bin: it sends a copy)
    const res = await this.call<'init'>({ op: 'init', init }, transferables(init.model, init.items, init.encoder));
    this.current = res.backend;
    return res;
  }

  async run(history: BigInt64Array, batch: number, length: number, withScores = true): Promise<RunResult> {
    const res = await this.call<'run'>({ op: 'run', history, batch, length, withScores });
    this.current = res.backend;
    return res;
  }

  encode(features: BigInt64Array, batch: number): Promise<Float32Array> {
    return this.call<'encode'>({ op: 'encode', features, batch });
  }

  simulateGpuFailure(mode: 'throw' | 'destroy-device'): Promise<string> {
    return this.call<'simulateGpuFailure'>({ op: 'simulateGpuFailure', mode });
  }

  async adapterSet(state: AdapterState | null, options?: AdapterOptions): Promise<void> {
    await this.call<'adapterSet'>({ op: 'adapterSet', state, ...(options ? { options } : {}) });
  }

  async runPersonal(history: BigInt64Array, length: number): Promise<PersonalRunResult> {
    const res = await this.call<'runPersonal'>({ op: 'runPersonal', history, length });
    this.current = res.backend;
    return res;
  }

  adapterLearn(example: LearnRequest, now: number): Promise<LearnResponse> {
    return this.call<'adapterLearn'>({ op: 'adapterLearn', example, now });
  }

  adapterDebug(clear: boolean): Promise<AdapterDebug> {
    return this.call<'adapterDebug'>({ op: 'adapterDebug', clear });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await Promise.race([this.call<'close'>({ op: 'close' }), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      // closing anyway
    }
    this.closed = true;
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new ClosedError());
    this.pending.clear();
  }
}
