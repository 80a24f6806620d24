"""Evaluation of exported models with onnxruntime (or of any scoring function).

Candidate protocol (LastFM, MovieLens; LLaRA/iLoRA): rank the 20 candidates of each of the 5 sets by
score; HitRatio@1 and NDCG@5 per set, mean and (population, ddof=0) std over the 5 sets.
Full-ranking protocol (Beauty; also reported for the others): score the whole catalogue, remove the
history items and the pad, rank the true next item: HR@10, NDCG@10, HR@1 (a true item that is in
the history counts as a miss, since it was removed).

    python -m training.evaluate --model public/models/movielens [--dataset movielens] [--fp32]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .data import Dataset, ValCase, load_dataset, right_align

BATCH = 256


def model_feeds(hist: np.ndarray, gate_bias: np.ndarray, with_scores: bool = True) -> dict:
    """The inputs of model.onnx (docs/model-format.md): `with_scores` false skips the catalogue scores."""
    return {"history": hist, "gate_bias": gate_bias, "with_scores": np.array(with_scores)}


def ort_scorer(model_path: Path, experts: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])

    def score(hist: np.ndarray) -> np.ndarray:
        return sess.run(["scores"], model_feeds(hist, np.zeros((hist.shape[0], experts), np.float32)))[0]

    return score


def candidate_metrics(scores_fn, cases: list[ValCase]) -> dict:
    hits, ndcg5 = [], []
    for b in range(0, len(cases), BATCH):
        chunk = cases[b : b + BATCH]
        sc = scores_fn(right_align([c.history for c in chunk]))
        for c, s in zip(chunk, sc, strict=False):
            cs = s[c.candidates]  # [5, 20]
            true = cs[c.candidates == c.next].reshape(-1)  # one per set
            rank = (cs > true[:, None]).sum(1)  # 0 = first; ties favour the true item (none in practice)
            hits.append(rank == 0)
            ndcg5.append(np.where(rank < 5, 1.0 / np.log2(rank + 2.0), 0.0))
    hits, ndcg5 = np.array(hits, float), np.array(ndcg5)  # [cases, 5]
    hr_sets, nd_sets = hits.mean(0), ndcg5.mean(0)
    return {
        "protocol": "candidates",
        "rows": len(cases),
        "hr1_mean": float(hr_sets.mean()),
        "hr1_std": float(hr_sets.std()),
        "ndcg5_mean": float(nd_sets.mean()),
        "hr1_sets": [round(float(x), 4) for x in hr_sets],
    }


def full_metrics(scores_fn, cases: list[ValCase]) -> dict:
    ranks = []
    for b in range(0, len(cases), BATCH):
        chunk = cases[b : b + BATCH]
        sc = scores_fn(right_align([c.history for c in chunk]))
        for c, s in zip(chunk, sc, strict=False):
            s = s.copy()
            t = s[c.next]
            s[0] = -np.inf
            s[c.history] = -np.inf
            ranks.append(np.inf if c.next in set(c.history.tolist()) else (s > t).sum())
    r = np.array(ranks, float)
    ndcg = np.where(r < 10, 1.0 / np.log2(np.minimum(r, 1e9) + 2.0), 0.0)
    return {
        "protocol": "full",
        "rows": len(cases),
        "hr10": float((r < 10).mean()),
        "ndcg10": float(ndcg.mean()),
        "hr1": float((r < 1).mean()),
    }


def evaluate_scorer(scores_fn, ds: Dataset, cases: list[ValCase] | None = None) -> dict:
    cases = ds.val if cases is None else cases
    res = {"full": full_metrics(scores_fn, cases)}
    if ds.protocol == "candidates":
        res["candidates"] = candidate_metrics(scores_fn, cases)
    return res


def evaluate_dir(model_dir: Path, ds: Dataset, fp32: bool = False) -> dict:
    man = json.loads((model_dir / "manifest.json").read_text()) if (model_dir / "manifest.json").exists() else None
    experts = man["experts"] if man else None
    path = model_dir / ("model.fp32.onnx" if fp32 else "model.onnx")
    if experts is None:
        import onnx

        m = onnx.load(str(path), load_external_data=False)
        experts = [i for i in m.graph.input if i.name == "gate_bias"][0].type.tensor_type.shape.dim[1].dim_value
    return evaluate_scorer(ort_scorer(path, experts), ds)


def manifest_eval(res: dict, ds: Dataset, model_dir_rel: str) -> dict:
    """The manifest's `eval` section."""
    cmd = f"npm run eval -- --model {model_dir_rel} --data ../shared/datasets/{ds.name}/val.jsonl"
    if ds.protocol == "candidates":
        c = res["candidates"]
        val = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in c.items() if k != "hr1_sets"}
        val["full"] = {k: round(v, 4) for k, v in res["full"].items() if k in ("hr10", "ndcg10", "hr1")}
    else:
        cmd = f"python -m training.evaluate --model {model_dir_rel} (val = each train user's last item)"
        val = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in res["full"].items()}
    val["command"] = cmd
    return {"val": val}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dataset")
    ap.add_argument("--fp32", action="store_true")
    a = ap.parse_args(argv)
    d = Path(a.model)
    name = a.dataset or json.loads((d / "manifest.json").read_text())["dataset"]
    man = json.loads((d / "manifest.json").read_text())
    ds = load_dataset(name, man["maxHistory"])
    print(json.dumps(evaluate_dir(d, ds, a.fp32), indent=1))


if __name__ == "__main__":
    main()
