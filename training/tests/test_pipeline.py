"""Smoke run (train -> export -> evaluate) and torch / onnxruntime (python and node) parity."""

import hashlib
import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

from training.data import right_align
from training.evaluate import model_feeds
from training.features import featurise_catalog

from .conftest import run_node

LENGTHS = [1, 2, 10, 50]


def histories(ds, seed=0):
    rng = np.random.default_rng(seed)
    hs = [rng.integers(1, ds.n_items + 1, size=n) for n in LENGTHS]
    hs += [ds.val[0].history, ds.val[1].history]
    return hs


def torch_outputs(model, hist, gate_bias):
    with torch.no_grad():
        return [t.numpy() for t in model(torch.from_numpy(hist), torch.from_numpy(gate_bias))]


def top10_overlap(a, b):
    return float(
        np.mean(
            [len(set(np.argsort(-x[1:])[:10]) & set(np.argsort(-y[1:])[:10])) / 10 for x, y in zip(a, b, strict=True)]
        )
    )


def test_smoke_run_trains_exports_and_evaluates_quickly(smoke):
    d = smoke["dir"]
    assert smoke["seconds"] < 120, smoke["seconds"]
    for f in ["model.onnx", "model.fp32.onnx", "items.bin", "encoder.onnx", "catalog.json", "manifest.json"]:
        assert (d / f).exists(), f
    man = json.loads((d / "manifest.json").read_text())
    for entry in man["files"].values():
        data = (d / entry["path"]).read_bytes()
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert man["modelVersion"] == man["files"]["model"]["sha256"][:16]
    ev = man["eval"]["val"]
    assert ev["protocol"] == "candidates" and ev["rows"] == len(smoke["ds"].val) and 0 <= ev["hr1_mean"] <= 1
    hist = smoke["info"]["history"]
    assert hist[-1]["loss"] < hist[0]["loss"]


@pytest.mark.parametrize("runtime", ["python", "node"])
def test_fp32_parity_with_torch(smoke, runtime, tmp_path):
    model, ds, d = smoke["model"], smoke["ds"], smoke["dir"]
    K = model.cfg.n_experts
    for L in (1, 10, 50):  # the same histories, right-aligned to several lengths (length 1 keeps the last item)
        hs = [h[-L:] for h in histories(ds)]
        hist = right_align(hs, L)
        gb = np.random.default_rng(L).normal(size=(len(hs), K)).astype(np.float32)
        if L == 50:
            hist[-1] = 0  # an all-padding row must give finite outputs
        ref = torch_outputs(model, hist, gb)
        feeds = model_feeds(hist, gb)
        if runtime == "python":
            got = ort.InferenceSession(str(d / "model.fp32.onnx")).run(["scores", "user", "gate"], feeds)
        else:
            o = run_node(d / "model.fp32.onnx", feeds, ["scores", "user", "gate"], tmp_path)
            got = [o["scores"], o["user"], o["gate"]]
        for name, r, g in zip(("scores", "user", "gate"), ref, got, strict=True):
            assert g.shape == r.shape, name
            assert np.isfinite(g).all(), name
            assert np.abs(g - r).max() < 1e-4, (name, L, np.abs(g - r).max())
        assert np.allclose(got[2].sum(1), 1.0, atol=1e-5)


@pytest.mark.parametrize("runtime", ["python", "node"])
def test_int8_top10_overlap(smoke, runtime, tmp_path):
    model, ds, d = smoke["model"], smoke["ds"], smoke["dir"]
    hs = [c.history for c in ds.val[:40]]
    hist = right_align(hs, 10)
    gb = np.zeros((len(hs), model.cfg.n_experts), np.float32)
    ref = torch_outputs(model, hist, gb)[0]
    feeds = model_feeds(hist, gb)
    if runtime == "python":
        got = ort.InferenceSession(str(d / "model.onnx")).run(["scores"], feeds)[0]
    else:
        got = run_node(d / "model.onnx", feeds, ["scores"], tmp_path)["scores"]
    assert top10_overlap(ref, got) >= 0.95


