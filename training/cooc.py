"""The co-occurrence head: an item-item memory of the training data folded into the model's dot product.

Why: on LastFM a plain item co-occurrence ranker (score(x) = sum over history items h of the number of
training users who have both h and x, divided by pop(x)^alpha) ranks the validation cases far better
than the transformer, whose ID embeddings of rarely seen artists are weak (docs/benchmarks.md).

How it stays a dot product (the model contract: scores = dot(user, token)): with X the binary
users x items matrix of the training data, C = X^T X = V S^2 V^T, so with E = V_r S_r (rank r)
    cooc(x) = pop(x)^-alpha * sum_h C[h, x]  ~  (sum_h E_h) . (pop(x)^-alpha E_x).
Each item token gains r dimensions g_x = c * pop(x)^-alpha * E_x (c matches their size to the token's
for int8), the graph recovers E_h = g_h * w_h with w_h = pop(h)^alpha / c for the history items, and
the user vector gains weight / c * sum_h E_h, so that dot(user, token) = transformer score
+ weight * cooc(x). Items never seen in training (and the pad) get zero rows: no co-occurrence.
Computed after training from the same training sequences, deterministically (float64 SVD in torch).

kind="ease": the same low-rank form for EASE (Steck, WWW 2019), the closed-form item-item linear model
B = I - P diag(1/diag P) with P = (X^T X + lambda I)^-1 (zero diagonal). With X = U S V^T and sigma = S^2,
for h != x
    B[h, x] = -P[h, x] / P[x, x] = (sum_i V[h,i] V[x,i] sigma_i / (sigma_i + lambda)) / (lambda P[x, x]),
    lambda P[x, x] = 1 - sum_i V[x,i]^2 sigma_i / (sigma_i + lambda),
so E = V_r sqrt(sigma_r / (sigma_r + lambda)) (the co-occurrence spectrum shrunk, not raw) and the candidate
factor is 1 / (lambda P[x, x]) instead of pop(x)^-alpha: exact at full rank for every pair h != x (a
history item itself is never a candidate). alpha is unused.
"""

from __future__ import annotations

import numpy as np
import torch


def cooc_head(
    train: list[np.ndarray],
    n_items: int,
    rank: int,
    alpha: float,
    weight: float,
    tokens: torch.Tensor,
    kind: str = "count",
    lam: float = 0.0,
):
    """Returns (g [N+1, r] float32, w [N+1] float32, scale) for Recommender.attach_cooc.
    kind "count": score weight * pop(x)^-alpha * sum_h C[h, x]; kind "ease": weight * sum_h B[h, x]."""
    if kind not in ("count", "ease"):
        raise ValueError(f"unknown co-occurrence head kind {kind!r}")
    if kind == "ease" and not lam > 0:
        raise ValueError("the ease head needs lambda > 0")
    X = torch.zeros(len(train), n_items + 1, dtype=torch.float64)
    for i, s in enumerate(train):
        X[i, torch.from_numpy(np.unique(s))] = 1.0
    X[:, 0] = 0.0
    pop = X.sum(0)
    _, S, Vh = torch.linalg.svd(X, full_matrices=False)
    r = min(rank, S.shape[0])
    popc = pop.clamp(min=1.0)
    if kind == "count":
        E = (Vh[:r].T * S[:r]).contiguous()  # [N+1, r]; zero rows for items no training user has
        factor = popc.pow(-alpha)  # candidate side
    else:
        shrink = S.square() / (S.square() + lam)
        E = (Vh[:r].T * shrink[:r].sqrt()).contiguous()
        factor = 1.0 / (1.0 - (Vh.T.square() * shrink).sum(1))  # 1 / (lambda P[x, x]); 1 for unseen items
    raw = E * factor[:, None]
    # match the rows' size to the transformer tokens' (one int8 scale per row covers both parts)
    t_amax = tokens.detach().double().abs().amax(1)
    g_amax = raw.abs().amax(1)
    live = g_amax > 0
    c = float(t_amax[live].median() / g_amax[live].median()) if bool(live.any()) else 1.0
    g = (raw * c).float()
    w = (1.0 / (factor * c)).float()
    w[pop == 0] = 0.0
    return g, w, weight / c
