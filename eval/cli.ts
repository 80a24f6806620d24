/**
 * Offline evaluation CLI:
 *
 *   npm run eval -- --model public/models/<name> --data <file.jsonl> [--batch 256] [--limit N]
 *                   [--fp32] [--leave-last] [--dump FILE] [--threads N] [--ort-default]
 *
 * Progress and malformed-line reports go to stderr; the last line of stdout is one JSON object
 * with the figures (see eval/lib/evaluate.ts for the protocols and the unknown-id rules).
 * Exit code 0 on success, 1 on an error (bad model folder, integrity mismatch...), 2 on bad usage.
 */
import { evaluate, type EvalOptions } from './lib/evaluate';

const USAGE = `usage: npm run eval -- --model public/models/<name> --data <file.jsonl> [options]
  --batch N       rows per inference call (default 256)
  --limit N       evaluate only the first N well-formed rows
  --fp32          run model.fp32.onnx (training build product) instead of the int8 model.onnx
  --leave-last    train.jsonl rows: split each user's last item off as the target
  --dump FILE     write per-row top-10 model indices (history removed) as JSON lines
  --threads N     onnxruntime-node intra-op threads (default: onnxruntime's choice)
  --ort-default   do not set qdq_matmulnbits_accuracy_level=0 (lets node quantise activations)
  --adapt         replay each row's history through the on-device adapter (item by item, the
                  browser's code) before predicting next
  --adapter-options JSON   adapter options for --adapt, e.g. '{"lr":0.05,"steps":2}'`;

class UsageError extends Error {}

function parseArgs(argv: string[]): EvalOptions {
  const o: Partial<EvalOptions> = {};
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min)
      throw new UsageError(`${name} needs an integer ≥ ${min}, got ${v ?? 'nothing'}`);
    return n;
  };
  const val = (name: string, v: string | undefined): string => {
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const next = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--model':
        o.model = val(flag, next());
        break;
      case '--data':
        o.data = val(flag, next());
        break;
      case '--batch':
        o.batch = int(flag, next(), 1);
        break;
      case '--limit':
        o.limit = int(flag, next(), 0);
        break;
      case '--threads':
        o.threads = int(flag, next(), 1);
        break;
      case '--dump':
        o.dump = val(flag, next());
        break;
      case '--fp32':
        o.fp32 = true;
        break;
      case '--leave-last':
        o.leaveLast = true;
        break;
      case '--ort-default':
        o.exactQdq = false;
        break;
      case '--adapt':
        o.adapt = true;
        break;
      case '--adapter-options': {
        const v = val(flag, next());
        try {
          o.adapterOptions = JSON.parse(v) as EvalOptions['adapterOptions'];
        } catch {
          throw new UsageError(`--adapter-options needs a JSON object, got ${v}`);
        }
        break;
      }
      case '--help':
      case '-h':
        console.log(USAGE);
        // `return`: process.exit never returns, which the switch's fall-through check cannot see
        return process.exit(0);
      default:
        throw new UsageError(`unknown argument ${a}`);
    }
  }
  if (!o.model) throw new UsageError('--model is required');
  if (!o.data) throw new UsageError('--data is required');
  return o as EvalOptions;
}

async function main(): Promise<void> {
  let opts: EvalOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`eval: ${e.message}\n${USAGE}`);
      process.exit(2);
    }
    throw e;
  }
  opts.progress = (msg) => process.stderr.write(`eval: ${msg}\n`);
  try {
    const report = await evaluate(opts);
    const c = report.candidates,
      f = report.full;
    if (c)
      console.error(
        `eval: candidates: ${report.candidateRows} rows, HR@1 ${c.hr1_mean.toFixed(4)} ± ${c.hr1_std.toFixed(4)} (${c.sets} sets), NDCG@5 ${c.ndcg5_mean.toFixed(4)}`,
      );
    if (f)
      console.error(
        `eval: full ranking: ${report.rows} rows${report.candidateRows ? ' (also reported for candidate rows)' : ''}, HR@10 ${f.hr10.toFixed(4)}, NDCG@10 ${f.ndcg10.toFixed(4)}, HR@1 ${f.hr1.toFixed(4)}`,
      );
    if (report.adapt)
      console.error(`eval: adapter: ${report.adapt.updates} updates learned, ${report.adapt.refused} refused`);
    console.error(
      `eval: ${report.rows} rows in ${report.seconds.toFixed(1)} s; unknown ids: history ${report.unknown.historyIds}, next ${report.unknown.next}, candidates ${report.unknown.candidateIds}; malformed lines ${report.malformedLines}`,
    );
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } catch (e) {
    console.error(`eval: error: ${(e as Error).message}`);
    process.exit(1);
  }
}

await main();
