/**
 * The inference engine: one interface, several places it can run.
 *
 * - {@link OrtEngine} runs onnxruntime (web or node, injected) in the current realm: in the Web
 *   Worker (src/engine/worker.ts), in the page (`worker: false`), or in Node tests with
 *   onnxruntime-node.
 * - {@link WorkerEngine} (src/engine/worker-client.ts) forwards the same calls to a Web Worker.
 *
 * The engine is stateless with respect to the visitor: it receives model indices, returns scores.
 * History, catalog and ranking live on the page side (see recommender.ts).
 */
import type * as Ort from 'onnxruntime-common';
import { now } from '../core/clock';
import { BackendError, ModelFormatError } from '../core/errors';
import { messageOf } from '../core/message';
import { settled } from '../core/settle';
import type { ModelManifest } from '../core/manifest-types';
import type { Backend, BackendChoice } from '../types';

export interface EngineInit {
  manifest: ModelManifest;
  /** model.onnx bytes (browser) */
  model?: Uint8Array;
  /** items.bin bytes, the external data of model.onnx (browser) */
  items?: Uint8Array;
  /** encoder.onnx bytes when the model has one */
  encoder?: Uint8Array;
  /** Node: path of model.onnx on disk (external data resolved next to it) instead of bytes */
  modelPath?: string;
  /** Node: path of encoder.onnx on disk */
  encoderPath?: string;
  /** Node: intra-op threads (default: onnxruntime's, one per core); the page always runs one */
  threads?: number;
  backend: BackendChoice;
  /** where onnxruntime-web's .wasm/.mjs are served (page origin) */
  wasmPaths?: string;
}

export interface RunResult {
  /** [batch, itemCount + 1]; empty when the model has no scores output (score from `user`) */
  scores: Float32Array;
  /** [batch, dim] */
  user: Float32Array;
  /** [batch, experts] */
  gate: Float32Array;
  /** backend that answered this call (after a fallback: 'wasm') */
  backend: Backend;
}

/** What `init` reports: the backend, whether an encoder exists, and where the time went (ms). */
export interface EngineInitResult {
  backend: Backend;
  hasEncoder: boolean;
  /** probe = WebGPU adapter probe, session = model session (wasm runtime start included on the first), encoder = encoder session */
  timings?: { probeMs: number; sessionMs: number; encoderMs: number };
}

export interface InferenceEngine {
  init(init: EngineInit): Promise<EngineInitResult>;
  /**
   * history: right-aligned int64 [batch, length]. `withScores` false (default true) skips the
   * graph's catalogue scores where the model allows it (manifest `inputs.withScores`): `scores`
   * is then empty, as for a model without a scores output, and `user` is scored by the caller.
   */
  run(history: BigInt64Array, batch: number, length: number, withScores?: boolean): Promise<RunResult>;
  /** features: int64 [batch, maxFeatures] → tokens float32 [batch, dim] */
  encode(features: BigInt64Array, batch: number): Promise<Float32Array>;
  /** The debug channel's fault injection (operations.ts, DebugRequest 'gpu-failure'). */
  simulateGpuFailure?(mode: 'throw' | 'destroy-device'): Promise<string>;
  readonly backend: Backend;
  close(): Promise<void>;
}

type OrtModule = typeof Ort;

/**
 * The inputs of model.onnx (docs/model-format.md): the history (right-aligned int64
 * [batch, length]), a zero gate bias, and — where the model has the input — `with_scores`
 * (false skips the graph's catalogue scores).
 */
export function modelFeeds(
  ort: Pick<OrtModule, 'Tensor'>,
  m: Pick<ModelManifest, 'inputs' | 'experts'>,
  history: BigInt64Array,
  dims: [number, number],
  withScores: boolean,
): Record<string, Ort.Tensor> {
  const feeds: Record<string, Ort.Tensor> = {
    [m.inputs.history.name]: new ort.Tensor('int64', history, dims),
    [m.inputs.gateBias.name]: new ort.Tensor('float32', new Float32Array(dims[0] * m.experts), [dims[0], m.experts]),
  };
  if (m.inputs.withScores) feeds[m.inputs.withScores.name] = new ort.Tensor('bool', [withScores], []);
  return feeds;
}

/**
 * Loads the onnxruntime-web build for a backend: 'webgpu' = `onnxruntime-web/webgpu` (native
 * WebGPU EP + WASM), 'wasm' = `onnxruntime-web/wasm` (WASM only: the smaller runtime, which starts
 * sooner; sizes in docs/benchmarks.md). Called once, after the backend is chosen.
 */
export type OrtLoader = (build: 'webgpu' | 'wasm') => Promise<OrtModule>;

