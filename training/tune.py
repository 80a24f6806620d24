"""Low-noise comparison of training options on the candidate-protocol datasets (MovieLens, LastFM).

The official validation sets are tiny (94 / 122 cases), so options are first compared on an *inner*
validation set built from training data only: `--holdout-users N` train users are removed from training,
and up to `--per-user` cases are cut from each of their sequences (history = up to 10 preceding items,
next = the item, 20 candidates = the true item + 19 drawn uniformly from the items not in the history,
5 sets — the same construction as val.jsonl). The official validation figures are printed as well.

    training/.venv/bin/python -m training.tune --dataset lastfm --seeds 0,1 --configs "base=;wd=--weight-decay 0.1"

Each config is `npm run train -- --dataset X --holdout-users N <config args> --seed S`; no export (torch
scores). One JSON line per run is appended to training/runs/tune.jsonl.

    training/.venv/bin/python -m training.tune --dataset movielens --seeds 0,1 --configs "base=" \
        --heads "count=--cooc-rank 32;ease=--cooc-kind ease --cooc-rank 64 --cooc-lambda 1000 --cooc-weight 10"

`--heads` compares co-occurrence heads (training/cooc.py; computed after training) on each trained
model instead of retraining it per head: every head spec's --cooc-* args override the config's, and the
row's config is `<config>+<head>`.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from . import train as T
from .data import REPO, ValCase, load_dataset
from .evaluate import evaluate_scorer


def inner_cases(name: str, held: list[str], per_user: int, min_hist: int, seed: int) -> list[ValCase]:
    ds = load_dataset(name)
    rng = np.random.default_rng(seed + 3000)
    held_set = set(held)
    all_items = np.arange(1, ds.n_items + 1)
    cases = []
    for u, s in zip(ds.users, ds.train, strict=False):
        if u not in held_set or len(s) < 2:
            continue
        lo = min(min_hist, len(s) - 1)
        ts = np.arange(lo, len(s))
        ts = rng.choice(ts, min(per_user, len(ts)), replace=False)
        for t in sorted(ts.tolist()):
            h = s[max(0, t - 10) : t]
            x = int(s[t])
            if x in set(h.tolist()):
                continue
            pool = np.setdiff1d(all_items, np.append(h, x))
            cands = np.stack([np.append(rng.choice(pool, 19, replace=False), x) for _ in range(5)])
            cases.append(ValCase(history=h, next=x, candidates=cands))
    return cases


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--configs", required=True, help='"name=args;name2=args2"')
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--holdout-users", type=int, default=150)
    ap.add_argument("--per-user", type=int, default=10)
    ap.add_argument("--heads", help='"name=--cooc-* args;..." heads evaluated on each trained model')
    ap.add_argument("--min-hist", type=int, help="default: 10 for movielens, 1 otherwise (as in val.jsonl)")
    a = ap.parse_args(argv)
    min_hist = a.min_hist if a.min_hist is not None else (10 if a.dataset == "movielens" else 1)
    out = REPO / "training" / "runs" / "tune.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for spec in a.configs.split(";"):
        name, _, args = spec.partition("=")
        for seed in [int(s) for s in a.seeds.split(",")]:
            # the same held-out users / inner cases for every seed and config
            argv_t = [
                "--dataset",
                a.dataset,
                "--holdout-users",
                str(a.holdout_users),
                "--no-export",
                "--eval-every",
                "0",
                *args.split(),
                "--seed",
                str(seed),
            ]
            targs = T.parse_args(argv_t)
            held = T.pick_holdout_users(a.dataset, a.holdout_users, 0)
            t0 = time.time()
            model, ds, info = T.train(targs, log=lambda *_: None)
            seconds = round(time.time() - t0, 1)
            cases = inner_cases(a.dataset, held, a.per_user, min_hist, 0)
            heads = [(None, None)] if not a.heads else [h.partition("=")[::2] for h in a.heads.split(";")]
            for head, head_args in heads:
                if head is not None:
                    T.attach_head(model, ds, T.parse_args(argv_t + head_args.split()))
                inner_all = evaluate_scorer(T.torch_scorer(model), ds, cases)
                val_all = evaluate_scorer(T.torch_scorer(model), ds)
                inner, val = inner_all["candidates"], val_all["candidates"]
                row = {
                    "dataset": a.dataset,
                    "config": name if head is None else f"{name}+{head}",
                    "args": args if head is None else f"{args} {head_args}".strip(),
                    "seed": seed,
                    "inner_cases": len(cases),
                    "inner_hr1": round(inner["hr1_mean"], 4),
                    "inner_ndcg5": round(inner["ndcg5_mean"], 4),
                    "val_hr1": round(val["hr1_mean"], 4),
                    "val_ndcg5": round(val["ndcg5_mean"], 4),
                    # full-catalogue ranking of the same cases (what the page's recommendations are)
                    "inner_full_hr10": round(inner_all["full"]["hr10"], 4),
                    "inner_full_ndcg10": round(inner_all["full"]["ndcg10"], 4),
                    "val_full_hr10": round(val_all["full"]["hr10"], 4),
                    "val_full_ndcg10": round(val_all["full"]["ndcg10"], 4),
                    "seconds": seconds,
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
                rows.append(row)
                with open(out, "a") as f:
                    f.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)
    print(
        "\n| config | args | seeds | inner HR@1 (cases) | inner NDCG@5 | inner full HR@10 / NDCG@10 | val HR@1 | s/run |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    for name in dict.fromkeys(r["config"] for r in rows):
        rs = [r for r in rows if r["config"] == name]
        ih, iv = np.array([r["inner_hr1"] for r in rs]), np.array([r["val_hr1"] for r in rs])
        print(
            f"| {name} | `{rs[0]['args']}` | {len(rs)} | {ih.mean():.4f} ± {ih.std():.4f} ({rs[0]['inner_cases']}) "
            f"| {np.mean([r['inner_ndcg5'] for r in rs]):.4f} "
            f"| {np.mean([r.get('inner_full_hr10', np.nan) for r in rs]):.4f} / {np.mean([r.get('inner_full_ndcg10', np.nan) for r in rs]):.4f} "
            f"| {iv.mean():.4f} ± {iv.std():.4f} "
            f"| {np.mean([r['seconds'] for r in rs]):.0f} |"
        )


if __name__ == "__main__":
    main()
