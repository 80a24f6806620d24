/// <reference lib="webworker" />
/**
 * The inference Worker: onnxruntime-web (native WebGPU EP build, or the WASM-only build) off the
 * main thread, and the visitor's adapter (personal.ts). Answers the operations of the table
 * (operations.ts) through protocol.ts's handler.
 */
import { OrtEngine } from './inference';
import { loadWebOrt } from './ort-web';
import { LocalEngine } from './personal';
import { handleRequest, type WorkerRequest } from './protocol';

const engine = new LocalEngine(new OrtEngine(loadWebOrt, 'web'));
const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const { msg, transfer } = await handleRequest(engine, ev.data);
  scope.postMessage(msg, transfer);
};
