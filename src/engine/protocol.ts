/**
 * The messages between the page (worker-client.ts) and the inference Worker (worker.ts), derived
 * from the operation table (operations.ts). Every request carries an id; the Worker answers each
 * with exactly one response of the same id. Errors cross the boundary as plain data and are
 * re-created as the named classes, by their `code` (class names do not survive minification).
 */
import {
  AdapterError,
  BackendError,
  BadEventError,
  ClosedError,
  InvalidArgumentError,
  LocalrecError,
  type LocalrecErrorCode,
  ModelFormatError,
  ModelIntegrityError,
  ModelLoadError,
  QuotaError,
  StorageUnavailableError,
  UnknownItemError,
} from '../core/errors';
import { type Engine, OPERATIONS, type OpArgs, type OpName, type OpResult, transferables } from './operations';

export type WorkerRequest = { [K in OpName]: { id: number; op: K; args: OpArgs<K> } }[OpName];

export interface SerializedError {
  name: string;
  code?: LocalrecErrorCode;
  message: string;
  file?: string;
  itemId?: string;
  reason?: AdapterError['reason'];
}

export type WorkerResponse =
  | { [K in OpName]: { id: number; op: K; ok: true; result: OpResult<K> } }[OpName]
  | { id: number; op: OpName; ok: false; error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof LocalrecError) {
    const out: SerializedError = { name: e.name, code: e.code, message: e.message };
    if (e instanceof ModelIntegrityError) out.file = e.file;
    if (e instanceof UnknownItemError) out.itemId = e.itemId;
    if (e instanceof AdapterError) out.reason = e.reason;
    return out;
  }
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

const BY_CODE: { [C in LocalrecErrorCode]: (s: SerializedError) => LocalrecError } = {
  'model-integrity': (s) => new ModelIntegrityError(s.file ?? '', s.message),
  'model-format': (s) => new ModelFormatError(s.message),
  'model-load': (s) => new ModelLoadError(s.message),
  'storage-unavailable': (s) => new StorageUnavailableError(s.message),
  quota: (s) => new QuotaError(s.message),
  'unknown-item': (s) => new UnknownItemError(s.itemId ?? ''),
  'bad-event': (s) => new BadEventError(s.message),
  'invalid-argument': (s) => new InvalidArgumentError(s.message),
  backend: (s) => new BackendError(s.message),
  closed: () => new ClosedError(),
  adapter: (s) => new AdapterError(s.reason ?? 'learn', s.message),
};

/** Re-creates the named error class from its code; anything without one becomes a BackendError. */
export function deserializeError(s: SerializedError): LocalrecError {
  const make = s.code ? BY_CODE[s.code] : undefined;
  return make ? make(s) : new BackendError(`${s.name}: ${s.message}`);
}

/**
 * The Worker's side of the protocol: runs one request on `engine` and returns the one response
 * (with the buffers to transfer). worker.ts posts it; tests run it in-process.
 */
export async function handleRequest(
  engine: Engine,
  req: WorkerRequest,
): Promise<{ msg: WorkerResponse; transfer: Transferable[] }> {
  try {
    const op = req.op;
    const call = engine[op] as (...args: unknown[]) => Promise<OpResult<typeof op>>;
    const result = await call.apply(engine, req.args);
    const returns = OPERATIONS[op].returns as ((r: unknown) => (ArrayBufferView | undefined)[]) | undefined;
    const msg = { id: req.id, op, ok: true, result } as WorkerResponse;
    return { msg, transfer: returns ? transferables(returns(result)) : [] };
  } catch (e) {
    return { msg: { id: req.id, op: req.op, ok: false, error: serializeError(e) }, transfer: [] };
  }
}
