"""The shipped models in public/models: integrity, budgets, contract, feature test vectors."""

import hashlib
import json

import numpy as np
import onnxruntime as ort
import pytest

from training import features as F
from training.evaluate import model_feeds

from .conftest import REPO

BUDGETS = {"movielens": 1_000_000, "lastfm": 1_500_000, "beauty": 6_000_000}
SHIPPED = [n for n in BUDGETS if (REPO / "public" / "models" / n / "manifest.json").exists()]


@pytest.mark.parametrize("name", SHIPPED)
def test_manifest_files_and_budget(name):
    d = REPO / "public" / "models" / name
    man = json.loads((d / "manifest.json").read_text())
    total = 0
    for key, entry in man["files"].items():
        data = (d / entry["path"]).read_bytes()
        assert len(data) == entry["bytes"], key
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], key
        total += len(data)
    total += (d / "manifest.json").stat().st_size
    assert total <= BUDGETS[name], total
    assert man["modelVersion"] == man["files"]["model"]["sha256"][:16]
    assert man["format"] == "localrec-model" and man["formatVersion"] == 1 and man["padId"] == 0
    n1 = man["itemCount"] + 1
    assert man["outputs"]["scores"]["shape"] == ["batch", n1]
    it = man["itemTable"]
    assert it["rows"] == n1 and it["dataOffset"] == 0 and it["scaleOffset"] % 4 == 0
    assert man["files"]["items"]["bytes"] == it["scaleOffset"] + 4 * n1
    cat = json.loads((d / "catalog.json").read_text())
    assert all(len(cat[k]) == man["itemCount"] for k in ("ids", "titles", "genres", "years", "popularity"))
    assert "val" in man["eval"]


@pytest.mark.parametrize("name", SHIPPED)
def test_content_test_vectors(name):
    man = json.loads((REPO / "public" / "models" / name / "manifest.json").read_text())
    c = man["content"]
    if c is None:
        assert "encoder" not in man["files"]
        return
    assert len(c["testVectors"]) >= 5
    for v in c["testVectors"]:
        assert F.featurise(v["title"], v["genres"], v["year"], c["buckets"], c["maxFeatures"]) == v["features"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_runs(name):
    d = REPO / "public" / "models" / name
    man = json.loads((d / "manifest.json").read_text())
    sess = ort.InferenceSession(str(d / "model.onnx"))
    hist = np.zeros((3, 5), np.int64)
    hist[0, -1] = 1
    hist[1] = [1, 2, 3, 4, 5]
    scores, user, gate = sess.run(
        ["scores", "user", "gate"], model_feeds(hist, np.zeros((3, man["experts"]), np.float32))
    )
    assert (
        scores.shape == (3, man["itemCount"] + 1)
        and user.shape == (3, man["dim"])
        and gate.shape == (3, man["experts"])
    )
    assert np.isfinite(scores).all() and np.allclose(gate.sum(1), 1, atol=1e-5)
    if man["content"]:
        enc = ort.InferenceSession(str(d / "encoder.onnx"))
        feats = np.array([man["content"]["testVectors"][0]["features"]], np.int64)
        (tok,) = enc.run(["token"], {"features": feats})
        assert tok.shape == (1, man["dim"]) and np.isfinite(tok).all()
