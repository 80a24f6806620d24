/** The inputs of model.onnx for onnxruntime-node (docs/model-format.md), as the engine feeds them. */
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../../src/core/manifest-types';

/**
 * history (right-aligned int64 [batch, length]), a zero gate bias, and — for a model that has the
 * input — `with_scores`: false when only `user`/`gate` are fetched (skips the catalogue Gemm).
 */
export function modelFeeds(m: Pick<ModelManifest, 'inputs' | 'experts'>, data: BigInt64Array, dims: [number, number], withScores: boolean): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    [m.inputs.history.name]: new ort.Tensor('int64', data, dims),
    [m.inputs.gateBias.name]: new ort.Tensor('float32', new Float32Array(dims[0] * m.experts), [dims[0], m.experts]),
  };
  if (m.inputs.withScores) feeds[m.inputs.withScores.name] = new ort.Tensor('bool', [withScores], []);
  return feeds;
}
