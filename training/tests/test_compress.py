"""training/compress.py: the 36-byte item-table schemes on random tokens (no model needed)."""

import numpy as np

from training.compress import int4_lloyd, int4_pq, parallel_scale, reconstruct, train_pq


def _tokens(n=3000, d=16, seed=0):
    rng = np.random.default_rng(seed)
    t = (rng.standard_normal((n, d)) * rng.gamma(2.0, 0.5, (n, 1))).astype(np.float32)
    t[0] = 0  # the pad row
    return t


def test_score_aware_scale_makes_the_residual_orthogonal_to_the_token():
    t = _tokens()
    cb, codes, s = train_pq(t, 8, norm=True, iters=5, seed=0)
    before = reconstruct(cb, codes, s)
    sp = parallel_scale(t, cb, codes, s)
    after = reconstruct(cb, codes, sp)
    par_before = np.abs(((before - t) * t).sum(1))[1:]
    par_after = np.abs(((after - t) * t).sum(1))[1:]
    assert par_before.mean() > 1e-3
    np.testing.assert_allclose(par_after, 0, atol=1e-4 * (t * t).sum(1)[1:].max())
    assert np.all(after[0] == 0)  # the pad token stays exactly zero


def test_lloyd_levels_beat_uniform_int4_and_keep_the_pad_zero():
    t = _tokens()
    cb_u, c_u, s_u = int4_pq(t)
    cb_l, c_l, s_l = int4_lloyd(t)
    mse_u = ((reconstruct(cb_u, c_u, s_u) - t) ** 2).sum(1).mean()
    mse_l = ((reconstruct(cb_l, c_l, s_l) - t) ** 2).sum(1).mean()
    assert mse_l < mse_u
    assert c_l.shape == c_u.shape == (len(t), t.shape[1] // 2)
    assert np.all(reconstruct(cb_l, c_l, s_l)[0] == 0)


def test_exact_rows_are_marked_in_the_scales_and_stored_after_them():
    import struct

    import pytest

    from training.compress import popular_rows, pq_blob

    t = _tokens(n=50, d=8)
    cb, codes, s = train_pq(t, 4, norm=True, iters=3, seed=0)
    rows = popular_rows(
        np.array([5, 1, 9, 9, 0] + [0] * 44, dtype=float), 0.06
    )  # 3 rows: items 3, 4 (tied, lower first), 1
    assert rows.tolist() == [1, 3, 4]
    q = np.arange(3 * 8, dtype=np.int8).reshape(3, 8)
    es = np.array([0.5, 0.25, 0.125], np.float32)
    blob, spec = pq_blob(cb, codes, s, (rows, q, es))
    assert spec["exactRows"] == 3 and spec["exactScaleOffset"] % 4 == 0
    scales = np.frombuffer(blob, "<f4", count=50, offset=spec["scaleOffset"])
    assert scales[[1, 3, 4]].tolist() == [-1.0, -2.0, -3.0]
    assert np.all(scales[[0, 2] + list(range(5, 50))] >= 0)
    assert np.frombuffer(blob, np.int8, count=24, offset=spec["exactOffset"]).tolist() == q.ravel().tolist()
    assert list(struct.unpack_from("<3f", blob, spec["exactScaleOffset"])) == es.tolist()
    with pytest.raises(ValueError, match="distinct item rows"):
        pq_blob(cb, codes, s, (np.array([0, 2, 3]), q, es))
    with pytest.raises(ValueError, match="distinct item rows"):
        pq_blob(cb, codes, s, (np.array([2, 2, 3]), q, es))
    with pytest.raises(ValueError, match="per-row scales"):
        pq_blob(cb, codes, None, (rows, q, es))