/** Whether a WebGPU adapter exists in this realm (page or worker). */
export async function probeWebGpu(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

/** onnxruntime in this realm. `runtime` is 'web' (onnxruntime-web: the WebGPU or the WASM build) or 'node'. */
export class OrtEngine implements InferenceEngine {
  private session: Ort.InferenceSession | null = null;
  private encoderSession: Ort.InferenceSession | null = null;
  private initArgs: EngineInit | null = null;
  private current: Backend = 'wasm';
  private failNext = false;
  private deviceLost = false;
  private queue: Promise<unknown> = Promise.resolve();

  private ortModule: OrtModule | null;

  /** `ort`: the module itself, or (web) a loader that picks the build once the backend is known. */
  constructor(
    private readonly source: OrtModule | OrtLoader,
    private readonly runtime: 'web' | 'node',
  ) {
    this.ortModule = typeof source === 'function' ? null : source;
  }

  private get ort(): OrtModule {
    if (!this.ortModule) throw new BackendError('the engine is not initialised');
    return this.ortModule;
  }

  get backend(): Backend {
    return this.current;
  }

  async init(init: EngineInit): Promise<EngineInitResult> {
    this.initArgs = init;
    const t0 = now();
    let target: Backend;
    if (this.runtime === 'node') target = 'node';
    else if (init.backend === 'wasm') target = 'wasm';
    else if (init.backend === 'webgpu') {
      if (!(await probeWebGpu()))
        throw new BackendError('backend "webgpu" was requested but no WebGPU adapter is available');
      target = 'webgpu';
    } else target = (await probeWebGpu()) ? 'webgpu' : 'wasm'; // auto: one probe
    if (this.runtime === 'web' && init.wasmPaths) await preflightRuntime(init.wasmPaths, target);
    if (typeof this.source === 'function' && !this.ortModule) {
      try {
        this.ortModule = await this.source(target === 'webgpu' ? 'webgpu' : 'wasm');
      } catch (e) {
        throw new BackendError(`onnxruntime-web could not be loaded: ${messageOf(e)}`, { cause: e });
      }
    }
    const ort = this.ort;
    if (this.runtime === 'web') {
      const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      const cores =
        (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
      // threads need SharedArrayBuffer, i.e. a cross-origin isolated page (a widget cannot impose it)
      ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, cores)) : 1;
      ort.env.wasm.proxy = false;
      if (init.wasmPaths) ort.env.wasm.wasmPaths = init.wasmPaths;
      ort.env.logLevel = 'error';
    }
    const t1 = now();
    try {
      this.session = await this.createSession(target);
      this.current = target;
    } catch (e) {
      if (target === 'webgpu' && init.backend === 'webgpu') {
        throw new BackendError(`backend "webgpu" was requested but its session could not be created: ${messageOf(e)}`, {
          cause: e,
        });
      }
      if (target !== 'webgpu') throw wrapCreateError(e);
      this.session = await this.createSession('wasm').catch((e2: unknown) => {
        throw wrapCreateError(e2);
      });
      this.current = 'wasm';
    }
    if (this.current === 'webgpu') this.watchDevice();
    this.checkIo(this.session, init.manifest);
    const t2 = now();
    if (init.encoder || init.encoderPath) {
      // the encoder runs once per addItems batch: WASM (or node) is plenty and avoids GPU setup
      this.encoderSession = await this.createRaw(
        init.encoder ?? init.encoderPath!,
        this.runtime === 'node' ? 'node' : 'wasm',
      ).catch((e: unknown) => {
        throw wrapCreateError(e);
      });
    }
    const t3 = now();
    return {
      backend: this.current,
      hasEncoder: this.encoderSession !== null,
      timings: { probeMs: t1 - t0, sessionMs: t2 - t1, encoderMs: t3 - t2 },
    };
  }

  /** A lost GPU device (driver reset, destroy()) marks the session dead: the next run goes to WASM. */
  private watchDevice(): void {
    try {
      const env = this.ort.env as { webgpu?: { device?: Promise<{ lost?: Promise<unknown> }> } };
      void Promise.resolve(env.webgpu?.device)
        .then((device) => device?.lost)
        .then(
          (info) => {
            if (info !== undefined) this.deviceLost = true;
          },
          // no device to watch: a failing run still triggers the fallback
          (err: unknown) => console.debug('localrec: the WebGPU device cannot be watched', err),
        );
    } catch {
      // no device exposed: a failing run still triggers the fallback
    }
  }

  private checkIo(session: Ort.InferenceSession, m: ModelManifest): void {
    for (const n of [
      m.inputs.history.name,
      m.inputs.gateBias.name,
      ...(m.inputs.withScores ? [m.inputs.withScores.name] : []),
    ]) {
      if (!session.inputNames.includes(n)) throw new ModelFormatError(`model.onnx has no input ${JSON.stringify(n)}`);
    }
    const outs = [m.outputs.user.name, m.outputs.gate.name];
    if (m.outputs.scores) outs.push(m.outputs.scores.name);
    for (const n of outs) {
      if (!session.outputNames.includes(n)) throw new ModelFormatError(`model.onnx has no output ${JSON.stringify(n)}`);
    }
  }

  private async createSession(backend: Backend): Promise<Ort.InferenceSession> {
    const init = this.initArgs!;
    if (init.modelPath) return this.createRaw(init.modelPath, backend);
    if (!init.model || !init.items) throw new BackendError('model bytes missing');
    return this.createRaw(init.model, backend, [{ path: init.manifest.itemTable.file, data: init.items }]);
  }

  private createRaw(
    model: Uint8Array | string,
    backend: Backend,
    externalData?: { path: string; data: Uint8Array }[],
  ): Promise<Ort.InferenceSession> {
    const opts: Ort.InferenceSession.SessionOptions & { externalData?: { path: string; data: Uint8Array }[] } = {
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      // Without QDQ handling, constant folding dequantises the int8 weights (and the int8 item
      // table) once at session creation instead of on every run: the same float values, so the
      // same results, faster per run (`npm run bench`), for 4x the memory of those weights
      // inside the session.
      extra: { session: { disable_quant_qdq: '1' } },
    };
    if (backend === 'webgpu') opts.executionProviders = ['webgpu', 'wasm'];
    else if (backend === 'wasm') opts.executionProviders = ['wasm'];
    else {
      opts.executionProviders = ['cpu'];
      // keep int8 DequantizeLinear + MatMul exact (no activation quantisation) on node
      opts.extra = { session: { disable_quant_qdq: '1', qdq_matmulnbits_accuracy_level: '0' } };
      if (this.initArgs?.threads) {
        opts.intraOpNumThreads = this.initArgs.threads;
        opts.interOpNumThreads = 1;
      }
    }
    if (externalData) opts.externalData = externalData;
    // A Uint8Array passed to create() must own its buffer region; copy if it is a view.
    return typeof model === 'string'
      ? this.ort.InferenceSession.create(model, opts)
      : this.ort.InferenceSession.create(model, opts);
  }

  /** Calls are serialised: onnxruntime-web sessions do not support concurrent runs. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = settled(p);
    return p;
  }

  run(history: BigInt64Array, batch: number, length: number, withScores = true): Promise<RunResult> {
    return this.serial(async () => {
      const m = this.initArgs?.manifest;
      if (!this.session || !m) throw new BackendError('the engine is not initialised');
      try {
        return await this.runOnce(history, batch, length, withScores);
      } catch (e) {
        if (this.current !== 'webgpu') throw new BackendError(`inference failed: ${messageOf(e)}`, { cause: e });
        // WebGPU failed (device lost, run error): recreate on WASM and answer anyway.
        await this.fallBackToWasm();
        try {
          return await this.runOnce(history, batch, length, withScores);
        } catch (e2) {
          throw new BackendError(`inference failed on WebGPU and on the WASM fallback: ${messageOf(e2)}`, {
            cause: e2,
          });
        }
      }
    });
  }

  private async fallBackToWasm(): Promise<void> {
    const old = this.session;
    this.session = null;
    try {
      await old?.release();
    } catch {
      // a lost device may refuse to release
    }
    this.session = await this.createSession('wasm');
    this.current = 'wasm';
  }

  private async runOnce(
    history: BigInt64Array,
    batch: number,
    length: number,
    withScores: boolean,
  ): Promise<RunResult> {
    const m = this.initArgs!.manifest;
    if (this.current === 'webgpu' && (this.failNext || this.deviceLost)) {
      this.failNext = false;
      throw new Error('simulated WebGPU failure (device lost)');
    }
    const out = await this.session!.run(modelFeeds(this.ort, m, history, [batch, length], withScores));
    const get = (name: string): Float32Array => {
      const t = out[name];
      if (!t || !(t.data instanceof Float32Array))
        throw new ModelFormatError(`model output ${name} missing or not float32`);
      return t.data;
    };
    const res: RunResult = {
      // no scores output (pq table), or skipped (withScores false): scored from `user` by the caller
      scores: m.outputs.scores ? get(m.outputs.scores.name) : new Float32Array(0),
      user: get(m.outputs.user.name),
      gate: get(m.outputs.gate.name),
      backend: this.current,
    };
    for (const t of Object.values(out)) (t as { dispose?: () => void }).dispose?.();
    return res;
  }

  encode(features: BigInt64Array, batch: number): Promise<Float32Array> {
    return this.serial(async () => {
      const m = this.initArgs?.manifest;
      if (!this.encoderSession || !m?.content)
        throw new ModelFormatError('this model has no item encoder (encoder.onnx)');
      const c = m.content;
      const out = await this.encoderSession.run({
        [c.encoderInput]: new this.ort.Tensor('int64', features, [batch, c.maxFeatures]),
      });
      const t = out[c.encoderOutput];
      if (!t || !(t.data instanceof Float32Array))
        throw new ModelFormatError(`encoder output ${c.encoderOutput} missing`);
      return t.data;
    });
  }

  /** Returns what was done: 'next-run-fails', 'device-destroyed' or 'no-device-flagged-lost'. */
  async simulateGpuFailure(mode: 'throw' | 'destroy-device'): Promise<string> {
    if (mode === 'throw') {
      this.failNext = true;
      return 'next-run-fails';
    }
    const env = this.ort.env as { webgpu?: { device?: Promise<{ destroy(): void; lost?: Promise<unknown> }> } };
    try {
      const device = await env.webgpu?.device;
      if (device) {
        // a real loss: destroy the device and let the `lost` promise (watchDevice) mark it
        device.destroy();
        await Promise.race([device.lost, new Promise((r) => setTimeout(r, 2000))]);
        return this.deviceLost ? 'device-destroyed' : 'device-destroyed-lost-not-signalled';
      }
    } catch {
      // the native WebGPU EP may not expose its device: fall through
    }
    this.deviceLost = true;
    return 'no-device-flagged-lost';
  }

  async close(): Promise<void> {
    await this.queue;
    // the sessions are dropped either way; a session that cannot be released (a lost device) is only logged
    for (const s of [this.session, this.encoderSession]) {
      await s?.release().catch((err: unknown) => console.debug('localrec: releasing a session', err));
    }
    this.session = null;
    this.encoderSession = null;
  }
}

