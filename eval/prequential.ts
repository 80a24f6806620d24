/**
 * Prequential study of the on-device adapter:
 *
 *   npm run study:adapt -- --dataset movielens [--model DIR] [--users N] [--max-steps N]
 *                          [--adapter-options JSON] [--write] [--seed N]
 *
 * Replays the whole sequence of every held-out user (users the model never trained on: the
 * model folder's holdout-users.json, written by `bash training/holdout.sh <dataset>`) item by
 * item, as the visitor would generate it: at step t the model predicts item t from items < t,
 * with and without the adapter, then the adapter learns from item t (exactly the browser's code:
 * src/core/adapter.ts through eval/lib/adapt.ts).
 *
 * Metrics per step, full ranking over the catalogue with the history removed: HR@10, NDCG@10,
 * HR@1; candidate protocol for datasets that have one (MovieLens, LastFM): HitRatio@1 among the
 * true item and 19 items drawn uniformly (seeded) from the items not in the history. Reported
 * overall and by history length (t - 1), as the relative change adapted/shipped - 1 pooled over
 * steps, with a 95% paired bootstrap interval over users (1,000 resamples, seeded).
 * The last line of stdout is one JSON object; --write also updates the adapter-study section of
 * docs/benchmarks.md (between its markers).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ADAPTER_DEFAULTS, type AdapterOptions } from '../src/core/adapter';
import { mulberry32 } from '../src/core/random';
import { hitAt, ndcgAt, rankOf } from '../src/core/rank';
import { fullRank, itemTable, loadModel } from './lib/evaluate';
import { prefixVectors, Replay } from './lib/adapt';

const REPO = resolve(import.meta.dirname, '..');
const SHARED = resolve(REPO, '../shared/datasets');

const USAGE = `usage: npm run study:adapt -- --dataset <movielens|lastfm|beauty> [options]
  --model DIR             held-out-user model folder (default training/runs/holdout/<dataset>)
  --users N               replay only N held-out users (after --skip)
  --skip N                skip the first N held-out users (e.g. the ones used to tune the adapter)
  --max-steps N           replay at most the first N+1 items of each user (default 200)
  --adapter-options JSON  adapter options (default: the engine's defaults)
  --seed N                seed of the candidate sets and of the bootstrap (default 0)
  --write                 update the adapter-study section of docs/benchmarks.md`;

interface Args {
  dataset: string;
  model: string;
  users: number;
  skip: number;
  maxSteps: number;
  adapter: AdapterOptions;
  seed: number;
  write: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Partial<Args> = { users: Infinity, skip: 0, maxSteps: 200, adapter: {}, seed: 0, write: false };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${f} needs a value`);
      return x;
    };
    const int = (): number => {
      const n = Number(v());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${f} needs a non-negative integer`);
      return n;
    };
    switch (f) {
      case '--dataset':
        a.dataset = v();
        break;
      case '--model':
        a.model = v();
        break;
      case '--users':
        a.users = int();
        break;
      case '--skip':
        a.skip = int();
        break;
      case '--max-steps':
        a.maxSteps = int();
        break;
      case '--seed':
        a.seed = int();
        break;
      case '--adapter-options':
        a.adapter = JSON.parse(v()) as AdapterOptions;
        break;
      case '--write':
        a.write = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        // `return`: process.exit never returns, which the switch's fall-through check cannot see
        return process.exit(0);
      default:
        throw new Error(`unknown argument ${f}`);
    }
  }
  if (!a.dataset) throw new Error('--dataset is required');
  a.model ??= join(REPO, 'training/runs/holdout', a.dataset);
  return a as Args;
}

const BUCKETS: [string, number, number][] = [
  ['1–4', 1, 4],
  ['5–9', 5, 9],
  ['10–19', 10, 19],
  ['20–49', 20, 49],
  ['50–99', 50, 99],
  ['100+', 100, Infinity],
];
const GROUPS: [string, number, number][] = [['all', 1, Infinity], ['≥ 20', 20, Infinity], ...BUCKETS];
const METRICS = ['ndcg10', 'hr10', 'hr1', 'candHr1'] as const;
type Metric = (typeof METRICS)[number];

/** Per user and group: number of steps and the sums of each metric, shipped (0) and adapted (1). */
interface UserSums {
  steps: number[];
  sums: Record<Metric, [number, number]>[];
}

function newSums(): UserSums {
  return {
    steps: GROUPS.map(() => 0),
    sums: GROUPS.map(() => Object.fromEntries(METRICS.map((m) => [m, [0, 0]])) as Record<Metric, [number, number]>),
  };
}

interface GroupResult {
  group: string;
  users: number;
  steps: number;
  metrics: Record<Metric, { shipped: number; adapted: number; rel: number; lo: number; hi: number } | null>;
}

