"""Train, export and evaluate a model:  npm run train -- --dataset movielens [options]

Training: full-softmax cross-entropy over the catalogue at every position of random windows of
each user's sequence (SASRec+ recipe), a share of short windows so that the candidate protocol's
<= 10-item histories are served well, ID dropout so content-only tokens work, fixed seeds.
iLoRA schedule: `joint` (experts + gate trained with the backbone from the start) or `two-stage`
(backbone first, then only the experts + gate with the backbone frozen).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .cooc import cooc_head
from .data import REPO, Dataset, ValCase, load_dataset, read_users, right_align
from .evaluate import evaluate_dir, evaluate_scorer, manifest_eval
from .export import export_all
from .features import featurise_catalog
from .model import ModelConfig, Recommender

DEFAULTS = {  # per dataset, chosen on validation data (docs/benchmarks.md)
    "movielens": dict(
        epochs=30,
        batch=128,
        buckets=4096,
        dropout=0.3,
        lr=2e-3,
        short_frac=0.3,
        windows=2.0,
        negatives=0,
        cooc_rank=32,
        cooc_alpha=0.7,
        cooc_weight=0.25,
        cooc_kind="count",
        cooc_lambda=0.0,
        weight_decay=0.01,
    ),
    "lastfm": dict(
        epochs=30,
        batch=64,
        buckets=8192,
        dropout=0.3,
        lr=2e-3,
        short_frac=0.3,
        windows=2.0,
        negatives=0,
        cooc_rank=48,
        cooc_alpha=0.7,
        cooc_weight=2.0,
        cooc_kind="count",
        cooc_lambda=0.0,
        weight_decay=0.01,
    ),
    "beauty": dict(
        epochs=30,
        batch=256,
        buckets=0,
        dropout=0.3,
        lr=2e-3,
        short_frac=0.0,
        windows=1.0,
        negatives=8192,
        cooc_rank=0,
        cooc_alpha=0.7,
        cooc_weight=1.0,
        cooc_kind="count",
        cooc_lambda=0.0,
        weight_decay=0.4,
    ),
}


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="npm run train --")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--variant", choices=["backbone", "lora", "ilora"], default="ilora")
    ap.add_argument("--schedule", choices=["joint", "two-stage"], default="joint")
    ap.add_argument("--finetune-epochs", type=int, default=10, help="second stage of --schedule two-stage")
    ap.add_argument("--no-content", action="store_true", help="ID embeddings only")
    ap.add_argument(
        "--holdout-items", type=float, default=0.0, help="fraction of items removed from training (cold-start study)"
    )
    ap.add_argument(
        "--holdout-users",
        type=int,
        default=0,
        help="remove this many train.jsonl users (uniform, seeded) before training; ids -> <out>/holdout-users.json",
    )
    ap.add_argument(
        "--holdout-seed", type=int, default=0, help="seed of the --holdout-users draw (independent of --seed)"
    )
    ap.add_argument("--out", help="default public/models/<dataset>")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--max-train-users", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=256)
    ap.add_argument("--max-len", type=int, default=50)
    ap.add_argument("--experts", type=int, default=4)
    ap.add_argument("--rank", type=int, default=4)
    ap.add_argument("--lora-targets", default="qkvo,ffn")
    ap.add_argument("--buckets", type=int)
    ap.add_argument("--max-features", type=int, default=16)
    ap.add_argument("--dropout", type=float)
    ap.add_argument("--id-dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--weight-decay", type=float)
    ap.add_argument("--batch", type=int)
    ap.add_argument(
        "--negatives", type=int, help="sampled softmax with this many shared uniform negatives (0 = full softmax)"
    )
    ap.add_argument("--short-frac", type=float, help="share of windows with a random length of 2..11")
    ap.add_argument("--reverse-frac", type=float, default=0.0, help="share of training windows reversed (augmentation)")
    ap.add_argument("--windows", type=float, help="windows per user per epoch, per max-len items of the sequence")
    ap.add_argument("--cooc-rank", type=int, help="rank of the co-occurrence head (training/cooc.py; 0 = none)")
    ap.add_argument("--cooc-alpha", type=float, help="co-occurrence head: candidate popularity exponent")
    ap.add_argument("--cooc-weight", type=float, help="co-occurrence head: weight of its score")
    ap.add_argument(
        "--cooc-kind",
        choices=["count", "ease"],
        help="co-occurrence head: raw co-occurrence counts over pop^alpha, or EASE's item-item weights",
    )
    ap.add_argument("--cooc-lambda", type=float, help="co-occurrence head of kind ease: EASE's L2 weight lambda")
    ap.add_argument(
        "--ema",
        type=float,
        default=0.0,
        help="keep an exponential moving average of the weights with this decay per step (0 = off); "
        "evaluation and export use the average",
    )
    ap.add_argument("--eval-every", type=int, default=5)
    ap.add_argument(
        "--eval-users", type=int, default=4000, help="val cases used for the per-epoch check (final eval uses all)"
    )
    ap.add_argument("--threads", type=int, default=int(os.environ.get("LOCALREC_THREADS", "2")))
    ap.add_argument("--log", help="write the training log (JSON) here")
    a = ap.parse_args(argv)
    for k, v in DEFAULTS.get(a.dataset, DEFAULTS["movielens"]).items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if a.no_content:
        a.buckets = 0
    return a


def make_windows(
    train: list[np.ndarray],
    max_len: int,
    rng: np.random.Generator,
    windows: float,
    short_frac: float,
    reverse_frac: float = 0.0,
):
    """Random contiguous windows (length >= 2); the first per user ends at the sequence end.
    A share `reverse_frac` of the windows is reversed (augmentation for order-poor data)."""
    out = []
    for s in train:
        n = len(s)
        if n < 2:
            continue
        count = max(1, int(round(windows * math.ceil(n / max_len))))
        for w in range(count):
            end = n if w == 0 else int(rng.integers(2, n + 1))
            length = int(rng.integers(2, 12)) if rng.random() < short_frac else max_len + 1
            win = s[max(0, end - length) : end]
            if reverse_frac > 0 and rng.random() < reverse_frac:
                win = win[::-1].copy()
            out.append(win)
    return out


class Ema:
    """Exponential moving average of a model's floating-point state (decay per optimiser step, with
    the usual warm-up min(decay, (1 + t) / (10 + t)) so early steps are not frozen in)."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay, self.steps = decay, 0
        self.shadow = {k: v.detach().clone() for k, v in model.state_dict().items() if v.dtype.is_floating_point}

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        self.steps += 1
        d = min(self.decay, (1 + self.steps) / (10 + self.steps))
        state = model.state_dict()
        for k, v in self.shadow.items():
            v.mul_(d).add_(state[k], alpha=1 - d)

    @torch.no_grad()
    def swap(self, model: torch.nn.Module) -> None:
        """Exchange the model's weights and the average (call twice to undo)."""
        state = model.state_dict()
        for k, v in self.shadow.items():
            tmp = state[k].clone()
            state[k].copy_(v)
            v.copy_(tmp)


