/**
 * The onnxruntime-web build for a backend, imported on demand (a separate chunk each): the
 * native-WebGPU build when a WebGPU adapter will be used, else the WASM-only build — half the
 * runtime to fetch and start (sizes in docs/benchmarks.md). Never the default `onnxruntime-web`
 * import: its JSEP WebGPU was measured returning wrong results on int8 models.
 */
import type { OrtLoader } from './inference';

export const loadWebOrt: OrtLoader = (build) =>
  build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm');
