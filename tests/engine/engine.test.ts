import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type * as Ort from 'onnxruntime-common';
import * as errors from '../../src/core/errors';
import type { ModelManifest } from '../../src/core/manifest-types';
import { OrtEngine } from '../../src/engine/inference';
import { deserializeError, serializeError, type WorkerRequest, type WorkerResponse } from '../../src/engine/protocol';
import { workerEngine } from '../../src/engine/worker-client';
import { nodeEngine, TINY } from './helpers';

const manifest = JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8')) as ModelManifest;

describe('protocol', () => {
  it('re-creates every named error class with its fields', () => {
    const samples: errors.LocalrecError[] = [
      new errors.ModelIntegrityError('items.bin', 'bad hash'),
      new errors.ModelFormatError('fmt'),
      new errors.ModelLoadError('load'),
      new errors.StorageUnavailableError('st'),
      new errors.QuotaError('q'),
      new errors.UnknownItemError('42'),
      new errors.BadEventError('ev'),
      new errors.InvalidArgumentError('arg'),
      new errors.BackendError('be'),
      new errors.ClosedError(),
    ];
    for (const e of samples) {
      const back = deserializeError(structuredClone(serializeError(e)));
      expect(back.constructor).toBe(e.constructor);
      expect(back.code).toBe(e.code);
      expect(back.message).toBe(e.message);
    }
    expect((deserializeError(serializeError(samples[0])) as errors.ModelIntegrityError).file).toBe('items.bin');
    expect((deserializeError(serializeError(samples[5])) as errors.UnknownItemError).itemId).toBe('42');
    // a plain Error from onnxruntime becomes a BackendError carrying its message
    const plain = deserializeError(serializeError(new TypeError('boom')));
    expect(plain).toBeInstanceOf(errors.BackendError);
    expect(plain.message).toContain('boom');
  });
});

/** A Worker stand-in: structured-clones messages both ways and runs the worker's logic in-process. */
class LoopbackWorker {
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  terminated = false;
  private readonly engine = nodeEngine();
  postMessage(msg: WorkerRequest): void {
    const req = structuredClone(msg);
    void (async () => {
      let res: WorkerResponse;
      try {
        switch (req.op) {
          case 'init':
            res = { id: req.id, op: 'init', ok: true, result: await this.engine.init(...req.args) };
            break;
          case 'run':
            res = { id: req.id, op: 'run', ok: true, result: await this.engine.run(...req.args) };
            break;
          case 'encode':
            res = { id: req.id, op: 'encode', ok: true, result: await this.engine.encode(...req.args) };
            break;
          default:
            res = { id: req.id, op: req.op, ok: true, result: null } as WorkerResponse;
        }
      } catch (e) {
        res = { id: req.id, op: req.op, ok: false, error: serializeError(e) };
      }
      this.onmessage?.({ data: structuredClone(res) } as MessageEvent);
    })();
  }
  terminate(): void {
    this.terminated = true;
  }
}

describe('WorkerEngine', () => {
  it('answers like the in-process engine and re-creates errors as named classes', async () => {
    const fake = new LoopbackWorker();
    const w = workerEngine(fake as unknown as Worker);
    const init = {
      manifest,
      modelPath: join(TINY, 'model.onnx'),
      encoderPath: join(TINY, 'encoder.onnx'),
      backend: 'auto' as const,
    };
    const info = await w.init(init);
    expect(info).toMatchObject({ backend: 'node', hasEncoder: true });
    // where the start-up time went crosses the worker boundary
    expect(info.timings!.sessionMs).toBeGreaterThan(0);
    expect(info.timings!.encoderMs).toBeGreaterThan(0);
    const res = await w.run(BigInt64Array.from([0n, 3n]), 1, 2);
    expect(res.scores.length).toBe(25);
    // after item 3 the fixture ranks 4 first with score 1
    expect(res.scores[4]).toBeCloseTo(1, 5);
    // without the catalogue scores (the model's with_scores input): none, the same user and gate
    const bare = await w.run(BigInt64Array.from([0n, 3n]), 1, 2, false);
    expect(bare.scores.length).toBe(0);
    expect(Array.from(bare.user)).toEqual(Array.from(res.user));
    expect(Array.from(bare.gate)).toEqual(Array.from(res.gate));
    // data that does not match the shape is an onnxruntime error → BackendError
    await expect(w.run(BigInt64Array.from([1n]), 1, 2)).rejects.toBeInstanceOf(errors.BackendError);
    await w.close();
    expect(fake.terminated).toBe(true);
    await expect(w.run(BigInt64Array.from([1n]), 1, 1)).rejects.toBeInstanceOf(errors.ClosedError);
  });
});

/** A fake onnxruntime-web: WebGPU sessions fail on demand, records the providers of each session. */
function fakeOrt(log: string[][], failGpu: { on: boolean; create?: boolean }): typeof Ort {
  class Tensor {
    constructor(
      public type: string,
      public data: unknown,
      public dims: number[],
    ) {}
  }
  const n = manifest.itemCount + 1;
  return {
    env: { wasm: {}, webgpu: {} },
    Tensor,
    InferenceSession: {
      create: async (_m: unknown, opts: { executionProviders: string[] }) => {
        const eps = [...opts.executionProviders];
        log.push(eps);
        if (eps[0] === 'webgpu' && failGpu.create) throw new Error('no WebGPU device could be created');
        return {
          inputNames: ['history', 'gate_bias', 'with_scores'],
          outputNames: ['scores', 'user', 'gate'],
          run: async (feeds: Record<string, Tensor>) => {
            if (eps[0] === 'webgpu' && failGpu.on) throw new Error('GPU device lost');
            const batch = feeds.history!.dims[0]!;
            return {
              scores: new Tensor('float32', new Float32Array(batch * n).fill(eps[0] === 'webgpu' ? 2 : 1), [batch, n]),
              user: new Tensor('float32', new Float32Array(batch * manifest.dim), [batch, manifest.dim]),
              gate: new Tensor('float32', new Float32Array(batch * 2).fill(0.5), [batch, 2]),
            };
          },
          release: async () => undefined,
        };
      },
    },
  } as unknown as typeof Ort;
}

