/**
 * Typed message protocol between the page (WorkerEngine) and the inference worker (worker.ts).
 * Every request carries an id; the worker answers each with exactly one response of the same id.
 * Errors cross the boundary as plain data and are re-created as the named classes.
 */
import {
  BackendError,
  BadEventError,
  ClosedError,
  InvalidArgumentError,
  LocalrecError,
  ModelFormatError,
  ModelIntegrityError,
  ModelLoadError,
  QuotaError,
  StorageUnavailableError,
  UnknownItemError,
} from '../core/errors';
import type { AdapterOptions, AdapterState } from '../core/adapter';
import type { Backend } from '../types';
import type { EngineInit, EngineInitResult, RunResult } from './inference';
import type { AdapterDebug, LearnRequest, LearnResponse, PersonalEngine, PersonalRunResult } from './personal';

export type WorkerRequest =
  | { id: number; op: 'init'; init: EngineInit }
  | { id: number; op: 'run'; history: BigInt64Array; batch: number; length: number; withScores: boolean }
  | { id: number; op: 'encode'; features: BigInt64Array; batch: number }
  | { id: number; op: 'simulateGpuFailure'; mode: 'throw' | 'destroy-device' }
  | { id: number; op: 'adapterSet'; state: AdapterState | null; options?: AdapterOptions }
  | { id: number; op: 'runPersonal'; history: BigInt64Array; length: number }
  | { id: number; op: 'adapterLearn'; example: LearnRequest; now: number }
  | { id: number; op: 'adapterDebug'; clear: boolean }
  | { id: number; op: 'close' };

export interface WorkerResults {
  init: EngineInitResult;
  run: RunResult;
  encode: Float32Array;
  simulateGpuFailure: string;
  adapterSet: null;
  runPersonal: PersonalRunResult;
  adapterLearn: LearnResponse;
  adapterDebug: AdapterDebug;
  close: null;
}

export type WorkerOp = WorkerRequest['op'];

export interface SerializedError {
  name: string;
  code?: string;
  message: string;
  file?: string;
  itemId?: string;
}

export type WorkerResponse =
  | { [K in WorkerOp]: { id: number; op: K; ok: true; result: WorkerResults[K] } }[WorkerOp]
  | { id: number; op: WorkerOp; ok: false; error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof LocalrecError) {
    const out: SerializedError = { name: e.name, code: e.code, message: e.message };
    if (e instanceof ModelIntegrityError) out.file = e.file;
    if (e instanceof UnknownItemError) out.itemId = e.itemId;
    return out;
  }
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** Re-creates the named error class; anything unnamed becomes a BackendError. */
export function deserializeError(s: SerializedError): LocalrecError {
  switch (s.name) {
    case 'ModelIntegrityError':
      return new ModelIntegrityError(s.file ?? '', s.message);
    case 'ModelFormatError':
      return new ModelFormatError(s.message);
    case 'ModelLoadError':
      return new ModelLoadError(s.message);
    case 'StorageUnavailableError':
      return new StorageUnavailableError(s.message);
    case 'QuotaError':
      return new QuotaError(s.message);
    case 'UnknownItemError': {
      return new UnknownItemError(s.itemId ?? '');
    }
    case 'BadEventError':
      return new BadEventError(s.message);
    case 'InvalidArgumentError':
      return new InvalidArgumentError(s.message);
    case 'ClosedError':
      return new ClosedError();
    case 'BackendError':
      return new BackendError(s.message);
    default:
      return new BackendError(`${s.name}: ${s.message}`);
  }
}

/** Buffers to transfer (not copy) with a message. */
export function transferables(...arrays: (ArrayBufferView | undefined)[]): Transferable[] {
  const out: Transferable[] = [];
  for (const a of arrays) {
    if (a && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  }
  return out;
}

/**
 * The worker's side of the protocol: runs one request on `engine` and returns the one response
 * (with the buffers to transfer). worker.ts posts it; tests run it in-process.
 */
export async function handleRequest(engine: PersonalEngine, req: WorkerRequest): Promise<{ msg: WorkerResponse; transfer: Transferable[] }> {
  try {
    switch (req.op) {
      case 'init':
        return { msg: { id: req.id, op: 'init', ok: true, result: await engine.init(req.init) }, transfer: [] };
      case 'run': {
        const result = await engine.run(req.history, req.batch, req.length, req.withScores);
        return { msg: { id: req.id, op: 'run', ok: true, result }, transfer: transferables(result.scores, result.user, result.gate) };
      }
      case 'encode': {
        const result = await engine.encode(req.features, req.batch);
        return { msg: { id: req.id, op: 'encode', ok: true, result }, transfer: transferables(result) };
      }
      case 'simulateGpuFailure':
        return { msg: { id: req.id, op: 'simulateGpuFailure', ok: true, result: await engine.simulateGpuFailure(req.mode) }, transfer: [] };
      case 'adapterSet':
        await engine.adapterSet(req.state, req.options);
        return { msg: { id: req.id, op: 'adapterSet', ok: true, result: null }, transfer: [] };
      case 'runPersonal': {
        const result = await engine.runPersonal(req.history, req.length);
        return {
          msg: { id: req.id, op: 'runPersonal', ok: true, result },
          transfer: transferables(result.scores, result.user, result.gate, result.personal?.user, result.personal?.gate),
        };
      }
      case 'adapterLearn':
        return { msg: { id: req.id, op: 'adapterLearn', ok: true, result: await engine.adapterLearn(req.example, req.now) }, transfer: [] };
      case 'adapterDebug':
        return { msg: { id: req.id, op: 'adapterDebug', ok: true, result: await engine.adapterDebug(req.clear) }, transfer: [] };
      case 'close':
        await engine.close();
        return { msg: { id: req.id, op: 'close', ok: true, result: null }, transfer: [] };
    }
  } catch (e) {
    return { msg: { id: req.id, op: req.op, ok: false, error: serializeError(e) }, transfer: [] };
  }
}