def train_epoch(
    model: Recommender,
    wins: list,
    rng: np.random.Generator,
    opt,
    sched,
    params: list,
    batch: int,
    negatives: int,
    keep_fn=None,
    ema: Ema | None = None,
) -> float:
    """One epoch over the training windows `wins`; returns the mean loss. Batches hold windows of
    similar length, each padded to its own longest window (right alignment and relative positions
    make the padding length irrelevant), in random order. `keep_fn()` gives the ID-dropout mask."""
    model.train()
    order = np.lexsort((rng.random(len(wins)), [len(w) for w in wins]))
    batches = [order[b : b + batch] for b in range(0, len(order), batch)]
    tot, nb = 0.0, 0
    for bi in rng.permutation(len(batches)):
        ws = [wins[i] for i in batches[bi]]
        x = torch.from_numpy(right_align([w[:-1] for w in ws]))
        y = torch.from_numpy(right_align([w[1:] for w in ws]))
        keep = keep_fn() if keep_fn else None
        loss = model.loss(x, y, keep, negatives)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if ema is not None:
            ema.update(model)
        tot += loss.item()
        nb += 1
    return tot / max(nb, 1)


def pick_holdout_users(name: str, n: int, seed: int) -> list[str]:
    """`n` train.jsonl user ids drawn uniformly without replacement (seeded), in file order."""
    users = read_users(name)
    if not 0 < n < len(users):
        raise ValueError(f"--holdout-users must be between 1 and {len(users) - 1}")
    idx = np.random.default_rng(seed + 2000).choice(len(users), n, replace=False)
    return [users[i] for i in sorted(idx)]