describe('OrtEngine backends', () => {
  const g = globalThis as { navigator?: unknown };
  const savedNav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  const withGpu = (adapter: unknown) =>
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: { requestAdapter: async () => adapter }, hardwareConcurrency: 2 },
      configurable: true,
    });
  afterEach(() => {
    if (savedNav) Object.defineProperty(globalThis, 'navigator', savedNav);
    else delete g.navigator;
  });
  const init = { manifest, model: new Uint8Array(4), items: new Uint8Array(4) };

  it('auto picks WebGPU (with WASM listed as fallback) when an adapter exists, WASM otherwise', async () => {
    const log: string[][] = [];
    withGpu({});
    const e = new OrtEngine(fakeOrt(log, { on: false }), 'web');
    expect((await e.init({ ...init, backend: 'auto' })).backend).toBe('webgpu');
    expect(log[0]).toEqual(['webgpu', 'wasm']);
    withGpu(null);
    const e2 = new OrtEngine(fakeOrt(log, { on: false }), 'web');
    expect((await e2.init({ ...init, backend: 'auto' })).backend).toBe('wasm');
    expect(log[1]).toEqual(['wasm']);
    await expect(
      new OrtEngine(fakeOrt(log, { on: false }), 'web').init({ ...init, backend: 'webgpu' }),
    ).rejects.toBeInstanceOf(errors.BackendError);
    withGpu({});
    const e3 = new OrtEngine(fakeOrt(log, { on: false }), 'web');
    expect((await e3.init({ ...init, backend: 'wasm' })).backend).toBe('wasm');
  });

  it('a loader is asked for the build of the chosen backend, once: WebGPU build only when WebGPU will be used', async () => {
    const log: string[][] = [];
    const asked: string[] = [];
    const loader = (build: 'webgpu' | 'wasm') => {
      asked.push(build);
      return Promise.resolve(fakeOrt(log, { on: false }));
    };
    withGpu(null);
    const e = new OrtEngine(loader, 'web');
    expect((await e.init({ ...init, backend: 'auto' })).backend).toBe('wasm');
    expect(asked).toEqual(['wasm']);
    expect((await e.run(BigInt64Array.from([1n]), 1, 1)).scores[1]).toBe(1);
    withGpu({});
    expect((await new OrtEngine(loader, 'web').init({ ...init, backend: 'auto' })).backend).toBe('webgpu');
    expect((await new OrtEngine(loader, 'web').init({ ...init, backend: 'wasm' })).backend).toBe('wasm');
    expect(asked).toEqual(['wasm', 'webgpu', 'wasm']);
    // a runtime that cannot be loaded is a BackendError, and nothing runs
    const broken = new OrtEngine(() => Promise.reject(new Error('404')), 'web');
    await expect(broken.init({ ...init, backend: 'wasm' })).rejects.toBeInstanceOf(errors.BackendError);
    await expect(broken.run(BigInt64Array.from([1n]), 1, 1)).rejects.toBeInstanceOf(errors.BackendError);
  });

  it('a failing WebGPU run recreates the session on WASM and still answers', async () => {
    const log: string[][] = [];
    const fail = { on: false };
    withGpu({});
    const e = new OrtEngine(fakeOrt(log, fail), 'web');
    await e.init({ ...init, backend: 'auto' });
    const ok = await e.run(BigInt64Array.from([1n]), 1, 1);
    expect(ok.backend).toBe('webgpu');
    fail.on = true;
    const after = await e.run(BigInt64Array.from([1n]), 1, 1);
    expect(after.backend).toBe('wasm');
    expect(after.scores[1]).toBe(1);
    expect(log.at(-1)).toEqual(['wasm']);
    expect(e.backend).toBe('wasm');
  });

  it('auto: a WebGPU session that cannot be created falls back to WASM; forced webgpu reports it', async () => {
    const log: string[][] = [];
    withGpu({});
    const e = new OrtEngine(fakeOrt(log, { on: false, create: true }), 'web');
    expect((await e.init({ ...init, backend: 'auto' })).backend).toBe('wasm');
    expect(log).toEqual([['webgpu', 'wasm'], ['wasm']]);
    const forced = new OrtEngine(fakeOrt(log, { on: false, create: true }), 'web');
    await expect(forced.init({ ...init, backend: 'webgpu' })).rejects.toBeInstanceOf(errors.BackendError);
  });

  it('the simulateGpuFailure hook triggers the same fallback', async () => {
    const log: string[][] = [];
    withGpu({});
    const e = new OrtEngine(fakeOrt(log, { on: false }), 'web');
    await e.init({ ...init, backend: 'auto' });
    expect(await e.simulateGpuFailure('throw')).toBe('next-run-fails');
    expect((await e.run(BigInt64Array.from([1n]), 1, 1)).backend).toBe('wasm');
  });
});