/** The runtime files each onnxruntime-web build loads from `wasmPaths` (ort-web.ts picks the build). */
export const RUNTIME_FILES: Record<'webgpu' | 'wasm', readonly string[]> = {
  webgpu: ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'],
  wasm: ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'],
};

/**
 * Asks for the runtime's files (HEAD) before onnxruntime-web loads them. onnxruntime-web keeps a
 * failed start for the life of the page, so a passing failure (a 503, a deploy in progress) would
 * otherwise break every later attempt until a reload; found here, it is a BackendError and the
 * next createRecommender tries again. A server that does not answer HEAD, or no answer at all (an
 * offline page whose service worker serves the runtime to GETs only), is not held against it:
 * only an HTTP error status is.
 */
export async function preflightRuntime(
  wasmPaths: string,
  backend: Backend,
  fetchFn: (url: string, init: RequestInit) => Promise<Response> = (u, i) => globalThis.fetch(u, i),
): Promise<void> {
  const files = RUNTIME_FILES[backend === 'webgpu' ? 'webgpu' : 'wasm'];
  await Promise.all(
    files.map(async (f) => {
      const url = new URL(f, wasmPaths.endsWith('/') ? wasmPaths : `${wasmPaths}/`).href;
      let res: Response;
      try {
        res = await fetchFn(url, { method: 'HEAD', cache: 'no-cache' });
      } catch (e) {
        console.debug(`localrec: ${url} could not be checked before loading`, e);
        return;
      }
      if (!res.ok && res.status !== 405 && res.status !== 501) {
        throw new BackendError(`onnxruntime's runtime is not available at ${url}: HTTP ${res.status}`);
      }
    }),
  );
}

/**
 * What a failed session creation means: the runtime itself did not start (its files missing or
 * refused, WebAssembly not allowed by the page's CSP, no backend) is a BackendError, which a
 * Worker engine retries in the page; anything else is the model's fault, a ModelFormatError.
 */
const RUNTIME_FAILURE =
  /no available backend|backend not found|dynamically imported module|failed to fetch|networkerror|WebAssembly|Content Security Policy|unsafe-eval|CompileError|previous call to initialize/i;

export function wrapCreateError(e: unknown): Error {
  if (e instanceof BackendError || e instanceof ModelFormatError) return e;
  if (RUNTIME_FAILURE.test(messageOf(e))) {
    return new BackendError(`onnxruntime's runtime could not start: ${messageOf(e)}`, { cause: e });
  }
  return new ModelFormatError(`onnxruntime could not create a session: ${messageOf(e)}`, { cause: e });
}
