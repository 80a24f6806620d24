"""Train on a shop's own data: ingest -> serving-like split -> model and baselines on the same cases ->
report -> final fit on every event -> the page's folder (docs/your-data.md).

The split mimics serving: a share of users is held out entirely (the model has never seen them, as
with a new visitor in a page) and only their events in the final time window are targets, each with
everything the visitor did before it as the history. The other users' events in that window are
not trained on either, so nothing from the future leaks into the selection model.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import Dataset, ValCase, right_align
from .ingest import (
    InputError,
    Interactions,
    Items,
    build_interactions,
    hash_features,
    load_config,
    read_events,
    read_items,
)

HIST_BUCKETS = [(1, 1, "1"), (2, 4, "2-4"), (5, 19, "5-19"), (20, 10**9, "20+")]
SHIPPED = ["manifest.json", "model.onnx", "items.bin", "encoder.onnx", "catalog.json"]


# -- progress ------------------------------------------------------------------------------------------
def progress(it, label: str, stream=None):
    """A small progress bar on stderr (one line at the end when stderr is not a terminal)."""
    stream = stream or sys.stderr
    try:
        total = len(it)
    except TypeError:
        total = None
    tty = stream.isatty()
    t0 = last = time.time()
    i = 0
    for i, x in enumerate(it, start=1):
        yield x
        now = time.time()
        if tty and now - last > 0.2:
            last = now
            if total:
                fill = int(30 * i / total)
                stream.write(f"\r  {label} [{'#' * fill}{'.' * (30 - fill)}] {i}/{total} {now - t0:.0f}s")
            else:
                stream.write(f"\r  {label} {i} {now - t0:.0f}s")
            stream.flush()
    end = f"  {label}: {i}{'/' + str(total) if total else ''} done in {time.time() - t0:.1f}s"
    stream.write(("\r" + end + " " * 10 + "\n") if tty else end + "\n")
    stream.flush()


# -- data ----------------------------------------------------------------------------------------------
def make_dataset(
    name: str,
    items: Items,
    seqs: list[np.ndarray],
    buckets: int,
    max_features: int,
    weights: list[np.ndarray] | None = None,
) -> Dataset:
    ds = Dataset(name, items.ids, items.title, items.category, items.year, seqs, [], "full")
    ds.index = {x: i + 1 for i, x in enumerate(items.ids)}
    ds.features = hash_features(items.features, buckets, max_features) if buckets > 0 else None
    ds.weights = weights
    extra = {}
    for key, field in (
        ("images", "image"),
        ("prices", "price"),
        ("currencies", "currency"),
        ("urls", "url"),
        ("brands", "brand"),
        ("availability", "availability"),
    ):
        vals = items.fields[field]
        if any(v is not None for v in vals):
            extra[key] = vals
    ds.catalog_extra = extra
    return ds


@dataclass
class Split:
    train: list[np.ndarray]
    train_times: list[np.ndarray]
    train_weights: list[np.ndarray]
    cases: list[ValCase]
    info: dict


def split(
    inter: Interactions, holdout_frac: float = 0.1, window_frac: float = 0.1, max_cases_per_user: int = 5, seed: int = 0
) -> Split:
    """Held-out users + a final time window (module docstring). `window_frac`: the share of all events
    (by time) in the final window."""
    all_t = np.concatenate(inter.times)
    cutoff = float(np.quantile(all_t, 1 - window_frac)) if len(all_t) > 1 else float(all_t[0])
    rng = np.random.default_rng(seed + 3000)
    # held-out users are drawn among those with a target in the window and some history before it
    eligible = [u for u, t in enumerate(inter.times) if (t > cutoff).any() and len(t) >= 2]
    n_hold = max(1, int(round(holdout_frac * len(inter.seqs)))) if eligible else 0
    held = set(rng.choice(eligible, size=min(n_hold, len(eligible)), replace=False).tolist()) if eligible else set()
    train, tt, tw, cases = [], [], [], []
    skipped_in_history = 0
    for u, (s, t, w) in enumerate(zip(inter.seqs, inter.times, inter.weights, strict=True)):
        before = t <= cutoff
        if u not in held:
            if before.sum() >= 1:
                train.append(s[before])
                tt.append(t[before])
                tw.append(w[before])
            continue
        n_cases = 0
        for k in range(1, len(s)):
            if t[k] <= cutoff or n_cases >= max_cases_per_user:
                continue
            hist = s[:k]
            if s[k] in set(hist.tolist()):
                skipped_in_history += 1  # a return to a seen item: the widget never recommends those
                continue
            cases.append(ValCase(history=hist[-50:], next=int(s[k]), candidates=None))
            n_cases += 1
    if not cases:
        raise InputError(
            "events",
            "too few events to hold out a test window (need users with events before and in "
            "the last 10% of the time range); use --no-eval to train without a report",
        )
    info = {
        "cutoff": cutoff,
        "heldOutUsers": len(held),
        "trainUsers": len(train),
        "cases": len(cases),
        "casesSkippedSeenTarget": skipped_in_history,
        "windowFrac": window_frac,
        "holdoutFrac": holdout_frac,
    }
    return Split(train, tt, tw, cases, info)


# -- baselines -----------------------------------------------------------------------------------------
def baselines(sp: Split, n_items: int, log=print) -> dict:
    """name -> scorer(history batch [B, L]) -> [B, N + 1]; all from the training part of the split."""
    n = n_items + 1
    pop = np.zeros(n, np.float64)
    for s, w in zip(sp.train, sp.train_weights, strict=True):
        np.add.at(pop, s, w)
    pop[0] = 0
    tmax = max(float(t.max()) for t in sp.train_times if len(t))
    tmin = min(float(t.min()) for t in sp.train_times if len(t))
    recent_from = tmax - 0.2 * (tmax - tmin)
    rpop = np.zeros(n, np.float64)
    for s, t, w in zip(sp.train, sp.train_times, sp.train_weights, strict=True):
        m = t >= recent_from
        np.add.at(rpop, s[m], w[m])
    rpop += 1e-6 * pop  # older popularity breaks ties among items not seen lately
    out = {
        "popularity": lambda h: np.broadcast_to(pop, (h.shape[0], n)).copy(),
        "recent popularity": lambda h: np.broadcast_to(rpop, (h.shape[0], n)).copy(),
    }
    tie = 1e-6 * pop / max(pop.max(), 1.0)
    if n <= 12000:
        T = np.zeros((n, n), np.float32)
        for s in sp.train:
            if len(s) > 1:
                np.add.at(T, (s[:-1], s[1:]), 1.0)
        T[0] = 0

        def transitions(h):
            sc = np.zeros((h.shape[0], n), np.float32)
            for k in range(min(3, h.shape[1])):  # the last three items, the latest counting most
                sc += 0.5**k * T[h[:, -1 - k]]
            return sc + tie

        out["item-to-item transitions"] = transitions
        X = np.zeros((len(sp.train), n), np.float32)
        for i, s in enumerate(sp.train):
            X[i, s] = 1.0
        X[:, 0] = 0
        C = X.T @ X
        upop = np.maximum(X.sum(0), 1.0)
        Cn = C * upop[None, :] ** -0.5
        np.fill_diagonal(Cn, 0.0)
        Cn[0] = 0

        def onehot(h):
            # the histories as item-indicator rows (the pad column zero)
            H = np.zeros((h.shape[0], n), np.float32)
            np.put_along_axis(H, h, 1.0, axis=1)
            H[:, 0] = 0
            return H

        def cooc(h):
            return onehot(h) @ Cn + tie

        out["co-occurrence"] = cooc
        if n <= 4000:
            P = np.linalg.inv(C.astype(np.float64) + 200.0 * np.eye(n))
            B = (-P / np.diag(P)[None, :]).astype(np.float32)
            np.fill_diagonal(B, 0.0)
            B[0] = 0

            def ease(h):
                return onehot(h) @ B + tie

            out["EASE (lambda 200)"] = ease
        else:
            log(f"EASE skipped: {n_items} items (it inverts an items x items matrix; used up to 4,000 items)")
    else:
        log(f"transitions, co-occurrence and EASE skipped: {n_items} items (dense items x items matrices)")
    return out


# -- evaluation ----------------------------------------------------------------------------------------
def rank_cases(
    scorer, cases: list[ValCase], n_items: int, batch: int = 256, prog=None
) -> tuple[np.ndarray, np.ndarray]:
    """(rank of the target per case, 0 = first; ties count against the target), top-10 item indices per case."""
    ranks, tops = [], []
    chunks = range(0, len(cases), batch)
    for b in prog(chunks, "evaluation") if prog else chunks:
        chunk = cases[b : b + batch]
        sc = np.asarray(scorer(right_align([c.history for c in chunk])), np.float64)
        for c, s in zip(chunk, sc, strict=True):
            s = s.copy()
            s[0] = -np.inf
            s[c.history] = -np.inf
            t = s[c.next]
            ranks.append(int((s > t).sum() + (s == t).sum() - 1))
            tops.append(np.argpartition(-s, 10)[:10] if len(s) > 11 else np.argsort(-s)[:10])
    return np.array(ranks), np.array(tops)


def case_metrics(ranks: np.ndarray) -> dict:
    return {"hr10": (ranks < 10).astype(float), "ndcg10": np.where(ranks < 10, 1.0 / np.log2(ranks + 2.0), 0.0)}


def bootstrap(values: dict[str, np.ndarray], ref: str, n_boot: int = 1000, seed: int = 0) -> dict:
    """95% intervals of each ranker's mean and of `ref` minus each (paired: the same resampled cases)."""
    rng = np.random.default_rng(seed)
    m = len(values[ref])
    idx = rng.integers(0, m, size=(n_boot, m))
    out = {}
    for name, v in values.items():
        means = v[idx].mean(1)
        res = {"mean": float(v.mean()), "lo": float(np.quantile(means, 0.025)), "hi": float(np.quantile(means, 0.975))}
        if name != ref:
            d = (values[ref] - v)[idx].mean(1)
            res["lead"] = float((values[ref] - v).mean())
            res["lead_lo"], res["lead_hi"] = float(np.quantile(d, 0.025)), float(np.quantile(d, 0.975))
        out[name] = res
    return out


