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
"""
from __future__ import annotations

import numpy as np
import torch


def cooc_head(train: list[np.ndarray], n_items: int, rank: int, alpha: float, weight: float, tokens: torch.Tensor):
    """Returns (g [N+1, r] float32, w [N+1] float32, scale) for Recommender.attach_cooc."""
    X = torch.zeros(len(train), n_items + 1, dtype=torch.float64)
    for i, s in enumerate(train):
        X[i, torch.from_numpy(np.unique(s))] = 1.0
    X[:, 0] = 0.0
    pop = X.sum(0)
    _, S, Vh = torch.linalg.svd(X, full_matrices=False)
    r = min(rank, S.shape[0])
    E = (Vh[:r].T * S[:r]).contiguous()  # [N+1, r]; zero rows for items no training user has
    popc = pop.clamp(min=1.0)
    raw = E * popc.pow(-alpha)[:, None]
    # match the rows' size to the transformer tokens' (one int8 scale per row covers both parts)
    t_amax = tokens.detach().double().abs().amax(1)
    g_amax = raw.abs().amax(1)
    live = g_amax > 0
    c = float(t_amax[live].median() / g_amax[live].median()) if bool(live.any()) else 1.0
    g = (raw * c).float()
    w = (popc.pow(alpha) / c).float()
    w[pop == 0] = 0.0
    return g, w, weight / c
