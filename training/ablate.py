"""Ablations for docs/benchmarks.md: each configuration is trained, exported (int8) and evaluated.

    training/.venv/bin/python -m training.ablate --dataset movielens --runs backbone,lora,ilora --seeds 0,1,2
    training/.venv/bin/python -m training.ablate --dataset lastfm --runs cold --epochs 15

Results are appended (one JSON line per run) to training/runs/ablations.jsonl and the table of the
runs of this invocation is printed as markdown. Every run is `npm run train -- <args>` with the
arguments shown in the table.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from . import train as T
from .data import REPO

RUNS = {
    "backbone": ["--variant", "backbone"],
    "lora": ["--variant", "lora"],
    "ilora": ["--variant", "ilora"],
    "ilora-2stage": ["--variant", "ilora", "--schedule", "two-stage"],
    "lora-2stage": ["--variant", "lora", "--schedule", "two-stage"],
    "id-only": ["--variant", "ilora", "--no-content"],
    "cold": ["--variant", "ilora", "--holdout-items", "0.1"],
    "cold-id-only": ["--variant", "ilora", "--holdout-items", "0.1", "--no-content"],
}


def metrics(res: dict) -> dict:
    out = {}
    if "candidates" in res:
        c = res["candidates"]
        out.update(hr1=c["hr1_mean"], hr1_std=c["hr1_std"], ndcg5=c["ndcg5_mean"])
    f = res["full"]
    out.update(hr10=f["hr10"], ndcg10=f["ndcg10"], fhr1=f["hr1"])
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--runs", default="backbone,lora,ilora")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--extra", default="", help="more train arguments, space-separated")
    a = ap.parse_args(argv)
    rows = []
    results = REPO / "training" / "runs" / "ablations.jsonl"
    results.parent.mkdir(parents=True, exist_ok=True)
    for name in a.runs.split(","):
        for seed in [int(s) for s in a.seeds.split(",")]:
            args = ["--dataset", a.dataset, *RUNS[name], "--seed", str(seed)]
            if a.epochs:
                args += ["--epochs", str(a.epochs)]
            args += a.extra.split()
            out = REPO / "training" / "runs" / "abl" / f"{a.dataset}-{name}-s{seed}"
            t0 = time.time()
            _, _, info = T.main(args + ["--out", str(out), "--log", str(out / "log.json"), "--eval-every", "0"])
            row = {
                "dataset": a.dataset,
                "run": name,
                "seed": seed,
                "args": " ".join(args),
                "seconds": round(time.time() - t0),
                "int8": metrics(info["export_eval"]["int8"]),
                "fp32": metrics(info["export_eval"]["fp32"]),
                "sizes": info["sizes"],
            }
            if "cold" in info:
                row["cold"] = {k: metrics(v) for k, v in info["cold"].items() if k != "cases"}
                row["cold"]["cases"] = info["cold"]["cases"]
            with open(results, "a") as f:
                f.write(json.dumps(row) + "\n")
            rows.append(row)
    print(table(rows))


def table(rows: list[dict]) -> str:
    keys = [k for k in ("hr1", "ndcg5", "hr10", "ndcg10") if k in rows[0]["int8"]]
    lines = [
        "| run | seeds | " + " | ".join(f"{k} (int8)" for k in keys) + " | fp32 " + keys[0] + " | train args |",
        "|---" * (len(keys) + 4) + "|",
    ]
    by = {}
    for r in rows:
        by.setdefault(r["run"], []).append(r)
    for name, rs in by.items():
        cells = []
        for k in keys:
            v = np.array([r["int8"][k] for r in rs])
            cells.append(f"{v.mean():.4f}" + (f" ± {v.std():.4f}" if len(v) > 1 else ""))
        fp = np.mean([r["fp32"][keys[0]] for r in rs])
        lines.append(
            f"| {name} | {','.join(str(r['seed']) for r in rs)} | "
            + " | ".join(cells)
            + f" | {fp:.4f} | `{rs[0]['args'].replace(' --seed ' + str(rs[0]['seed']), '')}` |"
        )
        if "cold" in rs[0]:
            for who in ("model", "popularity", "random", "model vs cold", "random vs cold"):
                c = rs[0]["cold"][who]
                lines.append(
                    f"| &nbsp;&nbsp;cold items ({rs[0]['cold']['cases']} cases): {who} | | "
                    + " | ".join(f"{c[k]:.4f}" for k in keys)
                    + " | | |"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