def holdout_split(ds: Dataset, frac: float, seed: int):
    """Remove a random fraction of the trained-on items from training; cold cases from train users."""
    rng = np.random.default_rng(seed + 1000)
    pop = ds.popularity()
    seen = np.nonzero(pop[1:])[0] + 1
    held = set(rng.choice(seen, size=int(round(frac * len(seen))), replace=False).tolist())
    is_held = np.zeros(ds.n_items + 1, bool)
    is_held[list(held)] = True
    new_train, cold = [], []
    for s in ds.train:
        keep = s[~is_held[s]]
        new_train.append(keep)
        hist: list[int] = []
        for x in s.tolist():
            if is_held[x]:
                if hist:
                    cold.append((np.array(hist[-10:], dtype=np.int64), x))
            else:
                hist.append(x)
    # one case per (held item, user occurrence), capped for time
    rng.shuffle(cold)
    cold = cold[:3000]
    cases, cases_cold = [], []
    all_items = np.arange(1, ds.n_items + 1)
    held_items = np.array(sorted(held))
    for h, x in cold:
        pool = np.setdiff1d(all_items, np.append(h, x))
        cands = np.stack([np.append(rng.choice(pool, 19, replace=False), x) for _ in range(5)])
        cases.append(ValCase(history=h, next=int(x), candidates=cands))
        # the same case ranked among 19 other held-out (never-trained) items only
        cpool = np.setdiff1d(held_items, np.append(h, x))
        cands = np.stack([np.append(rng.choice(cpool, 19, replace=False), x) for _ in range(5)])
        cases_cold.append(ValCase(history=h, next=int(x), candidates=cands))
    return new_train, is_held, (cases, cases_cold)


def torch_scorer(model: Recommender):
    model.eval()
    with torch.no_grad():
        table = model.token_table()

    def score(hist: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(hist), None, table)[0].numpy()

    return score


def summary(res: dict) -> str:
    parts = []
    if "candidates" in res:
        c = res["candidates"]
        parts.append(f"HR@1 {c['hr1_mean']:.4f}±{c['hr1_std']:.4f} NDCG@5 {c['ndcg5_mean']:.4f}")
    f = res["full"]
    parts.append(f"full HR@10 {f['hr10']:.4f} NDCG@10 {f['ndcg10']:.4f} HR@1 {f['hr1']:.4f}")
    return " | ".join(parts)


