"""What the training data alone supports on the candidate protocol (MovieLens, LastFM): classic
collaborative rankers over the same training sequences, on the same validation cases, next to the
shipped model. A ceiling check for the HR@1 targets, not a model we ship.

    training/.venv/bin/python -m training.baselines --dataset lastfm

Rankers (X = the binary users x items training matrix, C = X^T X, pop = column sums of X; the
history h is a set, as in the co-occurrence head):
- popularity: pop(x) (random is 1/20 = 0.05 by construction);
- item co-occurrence: sum_h C[h, x] / pop(x)^alpha (full rank; the head of training/cooc.py at rank r is
  its low-rank form);
- EASE (Steck 2019): sum_h B[h, x], B = I - P diag(1/diag P), P = (C + lambda I)^-1;
- user kNN: sum_u |h & u| / |u|^beta * X[u, x] / pop(x)^alpha (every training user a neighbour).
Prints a markdown table (HR@1 and NDCG@5, mean +- std over the 5 candidate sets).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from .data import REPO, load_dataset
from .evaluate import evaluate_scorer


def item_scorer(M: np.ndarray):
    """score(x) = sum over the history items h (pad 0 excluded) of M[h, x]."""
    M = M.copy()
    M[0] = 0.0

    def score(hist: np.ndarray) -> np.ndarray:
        return M[hist].sum(1)

    return score


def rankers(train: list[np.ndarray], n_items: int):
    n = n_items + 1
    X = np.zeros((len(train), n))
    for i, s in enumerate(train):
        X[i, np.unique(s)] = 1.0
    X[:, 0] = 0.0
    pop = X.sum(0)
    popc = np.maximum(pop, 1.0)
    C = X.T @ X
    yield "popularity", "pop(x)", lambda hist: np.broadcast_to(pop, (hist.shape[0], n)).copy()
    for alpha in (0.5, 0.7, 0.9):
        yield "item co-occurrence", f"alpha {alpha}", item_scorer(C * popc[None, :] ** -alpha)
    for lam in (50.0, 200.0, 500.0, 1000.0):
        P = np.linalg.inv(C + lam * np.eye(n))
        B = -P / np.diag(P)[None, :]
        np.fill_diagonal(B, 0.0)
        yield "EASE", f"lambda {lam:g}", item_scorer(B)
    ulen = np.maximum(X.sum(1), 1.0)
    for beta, alpha in ((0.5, 0.5), (1.0, 0.5), (0.5, 0.0)):

        def score(hist: np.ndarray, beta=beta, alpha=alpha) -> np.ndarray:
            H = np.zeros((hist.shape[0], n))
            np.put_along_axis(H, hist, 1.0, axis=1)
            H[:, 0] = 0.0
            sim = (H @ X.T) / ulen[None, :] ** beta
            return (sim @ X) * popc[None, :] ** -alpha

        yield "user kNN", f"beta {beta}, alpha {alpha}", score


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", required=True, choices=["movielens", "lastfm"])
    a = ap.parse_args(argv)
    ds = load_dataset(a.dataset)
    print("| ranker | setting | HR@1 (mean ± std over 5 sets) | NDCG@5 |\n|---|---|---|---|")
    for name, setting, fn in rankers(ds.train, ds.n_items):
        c = evaluate_scorer(fn, ds)["candidates"]
        print(f"| {name} | {setting} | {c['hr1_mean']:.4f} ± {c['hr1_std']:.4f} | {c['ndcg5_mean']:.4f} |", flush=True)
    man = json.loads((REPO / "public" / "models" / a.dataset / "manifest.json").read_text())
    v = man["eval"]["val"]
    print(
        f"| shipped model (int8, manifest) | `public/models/{a.dataset}` | {v['hr1_mean']:.4f} ± {v['hr1_std']:.4f} "
        f"| {v['ndcg5_mean']:.4f} |"
    )


if __name__ == "__main__":
    main()
