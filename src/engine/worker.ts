/// <reference lib="webworker" />
/**
 * The inference worker: onnxruntime-web (native WebGPU EP build, WASM fallback) off the main
 * thread. Receives WorkerRequest messages, answers WorkerResponse messages (protocol.ts).
 */
import * as ort from 'onnxruntime-web/webgpu';
import { OrtEngine } from './inference';
import { serializeError, transferables, type WorkerRequest, type WorkerResponse } from './protocol';

const engine = new OrtEngine(ort, 'web');
const scope = self as unknown as DedicatedWorkerGlobalScope;

function reply(msg: WorkerResponse, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

scope.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const req = ev.data;
  try {
    switch (req.op) {
      case 'init': {
        const result = await engine.init(req.init);
        reply({ id: req.id, op: 'init', ok: true, result });
        break;
      }
      case 'run': {
        const result = await engine.run(req.history, req.batch, req.length);
        reply({ id: req.id, op: 'run', ok: true, result }, transferables(result.scores, result.user, result.gate));
        break;
      }
      case 'encode': {
        const result = await engine.encode(req.features, req.batch);
        reply({ id: req.id, op: 'encode', ok: true, result }, transferables(result));
        break;
      }
      case 'simulateGpuFailure': {
        const result = await engine.simulateGpuFailure(req.mode);
        reply({ id: req.id, op: 'simulateGpuFailure', ok: true, result });
        break;
      }
      case 'close': {
        await engine.close();
        reply({ id: req.id, op: 'close', ok: true, result: null });
        break;
      }
    }
  } catch (e) {
    reply({ id: req.id, op: req.op, ok: false, error: serializeError(e) });
  }
};
