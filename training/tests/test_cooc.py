"""The co-occurrence head's two kinds against their definitions, at full rank (training/cooc.py)."""

import numpy as np
import pytest
import torch

from training.cooc import cooc_head


def data(seed=0, users=30, items=40):
    rng = np.random.default_rng(seed)
    train = [rng.choice(np.arange(1, items + 1), rng.integers(2, 12), replace=False) for _ in range(users)]
    X = np.zeros((users, items + 1))
    for i, s in enumerate(train):
        X[i, s] = 1
    return train, X, torch.from_numpy(rng.normal(size=(items + 1, 8)))


def head_scores(train, n, hist, **kw):
    """What the graph adds to the scores: (scale * sum_h w_h g_h) . g_x (model.forward)."""
    g, w, scale = cooc_head(train, n, rank=10_000, tokens=data()[2], **kw)
    g, w = g.double().numpy(), w.double().numpy()
    user = scale * (g[hist] * w[hist, None]).sum(0)
    return g @ user


def test_count_head_is_the_popularity_normalised_co_occurrence():
    train, X, _ = data()
    C, pop = X.T @ X, X.sum(0)
    hist = np.array([3, 7, 11])
    got = head_scores(train, 40, hist, alpha=0.7, weight=2.0)
    want = 2.0 * C[hist].sum(0) * np.maximum(pop, 1) ** -0.7
    live = pop > 0
    assert np.allclose(got[live], want[live], rtol=1e-5, atol=1e-6)
    assert np.abs(got[~live]).max() < 1e-9  # the pad and unseen items: no co-occurrence


@pytest.mark.parametrize("lam", [5.0, 50.0])
def test_ease_head_is_ease_off_the_diagonal(lam):
    train, X, _ = data(1)
    n = 40
    P = np.linalg.inv(X.T @ X + lam * np.eye(n + 1))
    B = -P / np.diag(P)[None, :]  # B[h, x] = -P[h, x] / P[x, x] (Steck 2019), diagonal irrelevant here
    hist = np.array([2, 5, 9, 14])
    got = head_scores(train, n, hist, alpha=0.7, weight=3.0, kind="ease", lam=lam)
    want = 3.0 * B[hist].sum(0)
    pop = X.sum(0)
    cand = np.setdiff1d(np.nonzero(pop)[0], hist)
    assert np.allclose(got[cand], want[cand], rtol=1e-5, atol=1e-8)
    assert np.abs(want[cand]).max() > 1e-3  # not a trivially zero comparison


def test_ease_head_needs_a_lambda():
    train, _, t = data()
    with pytest.raises(ValueError):
        cooc_head(train, 40, 8, 0.7, 1.0, t, kind="ease", lam=0.0)
    with pytest.raises(ValueError):
        cooc_head(train, 40, 8, 0.7, 1.0, t, kind="other")