def train(a, log=print, ds: Dataset | None = None, progress=None) -> tuple[Recommender, Dataset, dict]:
    """`ds`: data already loaded (a shop's own files, training/pipeline.py) instead of `a.dataset`;
    its optional `features` ([N + 1, max_features] buckets) replace the title/genre/year featurisation."""
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(a.seed)
    t0 = time.time()

    held_users = pick_holdout_users(a.dataset, a.holdout_users, a.holdout_seed) if a.holdout_users else []
    if ds is None:
        ds = load_dataset(a.dataset, a.max_len, set(held_users))
    if a.max_train_users:
        ds.train = ds.train[: a.max_train_users]
        if ds.protocol == "full":
            ds.val = ds.val[: a.max_train_users]
    cold_cases, is_held = None, None
    if a.holdout_items > 0:
        ds.train, is_held, cold_cases = holdout_split(ds, a.holdout_items, a.seed)
    pop = ds.popularity()
    has_id = torch.from_numpy(pop > 0)
    use_content = a.buckets > 0 and ds.has_content
    if not use_content:
        a.buckets = 0
        has_id = torch.ones(ds.n_items + 1, dtype=torch.bool)  # ID-only: every item keeps its (maybe untrained) ID
    feats = None
    if use_content:
        pre = getattr(ds, "features", None)
        feats = torch.from_numpy(
            pre if pre is not None else featurise_catalog(ds.titles, ds.genres, ds.years, a.buckets, a.max_features)
        )
    cfg = ModelConfig(
        n_items=ds.n_items,
        dim=a.dim,
        layers=a.layers,
        heads=a.heads,
        ffn=a.ffn,
        max_len=a.max_len,
        variant=a.variant,
        experts=a.experts,
        rank=a.rank,
        dropout=a.dropout,
        id_dropout=a.id_dropout,
        buckets=a.buckets,
        max_features=a.max_features,
        lora_targets=a.lora_targets,
    )
    model = Recommender(cfg, feats, has_id)
    n_params = sum(p.numel() for p in model.parameters())
    log(
        f"{a.dataset}: {ds.n_items} items, {len(ds.train)} train users ({len(held_users)} held out), {len(ds.val)} val cases, "
        f"{n_params} params, content={use_content}, variant={a.variant}, schedule={a.schedule}"
    )

    val_sub = ds.val
    if len(val_sub) > a.eval_users:
        idx = np.random.default_rng(123).choice(len(val_sub), a.eval_users, replace=False)
        val_sub = [ds.val[i] for i in sorted(idx)]

    def is_adapter(name: str) -> bool:
        return name.endswith(".A") or name.endswith(".B") or name.startswith("gate.")

    stages = [("joint", a.epochs, lambda n: True)]
    if a.schedule == "two-stage" and a.variant != "backbone":
        stages = [("backbone", a.epochs, lambda n: not is_adapter(n)), ("adapters", a.finetune_epochs, is_adapter)]
    history = []
    ep_total = 0
    ema = Ema(model, a.ema) if a.ema > 0 else None
    for stage, epochs, trainable in stages:
        params = []
        for n, p in model.named_parameters():
            p.requires_grad_(trainable(n))
            if p.requires_grad:
                params.append(p)
        decay = [p for p in params if p.dim() >= 2]
        no_decay = [p for p in params if p.dim() < 2]
        opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=a.lr,
            betas=(0.9, 0.98),
        )
        est_steps = max(
            1,
            epochs
            * math.ceil(
                len(make_windows(ds.train, a.max_len, np.random.default_rng(0), a.windows, a.short_frac)) / a.batch
            ),
        )
        warm = min(100, est_steps // 10 + 1)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt,
            lambda s, warm=warm, est_steps=est_steps: (
                min(1.0, (s + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / est_steps))))
            ),
        )
        keep_fn = None
        if use_content and a.id_dropout > 0:
            keep_fn = lambda: (torch.rand(ds.n_items + 1) >= a.id_dropout).float()  # noqa: E731
        for ep in progress(range(epochs), f"epochs ({stage})") if progress else range(epochs):
            wins = make_windows(ds.train, a.max_len, rng, a.windows, a.short_frac, a.reverse_frac)
            loss = train_epoch(model, wins, rng, opt, sched, params, a.batch, a.negatives, keep_fn, ema)
            ep_total += 1
            rec = {"epoch": ep_total, "stage": stage, "loss": loss, "time": round(time.time() - t0, 1)}
            if a.eval_every and ds.val and (ep_total % a.eval_every == 0 or ep == epochs - 1):
                if ema is not None:
                    ema.swap(model)
                rec["val"] = evaluate_scorer(torch_scorer(model), ds, val_sub)
                if ema is not None:
                    ema.swap(model)
                log(f"ep {ep_total:3d} [{stage}] loss {rec['loss']:.4f} {rec['time']:.0f}s  {summary(rec['val'])}")
            else:
                log(f"ep {ep_total:3d} [{stage}] loss {rec['loss']:.4f} {rec['time']:.0f}s")
            history.append(rec)
    if ema is not None:
        ema.swap(model)  # the averaged weights are the model from here on
    model.eval()
    if a.cooc_rank > 0:
        attach_head(model, ds, a)
        if ds.val:
            log(f"co-occurrence head: {head_meta(a)}; val {summary(evaluate_scorer(torch_scorer(model), ds, val_sub))}")
    info = {
        "train_seconds": round(time.time() - t0, 1),
        "params": n_params,
        "history": history,
        "config": cfg.to_dict(),
        "holdout_users": held_users,
    }
    if cold_cases is not None:
        info["cold"] = cold_start_report(model, ds, cold_cases, pop)
        log("cold-start: " + json.dumps(info["cold"]))
    return model, ds, info


