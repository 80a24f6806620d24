// Runs an exported model (or encoder) with onnxruntime-node, for the parity tests in training/tests.
//   node training/tests/ort_node_run.mjs MODEL.onnx INPUT.json OUTPUT.json
// INPUT.json: {"feeds": {name: {"dtype": "int64"|"float32"|"bool", "dims": [...], "data": [...]}}, "fetches": [names]}
// OUTPUT.json: {name: {"dims": [...], "data": [...]}}.  Also: node ort_node_run.mjs --features CASES.json
// prints the featurisation of docs/model-format.md as written in JavaScript (a cross-check of features.py).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function fnv1a(str) {
  let h = 2166136261;
  for (const b of new TextEncoder().encode(str)) {
    h ^= b;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h >>> 0;
}

function featurise(title, genres, year, buckets, maxFeatures) {
  const feats = [];
  for (const w of (title ?? '')
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u))
    if (w) feats.push(`t:${w}`);
  for (const g of genres ?? []) feats.push(`g:${g.toLowerCase().trim()}`);
  if (year !== null && year !== undefined) feats.push(`y:${year}`, `d:${Math.floor(year / 10) * 10}`);
  const out = [...new Set(feats)].slice(0, maxFeatures).map((f) => 1 + (fnv1a(f) % (buckets - 1)));
  while (out.length < maxFeatures) out.push(0);
  return out;
}

const args = process.argv.slice(2);
if (args[0] === '--features') {
  const { cases, buckets, maxFeatures } = JSON.parse(readFileSync(args[1], 'utf8'));
  console.log(JSON.stringify(cases.map((c) => featurise(c.title, c.genres, c.year, buckets, maxFeatures))));
} else {
  const ort = createRequire(resolve(repo, 'package.json'))('onnxruntime-node');
  const [modelPath, inPath, outPath] = args;
  const spec = JSON.parse(readFileSync(inPath, 'utf8'));
  const session = await ort.InferenceSession.create(resolve(modelPath));
  const feeds = {};
  for (const [name, t] of Object.entries(spec.feeds)) {
    const data =
      t.dtype === 'int64'
        ? BigInt64Array.from(t.data.map((x) => BigInt(x)))
        : t.dtype === 'bool'
          ? Uint8Array.from(t.data, Number)
          : Float32Array.from(t.data);
    feeds[name] = new ort.Tensor(t.dtype, data, t.dims);
  }
  const res = await session.run(feeds, spec.fetches);
  const out = {};
  for (const name of spec.fetches) out[name] = { dims: res[name].dims, data: Array.from(res[name].data, Number) };
  writeFileSync(outPath, JSON.stringify(out));
}
