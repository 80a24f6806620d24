/** The engine's inputs of model.onnx (`modelFeeds` in src/engine/inference.ts), for onnxruntime-node. */
import type * as OrtCommon from 'onnxruntime-common';
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../../src/core/manifest-types';
import { modelFeeds as engineFeeds } from '../../src/engine/inference';

/** history, a zero gate bias and, where the model has it, `with_scores` (false when only `user`/`gate` are fetched). */
export function modelFeeds(
  m: Pick<ModelManifest, 'inputs' | 'experts'>,
  data: BigInt64Array,
  dims: [number, number],
  withScores: boolean,
): Record<string, ort.Tensor> {
  return engineFeeds(ort as unknown as typeof OrtCommon, m, data, dims, withScores) as Record<string, ort.Tensor>;
}
