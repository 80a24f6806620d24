import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
NODE_RUNNER = Path(__file__).with_name("ort_node_run.mjs")


def run_node(model: Path, feeds: dict, fetches: list[str], tmp: Path) -> dict:
    """Run `model` with onnxruntime-node; feeds: name -> numpy array."""
    dtypes = {np.dtype(np.int64): "int64", np.dtype(np.float32): "float32", np.dtype(bool): "bool"}
    spec = {
        "feeds": {
            k: {"dtype": dtypes[v.dtype], "dims": list(v.shape), "data": v.reshape(-1).tolist()}
            for k, v in feeds.items()
        },
        "fetches": fetches,
    }
    i, o = tmp / "node_in.json", tmp / "node_out.json"
    i.write_text(json.dumps(spec))
    subprocess.run(["node", str(NODE_RUNNER), str(model), str(i), str(o)], check=True, cwd=REPO, timeout=120)
    out = json.loads(o.read_text())
    return {k: np.array(v["data"], dtype=np.float32).reshape(v["dims"]) for k, v in out.items()}


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """A tiny MovieLens model: trained, exported (fp32 + int8 + encoder + manifest) and evaluated, with
    the co-occurrence head (training/cooc.py)."""
    from training import train as T

    out = tmp_path_factory.mktemp("smoke_model")
    log = out / "log.json"
    # with the co-occurrence head; its rank (64) exceeds the 40 training users, so it is exact
    argv = [
        "--dataset",
        "movielens",
        "--max-train-users",
        "40",
        "--epochs",
        "2",
        "--eval-every",
        "1",
        "--buckets",
        "1024",
        "--cooc-rank",
        "64",
        "--out",
        str(out),
        "--log",
        str(log),
    ]
    t0 = time.time()
    model, ds, info = T.main(argv)
    return {"dir": out, "model": model, "ds": ds, "info": info, "seconds": time.time() - t0}
