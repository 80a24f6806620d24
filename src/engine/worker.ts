/// <reference lib="webworker" />
/**
 * The inference worker: onnxruntime-web (native WebGPU EP build, WASM fallback) off the main
 * thread, and the visitor's adapter (rescoring and on-device learning, personal.ts). Receives
 * WorkerRequest messages, answers WorkerResponse messages (protocol.ts).
 */
import * as ort from 'onnxruntime-web/webgpu';
import { OrtEngine } from './inference';
import { LocalEngine } from './personal';
import { serializeError, transferables, type WorkerRequest, type WorkerResponse } from './protocol';

const engine = new LocalEngine(new OrtEngine(ort, 'web'));
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
      case 'adapterSet': {
        await engine.adapterSet(req.state, req.options);
        reply({ id: req.id, op: 'adapterSet', ok: true, result: null });
        break;
      }
      case 'runPersonal': {
        const result = await engine.runPersonal(req.history, req.length);
        reply(
          { id: req.id, op: 'runPersonal', ok: true, result },
          transferables(result.scores, result.user, result.gate, result.personal?.user, result.personal?.gate),
        );
        break;
      }
      case 'adapterLearn': {
        const result = await engine.adapterLearn(req.example, req.now);
        reply({ id: req.id, op: 'adapterLearn', ok: true, result });
        break;
      }
      case 'adapterDebug': {
        const result = await engine.adapterDebug(req.clear);
        reply({ id: req.id, op: 'adapterDebug', ok: true, result });
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