def head_meta(a) -> dict:
    """manifest.cooc's description of the head (docs/model-format.md)."""
    if a.cooc_kind == "ease":
        return {"kind": "ease", "lambda": a.cooc_lambda, "weight": a.cooc_weight}
    return {"kind": "count", "alpha": a.cooc_alpha, "weight": a.cooc_weight}


@torch.no_grad()
def attach_head(model: Recommender, ds: Dataset, a) -> None:
    """The co-occurrence head (training/cooc.py) of the args, computed from the training sequences;
    rank 0 removes any head (the transformer alone)."""
    if a.cooc_rank <= 0:
        model.cooc_g = None
        return
    model.attach_cooc(
        *cooc_head(
            ds.train,
            ds.n_items,
            a.cooc_rank,
            a.cooc_alpha,
            a.cooc_weight,
            model.token_table(),
            kind=a.cooc_kind,
            lam=a.cooc_lambda,
        ),
        meta=head_meta(a),
    )


def cold_start_report(model: Recommender, ds: Dataset, cases: tuple, pop: np.ndarray) -> dict:
    """Held-out items as the true next item: among 20 candidates of any items, and among 20 held-out items."""
    rng = np.random.default_rng(7)
    popf = pop.astype(np.float32) + rng.random(len(pop)).astype(np.float32) * 1e-3  # random tie-break
    mixed, cold = cases
    res = {"cases": len(mixed)}
    for tag, cs in (("", mixed), (" vs cold", cold)):
        res["model" + tag] = evaluate_scorer(torch_scorer(model), ds, cs)
        res["popularity" + tag] = evaluate_scorer(lambda h: np.tile(popf, (h.shape[0], 1)), ds, cs)
        res["random" + tag] = evaluate_scorer(
            lambda h: rng.random((h.shape[0], ds.n_items + 1)).astype(np.float32), ds, cs
        )
    return res


def export_and_evaluate(model: Recommender, ds: Dataset, info: dict, a, argv: list[str]) -> dict:
    """Export to --out (default public/models/<dataset>), evaluate int8 and fp32 with onnxruntime."""
    out = Path(a.out) if a.out else REPO / "public" / "models" / a.dataset
    try:
        rel = str(out.resolve().relative_to(REPO))
    except ValueError:
        rel = str(out)
    results = {}

    def evaluate_fn(d: Path):
        results["int8"] = evaluate_dir(d, ds)
        results["fp32"] = evaluate_dir(d, ds, fp32=True)
        return manifest_eval(results["int8"], ds, rel)

    t1 = time.time()
    manifest = export_all(
        model,
        ds,
        out,
        "npm run train -- " + " ".join(argv),
        evaluate_fn,
        extra={
            "training": {
                "seconds": info["train_seconds"],
                "params": info["params"],
                "variant": a.variant,
                "schedule": a.schedule,
                "seed": a.seed,
                "holdoutUsers": len(info.get("holdout_users", [])),
            }
        },
    )
    if info.get("holdout_users"):
        (out / "holdout-users.json").write_text(json.dumps(info["holdout_users"]) + "\n", encoding="utf-8")
    info["export_eval"] = results
    info["sizes"] = {k: v["bytes"] for k, v in manifest["files"].items()}
    print(f"exported to {out} in {time.time() - t1:.0f}s; sizes {info['sizes']} total {sum(info['sizes'].values())}")
    print("int8:", summary(results["int8"]))
    print("fp32:", summary(results["fp32"]))
    return manifest


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    a = parse_args(argv)
    model, ds, info = train(a)
    if not a.no_export:
        export_and_evaluate(model, ds, info, a, argv)
    info["args"] = vars(a)
    log_path = Path(a.log) if a.log else REPO / "training" / "runs" / f"{a.dataset}-{a.variant}-{int(time.time())}.json"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(json.dumps(info, indent=1, default=str))
    torch.save(
        {"config": model.cfg.to_dict(), "state": model.state_dict(), "args": vars(a)}, log_path.with_suffix(".pt")
    )
    print(f"log: {log_path}")
    return model, ds, info


if __name__ == "__main__":
    main()
