import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import type * as OrtCommon from 'onnxruntime-common';
import { OrtEngine } from '../../src/engine/inference';
import type { FetchFn } from '../../src/engine/loader';
import { createWith, type RecommenderDeps } from '../../src/engine/create';
import type { Recommender } from '../../src/engine/recommender';
import { MemoryStore } from '../../src/engine/store';
import type { CreateOptions } from '../../src/types';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TINY = join(REPO, 'tests/fixtures/tiny');
export const TINY_URL = 'http://fixture.test/models/tiny/';

/** A fetch that serves `dir` at `baseUrl`, with optional byte overrides per file name; records URLs. */
export function diskFetch(
  dir: string,
  baseUrl: string,
  overrides: Record<string, Uint8Array> = {},
  log: string[] = [],
): FetchFn {
  return async (url: string) => {
    log.push(url);
    if (!url.startsWith(baseUrl)) return new Response('not found', { status: 404 });
    const name = url.slice(baseUrl.length);
    const o = overrides[name];
    if (o) return new Response(o as Uint8Array<ArrayBuffer>);
    try {
      return new Response(readFileSync(join(dir, name)));
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}

export function nodeEngine(): OrtEngine {
  return new OrtEngine(ortNode as unknown as typeof OrtCommon, 'node');
}

/** The tiny fixture with onnxruntime-node, a memory store unless given, no BroadcastChannel. */
export async function tinyRecommender(
  opts: Partial<CreateOptions> = {},
  deps: Partial<RecommenderDeps> = {},
): Promise<Recommender> {
  return createWith(
    { model: TINY_URL, ...opts },
    {
      engine: nodeEngine(),
      store: deps.store ?? new MemoryStore('test', opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
      load: { fetch: diskFetch(TINY, TINY_URL), caches: null },
      engineInit: { modelPath: join(TINY, 'model.onnx'), encoderPath: join(TINY, 'encoder.onnx') },
      channel: null,
      ...deps,
    },
  );
}