def evaluate_all(rankers: dict, cases: list[ValCase], n_items: int, prog=None) -> dict:
    per = {}
    for name, fn in rankers.items():
        r, tops = rank_cases(fn, cases, n_items, prog=prog if name == "model" else None)
        per[name] = {"ranks": r, "coverage": len(np.unique(tops)) / n_items}
    hl = np.array([len(c.history) for c in cases])
    res = {"cases": len(cases), "rankers": {}}
    for metric in ("ndcg10", "hr10"):
        vals = {k: case_metrics(v["ranks"])[metric] for k, v in per.items()}
        ci = bootstrap(vals, "model")
        for k in per:
            res["rankers"].setdefault(k, {"coverage": per[k]["coverage"]})[metric] = ci[k]
    for k in per:
        by = {}
        for lo, hi, label in HIST_BUCKETS:
            m = (hl >= lo) & (hl <= hi)
            if m.any():
                cm = case_metrics(per[k]["ranks"][m])
                by[label] = {
                    "cases": int(m.sum()),
                    "hr10": float(cm["hr10"].mean()),
                    "ndcg10": float(cm["ndcg10"].mean()),
                }
        res["rankers"][k]["byHistory"] = by
    return res


# -- report --------------------------------------------------------------------------------------------
def verdict(res: dict) -> str:
    r = res["rankers"]
    others = [k for k in r if k != "model"]
    m = r["model"]["ndcg10"]["mean"]
    best = max(others, key=lambda k: r[k]["ndcg10"]["mean"])
    b = lead = r[best]["ndcg10"]
    sure = all(r[k]["ndcg10"]["lead_lo"] > 0 for k in others)
    rel = f"{(m / b['mean'] - 1) * 100:+.0f}%" if b["mean"] > 0 else "n/a"
    if m > b["mean"]:
        head = (
            "**The model beats every baseline**" if sure else "**The model leads every baseline, but not beyond doubt**"
        )
        return (
            f"{head} on NDCG@10: {m:.4f} vs {b['mean']:.4f} for the best baseline ({best}), "
            f"a lead of {lead['lead']:+.4f} ({rel}; paired 95% CI {lead['lead_lo']:+.4f} to {lead['lead_hi']:+.4f}), "
            f"on {res['cases']} held-out cases."
        )
    return (
        f"**The model does not beat every baseline**: NDCG@10 {m:.4f} vs {b['mean']:.4f} for {best} "
        f"({lead['lead']:+.4f}; paired 95% CI {lead['lead_lo']:+.4f} to {lead['lead_hi']:+.4f}) on {res['cases']} "
        "held-out cases. Consider shipping that baseline's behaviour or adding data."
    )


