/** The page side of the inference Worker: every operation of the table (operations.ts) over postMessage. */
import { BackendError, ClosedError } from '../core/errors';
import { settled } from '../core/settle';
import type { Backend } from '../types';
import {
  type Engine,
  engineOver,
  OPERATIONS,
  type OpArgs,
  type OpName,
  type OpResult,
  transferables,
} from './operations';
import { deserializeError, type WorkerRequest, type WorkerResponse } from './protocol';

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** How long close() waits for the Worker to release its sessions before it is terminated. */
const CLOSE_GRACE_MS = 1000;

/** An engine in a Web Worker (by default the bundled worker.ts). */
export function workerEngine(worker?: Worker): Engine {
  const w =
    worker ?? new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'localrec-inference' });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let current: Backend = 'wasm';
  let closed = false;

  w.onmessage = (ev: MessageEvent<WorkerResponse>) => {
    const msg = ev.data;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (!msg.ok) {
      p.reject(deserializeError(msg.error));
      return;
    }
    // every answer that names its backend says which one answers from now on
    const b = (msg.result as { backend?: unknown } | null)?.backend;
    if (b === 'wasm' || b === 'webgpu' || b === 'node') current = b;
    p.resolve(msg.result);
  };
  w.onerror = (ev: ErrorEvent) => {
    ev.preventDefault();
    const err = new BackendError(`the inference worker failed: ${ev.message || 'script error'}`);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const send = <K extends OpName>(op: K, args: OpArgs<K>): Promise<OpResult<K>> => {
    if (closed) return Promise.reject(new ClosedError());
    const id = nextId++;
    const sends = OPERATIONS[op].sends as ((...a: unknown[]) => (ArrayBufferView | undefined)[]) | undefined;
    const transfer = sends ? transferables(sends(...args)) : [];
    return new Promise<OpResult<K>>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ op, args, id } as WorkerRequest, transfer);
    });
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    // a Worker that no longer answers is terminated all the same
    const grace = new Promise<void>((r) => setTimeout(r, CLOSE_GRACE_MS));
    await Promise.race([settled(send('close', [])), grace]);
    closed = true;
    w.terminate();
    for (const p of pending.values()) p.reject(new ClosedError());
    pending.clear();
  };

  return engineOver(
    (op, args) => (op === 'close' ? (close() as never) : send(op, args)),
    () => current,
  );
}