function summarise(users: UserSums[], hasCandidates: boolean, seed: number): GroupResult[] {
  const rand = mulberry32(seed ^ 0xb007);
  const B = 1000;
  const resamples = Array.from({ length: B }, () =>
    Int32Array.from({ length: users.length }, () => Math.floor(rand() * users.length)),
  );
  return GROUPS.map(([group], g) => {
    const steps = users.reduce((a, u) => a + u.steps[g]!, 0);
    const metrics = {} as GroupResult['metrics'];
    for (const m of METRICS) {
      if (m === 'candHr1' && !hasCandidates) {
        metrics[m] = null;
        continue;
      }
      const tot = (idx: ArrayLike<number> | null): [number, number] => {
        let a = 0,
          b = 0;
        const n = idx ? idx.length : users.length;
        for (let i = 0; i < n; i++) {
          const u = users[idx ? idx[i]! : i]!;
          a += u.sums[g]![m][0];
          b += u.sums[g]![m][1];
        }
        return [a, b];
      };
      const [a, b] = tot(null);
      if (steps === 0 || a === 0) {
        metrics[m] = steps ? { shipped: a / steps, adapted: b / steps, rel: NaN, lo: NaN, hi: NaN } : null;
        continue;
      }
      const rels = resamples
        .map((idx) => {
          const [x, y] = tot(idx);
          return x > 0 ? y / x - 1 : 0;
        })
        .sort((p, q) => p - q);
      metrics[m] = {
        shipped: a / steps,
        adapted: b / steps,
        rel: b / a - 1,
        lo: rels[Math.floor(0.025 * B)]!,
        hi: rels[Math.ceil(0.975 * B) - 1]!,
      };
    }
    return { group, users: users.filter((u) => u.steps[g]! > 0).length, steps, metrics };
  });
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%` : 'n/a';
}

function table(dataset: string, res: GroupResult[], hasCandidates: boolean): string {
  const cols = ['NDCG@10', 'HR@10', ...(hasCandidates ? ['HitRatio@1 (20 cands)'] : [])];
  const keys: Metric[] = ['ndcg10', 'hr10', ...(hasCandidates ? (['candHr1'] as Metric[]) : [])];
  const lines = [
    `| ${dataset}: history length | users | steps | ${cols.map((c) => `${c} shipped → adapted (change, 95% CI)`).join(' | ')} |`,
    `|---|---:|---:|${cols.map(() => '---').join('|')}|`,
  ];
  for (const r of res) {
    if (!r.steps) continue;
    const cells = keys.map((k) => {
      const m = r.metrics[k];
      return m ? `${m.shipped.toFixed(4)} → ${m.adapted.toFixed(4)} (${pct(m.rel)}, ${pct(m.lo)} … ${pct(m.hi)})` : '–';
    });
    lines.push(`| ${r.group} | ${r.users} | ${r.steps} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`study: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const t0 = performance.now();
  const hold = join(args.model, 'holdout-users.json');
  if (!existsSync(hold)) {
    console.error(
      `study: ${hold} does not exist: train the held-out-user model first: bash training/holdout.sh ${args.dataset}`,
    );
    process.exit(1);
  }
  const holdout = new Set((JSON.parse(readFileSync(hold, 'utf8')) as unknown[]).map(String));
  const m = await loadModel(args.model);
  const tableSrc = itemTable(m);
  const { dim, experts } = m.manifest;
  const hasCandidates = existsSync(join(SHARED, args.dataset, 'val.jsonl'));
  const seqs: { user: string; items: number[] }[] = [];
  let seen = 0;
  for (const line of readFileSync(join(SHARED, args.dataset, 'train.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { user: string; items: (number | string)[] };
    if (!holdout.has(String(row.user))) continue;
    if (seen++ < args.skip) continue;
    const items = row.items
      .map((id) => m.catalog.indexOf(String(id)))
      .filter((i): i is number => i !== undefined && i <= m.manifest.itemCount);
    if (items.length >= 2) seqs.push({ user: String(row.user), items: items.slice(0, args.maxSteps + 1) });
    if (seqs.length >= args.users) break;
  }
  const N = m.manifest.itemCount;
  const users: UserSums[] = [];
  let refused = 0,
    updates = 0,
    skipped = 0;
  const scoresBase = new Float32Array(N + 1),
    scoresAd = new Float32Array(N + 1);
  let lastProgress = performance.now();
  // the model's vectors for every prefix, computed for chunks of users in batched runs
  const CHUNK = 64;
  let vectorsOf: (k: number) => { user: Float32Array; gate: Float32Array } = () => {
    throw new Error('no chunk');
  };
  for (let u = 0; u < seqs.length; u++) {
    const seq = seqs[u]!.items;
    const T = seq.length;
    if (u % CHUNK === 0) {
      const chunk = seqs.slice(u, u + CHUNK).map((s) => s.items);
      vectorsOf = await prefixVectors(
        m,
        chunk,
        chunk.map((s) => s.length - 1),
      );
    }
    const replay = new Replay(tableSrc, dim, experts, vectorsOf(u % CHUNK), args.adapter);
    const sums = newSums();
    const rand = mulberry32((args.seed * 1000003 + u * 7919) >>> 0);
    const history = new Set<number>();
    for (let i = 0; i + 1 < T; i++) {
      history.add(seq[i]!);
      const target = seq[i + 1]!;
      if (history.has(target)) {
        skipped++;
      } else {
        replay.scores(i, false, scoresBase);
        replay.scores(i, true, scoresAd);
        const rb = fullRank(scoresBase, target, history);
        const ra = fullRank(scoresAd, target, history);
        let cands: number[] = [];
        if (hasCandidates) {
          const picked = new Set<number>();
          while (picked.size < 19 && picked.size < N - history.size - 1) {
            const c = 1 + Math.floor(rand() * N);
            if (c !== target && !history.has(c)) picked.add(c);
          }
          cands = [...picked];
        }
        const len = i + 1;
        const vals = (s: Float32Array, r: number): Record<Metric, number> => ({
          ndcg10: ndcgAt(r, 10),
          hr10: hitAt(r, 10),
          hr1: hitAt(r, 1),
          candHr1: hasCandidates ? hitAt(rankOf(s, target, [...cands, target]), 1) : 0,
        });
        const vb = vals(scoresBase, rb);
        const va = vals(scoresAd, ra);
        GROUPS.forEach(([, lo, hi], g) => {
          if (len < lo || len > hi) return;
          sums.steps[g]!++;
          for (const k of METRICS) {
            sums.sums[g]![k][0] += vb[k];
            sums.sums[g]![k][1] += va[k];
          }
        });
      }
      replay.learnFrom(i, target);
    }
    refused += replay.refused;
    updates += replay.state.updates;
    users.push(sums);
    if (performance.now() - lastProgress > 5000) {
      lastProgress = performance.now();
      console.error(`study: ${u + 1}/${seqs.length} users, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  }
  const results = summarise(users, hasCandidates, args.seed);
  const seconds = (performance.now() - t0) / 1000;
  const options = { ...ADAPTER_DEFAULTS, ...args.adapter };
  const md = table(args.dataset, results, hasCandidates);
  console.error(md);
  console.error(
    `study: ${seqs.length} users, ${updates} updates (${refused} refused, ${skipped} repeated targets skipped) in ${seconds.toFixed(1)} s`,
  );
  const report = {
    dataset: args.dataset,
    model: relative(REPO, resolve(args.model)),
    modelVersion: m.manifest.modelVersion,
    users: seqs.length,
    updates,
    refused,
    maxSteps: args.maxSteps,
    adapterOptions: options,
    seconds,
    results,
  };
  if (args.write) writeDoc(args, md, report);
  await m.session.release();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Replaces this dataset's block inside the adapter-study section of docs/benchmarks.md. */