def svg_chart(res: dict) -> str:
    """Horizontal bars of NDCG@10 and HR@10 per ranker with their 95% intervals."""
    r = res["rankers"]
    names = list(r)
    vmax = max(max(r[k][m]["hi"] for k in names) for m in ("ndcg10", "hr10")) or 1.0
    W, left, bar, gap = 720, 190, 12, 10
    H = 40 + len(names) * (2 * bar + gap) + 30
    scale = (W - left - 60) / vmax
    o = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="#fff"/>',
        f'<text x="{left}" y="18" font-weight="bold">NDCG@10 (dark) and HR@10 (light), 95% bootstrap intervals, '
        f"{res['cases']} cases</text>",
    ]
    y = 34
    for k in names:
        o.append(f'<text x="{left - 8}" y="{y + bar + 4}" text-anchor="end">{k}</text>')
        for m, color in (("ndcg10", "#1f5f8b"), ("hr10", "#8fc1e3")):
            v = r[k][m]
            o.append(f'<rect x="{left}" y="{y}" width="{v["mean"] * scale:.1f}" height="{bar}" fill="{color}"/>')
            o.append(
                f'<line x1="{left + v["lo"] * scale:.1f}" x2="{left + v["hi"] * scale:.1f}" y1="{y + bar / 2}" '
                f'y2="{y + bar / 2}" stroke="#222"/>'
            )
            o.append(
                f'<text x="{left + v["hi"] * scale + 4:.1f}" y="{y + bar - 2}" font-size="10">{v["mean"]:.3f}</text>'
            )
            y += bar
        y += gap
    o.append(f'<line x1="{left}" x2="{left}" y1="30" y2="{y}" stroke="#222"/>')
    o.append("</svg>")
    return "\n".join(o) + "\n"