def test_items_bin_layout_is_what_the_graph_scores(smoke):
    d = smoke["dir"]
    man = json.loads((d / "manifest.json").read_text())
    it = man["itemTable"]
    raw = (d / "items.bin").read_bytes()
    rows, dim = it["rows"], it["dim"]
    assert it["dataOffset"] == 0 and it["scaleOffset"] % 4 == 0 and it["scaleOffset"] >= rows * dim
    assert len(raw) == it["scaleOffset"] + 4 * rows
    q = np.frombuffer(raw, dtype=np.int8, count=rows * dim).reshape(rows, dim)
    s = np.frombuffer(raw, dtype="<f4", count=rows, offset=it["scaleOffset"])
    assert not q[0].any()
    tokens = q.astype(np.float32) * s[:, None]
    sess = ort.InferenceSession(str(d / "model.onnx"))
    hist = right_align([c.history for c in smoke["ds"].val[:8]])
    scores, user = sess.run(["scores", "user"], model_feeds(hist, np.zeros((8, man["experts"]), np.float32)))
    assert np.abs(scores[:, 1:] - user @ tokens[1:].T).max() < 1e-3 * max(1.0, np.abs(scores).max())
    # and they are the trained tokens (with the co-occurrence head's columns), quantised per row
    model = smoke["model"]
    ref = torch.cat([model.token_table(), model.cooc_g], 1).detach().numpy()
    assert dim == ref.shape[1] == man["dim"] == model.cfg.dim + man["cooc"]["rank"]
    assert np.abs(tokens - ref).max() <= (np.abs(ref).max(1) / 127 * 0.51 + 1e-7).max()


def test_encoder_gives_the_content_token(smoke, tmp_path):
    model, ds, d = smoke["model"], smoke["ds"], smoke["dir"]
    cfg = model.cfg
    feats = featurise_catalog(ds.titles[:20], ds.genres[:20], ds.years[:20], cfg.buckets, cfg.max_features)[1:]
    with torch.no_grad():
        ref = model.content_tokens(torch.from_numpy(feats)).numpy()
    fp32 = ort.InferenceSession(str(d / "encoder.fp32.onnx")).run(["token"], {"features": feats})[0]
    # a new item has no co-occurrence: the head's columns of its token are zero
    assert fp32.shape[1] == model.out_dim and not fp32[:, cfg.dim :].any()
    fp32 = fp32[:, : cfg.dim]
    assert np.abs(fp32 - ref).max() < 1e-4
    q = run_node(d / "encoder.onnx", {"features": feats}, ["token"], tmp_path)["token"][:, : cfg.dim]
    cos = (q * ref).sum(1) / np.linalg.norm(q, axis=1) / np.linalg.norm(ref, axis=1)
    assert cos.min() > 0.99


def test_cooc_head_adds_the_co_occurrence_score(smoke):
    """The exported graph adds the head's item-item score (exact at full rank, training/cooc.py): for kind
    "count" (the smoke model's) weight * pop(x)^-alpha * sum_h #users with both h and x, for kind "ease"
    weight * sum_h B[h, x] with EASE's B, on every item outside the history."""
    model, ds, d = smoke["model"], smoke["ds"], smoke["dir"]
    man = json.loads((d / "manifest.json").read_text())
    kind, weight = man["cooc"]["kind"], man["cooc"]["weight"]
    n = ds.n_items + 1
    X = np.zeros((len(ds.train), n))
    for i, s in enumerate(ds.train):
        X[i, np.unique(s)] = 1
    X[:, 0] = 0
    C, pop = X.T @ X, X.sum(0)
    if kind == "ease":
        P = np.linalg.inv(C + man["cooc"]["lambda"] * np.eye(n))
        M = -P / np.diag(P)[None, :]
    else:
        M = C * np.maximum(pop, 1) ** -man["cooc"]["alpha"]
    hs = [c.history for c in ds.val[:16]]
    hist = right_align(hs, 10)
    gb = np.zeros((len(hs), model.cfg.n_experts), np.float32)
    scores, user = ort.InferenceSession(str(d / "model.fp32.onnx")).run(["scores", "user"], model_feeds(hist, gb))
    with torch.no_grad():
        t = model.token_table().numpy()
    base = user[:, : model.cfg.dim] @ t.T
    want = weight * np.stack([M[np.asarray(h)].sum(0) for h in hs])
    got = scores - base
    for row, h in enumerate(hs):  # a history item is never a candidate (EASE's diagonal is not modelled)
        got[row, np.asarray(h)] = want[row, np.asarray(h)] = 0
    assert np.abs(got[:, 1:] - want[:, 1:]).max() < 1e-3 * max(1.0, np.abs(want).max())