function writeDoc(
  args: Args,
  md: string,
  report: { users: number; updates: number; seconds: number; modelVersion: string },
): void {
  const path = join(REPO, 'docs/benchmarks.md');
  let doc = readFileSync(path, 'utf8');
  const start = `<!-- adapter-study:${args.dataset}:start -->`;
  const end = `<!-- adapter-study:${args.dataset}:end -->`;
  const extra = Object.keys(args.adapter).length ? ` --adapter-options '${JSON.stringify(args.adapter)}'` : '';
  const cmd = `npm run study:adapt -- --dataset ${args.dataset}${args.skip ? ` --skip ${args.skip}` : ''}${args.users !== Infinity ? ` --users ${args.users}` : ''}${args.maxSteps !== 200 ? ` --max-steps ${args.maxSteps}` : ''}${extra} --write`;
  const block = [
    start,
    `**${args.dataset}** — ${report.users} held-out users, ${report.updates} on-device updates; model \`${relative(REPO, resolve(args.model))}\` (${report.modelVersion}); ` +
      `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (load ${loadavg()[0]!.toFixed(1)}), ${report.seconds.toFixed(0)} s. Command: \`${cmd}\``,
    '',
    md,
    end,
  ].join('\n');
  const i = doc.indexOf(start),
    j = doc.indexOf(end);
  if (i >= 0 && j > i) doc = doc.slice(0, i) + block + doc.slice(j + end.length);
  else {
    const marker = '<!-- adapter-study:end -->';
    const k = doc.indexOf(marker);
    if (k < 0) throw new Error('docs/benchmarks.md has no adapter-study section (<!-- adapter-study:end --> marker)');
    doc = `${doc.slice(0, k) + block}\n\n${doc.slice(k)}`;
  }
  writeFileSync(path, doc);
}

await main();