def report_md(res: dict, sp_info: dict, stats: dict, command: str) -> str:
    r = res["rankers"]
    lines = [
        verdict(res),
        "",
        "# Training report",
        "",
        f"Command: `{command}`",
        "",
        "## How this was measured",
        "",
        f"Serving-like split: {sp_info['heldOutUsers']} users held out entirely (never trained on); the last "
        f"{sp_info['windowFrac']:.0%} of the events by time are the test window (no user's events in it are "
        f"trained on). Each held-out user's events in the window are the cases (up to 5 per user), the history "
        f"being everything that user did before. {sp_info['cases']} cases; {sp_info['casesSkippedSeenTarget']} "
        "returns to an already seen item are not cases (the widget never recommends seen items). "
        "Every ranker scores the whole catalogue minus the history; ties count against the target. "
        "Intervals: 1,000 bootstrap resamples of the cases; the lead is paired (the same resampled cases).",
        "",
        "The shipped files are a **refit**: the same settings trained again on every event (all users, all times).",
        "",
        "![figures](report.svg)",
        "",
        "## Figures (held-out cases)",
        "",
        "| ranker | NDCG@10 [95% CI] | HR@10 [95% CI] | coverage | model's NDCG@10 lead [paired 95% CI] |",
        "|---|---|---|---|---|",
    ]
    for k, v in r.items():
        n, h = v["ndcg10"], v["hr10"]
        lead = "—" if k == "model" else f"{n['lead']:+.4f} [{n['lead_lo']:+.4f}, {n['lead_hi']:+.4f}]"
        lines.append(
            f"| {k} | {n['mean']:.4f} [{n['lo']:.4f}, {n['hi']:.4f}] | {h['mean']:.4f} [{h['lo']:.4f}, "
            f"{h['hi']:.4f}] | {v['coverage']:.1%} | {lead} |"
        )
    lines += [
        "",
        "Coverage: the share of the catalogue that appears in at least one top-10 list.",
        "",
        "## By history length (NDCG@10, cases in brackets)",
        "",
    ]
    labels = [lb for _, _, lb in HIST_BUCKETS if lb in r["model"]["byHistory"]]
    lines.append("| ranker | " + " | ".join(f"{lb} ({r['model']['byHistory'][lb]['cases']})" for lb in labels) + " |")
    lines.append("|---" * (len(labels) + 1) + "|")
    for k, v in r.items():
        lines.append(f"| {k} | " + " | ".join(f"{v['byHistory'][lb]['ndcg10']:.4f}" for lb in labels) + " |")
    lines += ["", "## Data", "", "```", json.dumps(stats, indent=1, ensure_ascii=False), "```", ""]
    return "\n".join(lines)


# -- the whole run -------------------------------------------------------------------------------------
def train_args(cfg: dict, cli: dict) -> list[str]:
    """training/train.py options: the config's `train` table, then the command line's."""
    argv = ["--dataset", "shop"]
    for k, v in {**cfg.get("train", {}), **{k: v for k, v in cli.items() if v is not None}}.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    return argv


def fmt_bytes(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def run(
    events: str,
    items_path: str,
    out: str,
    config: str | None = None,
    epochs: int | None = None,
    threads: int | None = None,
    seed: int = 0,
    evaluate: bool = True,
    command: str = "",
    name: str | None = None,
    log=print,
) -> dict:
    from . import train as T
    from .export import export_all

    t0 = time.time()
    cfg = load_config(config)
    out_dir = Path(out).resolve()
    log(f"reading {items_path}")
    items = read_items(items_path, cfg, progress)
    log(f"reading {events}")
    ev = read_events(events, cfg, progress)
    inter = build_interactions(ev, items, cfg, events)
    if len(items.ids) < 2:
        raise InputError(items_path, f"has {len(items.ids)} item; a recommender needs at least 2")
    if inter.stats["users"] < 2 and evaluate:
        raise InputError(events, "has events of one user only; a recommender learns from many visitors")
    if inter.stats["unknownItemEvents"]:
        log(
            f"note: {inter.stats['unknownItemEvents']} events name {inter.stats['unknownItems']} items that are not in "
            f"{Path(items_path).name} (e.g. {', '.join(inter.stats['unknownItemExamples'][:3])}); they are skipped"
        )
    a = T.parse_args(train_args(cfg, {"epochs": epochs, "threads": threads, "seed": seed}))
    a.eval_every = 0
    name = name or out_dir.name
    stats = {
        "events": {
            "rows": ev.stats["rows"],
            "used": len(ev.users),
            "skipped": ev.stats["skipped"],
            "unknownEventTypes": ev.stats["unknownEventTypes"],
            "columns": ev.stats["columns"],
        },
        "items": {
            "rows": len(items.ids),
            "columns": items.stats["roles"],
            "featureColumns": items.stats["featureColumns"],
        },
        "interactions": inter.stats,
    }
    summary = {"stats": stats}
    sel_meta = None
    report = None
    if evaluate:
        sp = split(inter, seed=seed)
        log(
            f"split: {sp.info['trainUsers']} training users, {sp.info['heldOutUsers']} held out, {sp.info['cases']} cases"
        )
        ds = make_dataset(name, items, sp.train, a.buckets, a.max_features, sp.train_weights)
        model, ds, info = T.train(a, log=log, ds=ds, progress=progress)
        rankers = {"model": T.torch_scorer(model), **baselines(sp, len(items.ids), log)}
        res = evaluate_all(rankers, sp.cases, len(items.ids), prog=progress)
        report = report_md(res, sp.info, stats, command)
        summary["selection"] = res
        sel_meta = {
            "split": sp.info,
            "cases": res["cases"],
            **{
                k: {
                    "ndcg10": round(v["ndcg10"]["mean"], 4),
                    "hr10": round(v["hr10"]["mean"], 4),
                    "coverage": round(v["coverage"], 4),
                }
                for k, v in res["rankers"].items()
            },
        }
        log(verdict(res).replace("**", ""))
    # the final fit: every event of every user, with the selection run's settings
    a = T.parse_args(train_args(cfg, {"epochs": epochs, "threads": threads, "seed": seed}))
    a.eval_every = 0
    ds_all = make_dataset(name, items, inter.seqs, a.buckets, a.max_features, inter.weights)
    log(f"final fit on all {inter.stats['interactions']} interactions of {inter.stats['users']} users")
    model, ds_all, info = T.train(a, log=log, ds=ds_all, progress=progress)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    build = tmp / "build"
    shutil.rmtree(tmp, ignore_errors=True)
    extra = {
        "training": {
            "seconds": info["train_seconds"],
            "params": info["params"],
            "seed": seed,
            "epochs": a.epochs,
            "variant": a.variant,
        },
        "refit": {
            "allEvents": True,
            "users": inter.stats["users"],
            "interactions": inter.stats["interactions"],
            "note": "the shipped files are the final fit on every event; eval.selection is the selection "
            "model's figures on the held-out split",
        },
    }
    evaluate_fn = (lambda d: {"selection": sel_meta}) if sel_meta else None
    export_all(model, ds_all, build, command or "localrec train", evaluate_fn, extra)
    final = tmp / "out"
    final.mkdir()
    for f in SHIPPED:
        if (build / f).exists():
            shutil.copy2(build / f, final / f)
    if report is not None:
        (final / "report.md").write_text(report, encoding="utf-8")
        (final / "report.svg").write_text(svg_chart(summary["selection"]), encoding="utf-8")
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    final.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    files = {p.name: p.stat().st_size for p in sorted(out_dir.iterdir())}
    summary.update({"seconds": round(time.time() - t0, 1), "out": str(out_dir), "files": files})
    log("")
    log(
        f"done in {summary['seconds']:.0f}s: {stats['events']['rows']} events read, "
        f"{stats['events']['rows'] - stats['events']['used'] + inter.stats['unknownItemEvents']} skipped "
        f"({inter.stats['unknownItemEvents']} of unknown items), {inter.stats['users']} users, {len(items.ids)} items"
    )
    if sel_meta:
        m = sel_meta["model"]
        log(
            f"held-out figures (selection model): NDCG@10 {m['ndcg10']:.4f}, HR@10 {m['hr10']:.4f}, "
            f"coverage {m['coverage']:.1%} (report.md)"
        )
    for f, n in files.items():
        log(f"  {out_dir / f}  {fmt_bytes(n)}")
    return summary
