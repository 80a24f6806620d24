"""Compressed item tables for large catalogues (docs/model-format.md, `itemTable.dtype: "pq"`).

Two commands:

  training/.venv/bin/python -m training.compress convert --model public/models/beauty \
      --out .cache/bench-models/beauty-int4 [--scheme int4|pq] [--subspaces 16] [--norm]
      Product-quantises a shipped model's item table and rewrites model.onnx so that it gathers
      the history tokens from the PQ codes and outputs only `user` and `gate` (no `scores`: the
      catalogue is scored outside the graph, in TypeScript, by asymmetric distance computation).

  training/.venv/bin/python -m training.compress quality [--users 15000 --schemes int4,pq16,pq32]
      Screens schemes on Beauty: NDCG@10 with each compressed table vs the exact one (scoring side).

  training/.venv/bin/python -m training.compress synthetic --items 1000000 \
      --out .cache/bench-models/synthetic-1m [--base public/models/beauty]
      A synthetic 1,000,000-item model with the same architecture (d=64, 2 layers, 4 experts):
      the transformer weights of the base model, a random PQ item table (seeded, so the files are
      byte-identical on every run), and a minimal catalogue. For speed and size only.

PQ layout in items.bin (little-endian): codes uint8 [rows, M] at `dataOffset` (0); codebooks
float32 [M, 256, dim/M] at `codebookOffset`; with --norm, float32 per-row scales at
`scaleOffset` (token = scale * decoded). Centroid 0 of every subspace is the zero vector, and
row 0 (pad) is all code 0, so the pad token is exactly zero as in the int8 table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from training.catalog_bin import MAGIC, decode_catalog, encode_catalog

K = 256


def read_int8_raw(model_dir: str | Path, man: dict) -> tuple[np.ndarray, np.ndarray]:
    """The shipped table as stored: int8 [rows, dim] and float32 scales [rows]."""
    it = man["itemTable"]
    assert it["dtype"] == "int8", it["dtype"]
    raw = (Path(model_dir) / it["file"]).read_bytes()
    q = np.frombuffer(raw, dtype=np.int8, count=it["rows"] * it["dim"], offset=it["dataOffset"]).reshape(
        it["rows"], it["dim"]
    )
    return q, np.frombuffer(raw, dtype="<f4", count=it["rows"], offset=it["scaleOffset"])


def read_int8_table(model_dir: str | Path, man: dict) -> np.ndarray:
    """The shipped table's tokens (float32, dequantised)."""
    q, s = read_int8_raw(model_dir, man)
    return q.astype(np.float32) * s[:, None]


def _kmeans(x: np.ndarray, iters: int, rng: np.random.Generator) -> np.ndarray:
    """K-means with K centroids of which centroid 0 is fixed at zero. x: [n, dsub]."""
    n, ds = x.shape
    c = np.zeros((K, ds), np.float32)
    pick = rng.choice(n, size=min(K - 1, n), replace=False)
    c[1 : 1 + len(pick)] = x[pick]
    x2 = (x * x).sum(1)
    for _ in range(iters):
        a = _assign(x, x2, c)
        sums = np.zeros_like(c)
        np.add.at(sums, a, x)
        cnt = np.bincount(a, minlength=K).astype(np.float32)
        upd = cnt > 0
        upd[0] = False
        c[upd] = sums[upd] / cnt[upd, None]
        empty = np.flatnonzero(cnt == 0)
        empty = empty[empty > 0]
        if len(empty):
            c[empty] = x[rng.choice(n, size=len(empty), replace=len(empty) > n)]
    return c


def _assign(x: np.ndarray, x2: np.ndarray, c: np.ndarray) -> np.ndarray:
    out = np.empty(len(x), np.int64)
    c2 = (c * c).sum(1)
    for b in range(0, len(x), 65536):
        d = x2[b : b + 65536, None] - 2 * x[b : b + 65536] @ c.T + c2[None]
        out[b : b + 65536] = d.argmin(1)
    return out


def train_pq(table: np.ndarray, m: int, norm: bool = False, iters: int = 15, seed: int = 0):
    """Returns (codebook [M, K, dsub] float32, codes [rows, M] uint8, scales [rows] or None)."""
    rows, dim = table.shape
    assert dim % m == 0, f"dim {dim} is not a multiple of {m} subspaces"
    ds = dim // m
    rng = np.random.default_rng(seed)
    scales = None
    x = table.astype(np.float32)
    if norm:
        scales = np.linalg.norm(x, axis=1).astype(np.float32)
        x = np.where(scales[:, None] > 0, x / np.maximum(scales, 1e-30)[:, None], 0).astype(np.float32)
    live = np.flatnonzero(np.abs(x).sum(1) > 0)  # zero rows (pad) keep code 0
    codebook = np.zeros((m, K, ds), np.float32)
    codes = np.zeros((rows, m), np.uint8)
    for j in range(m):
        sub = np.ascontiguousarray(x[live, j * ds : (j + 1) * ds])
        c = _kmeans(sub, iters, rng)
        codebook[j] = c
        codes[live, j] = _assign(sub, (sub * sub).sum(1), c).astype(np.uint8)
    return codebook, codes, scales


def int4_pq(table: np.ndarray, clip_grid=(1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6)):
    """Symmetric per-row int4 written as a PQ table: M = dim/2 subspaces of 2 dims whose shared
    codebook is the 16 x 16 grid of nibble pairs (a code byte = low nibble | high nibble << 4, two's
    complement), plus a float32 per-row scale. The scale of each row is the one of
    amax * f / 7 (f in clip_grid) with the least squared error (clipping the largest entry a
    little often pays). Returns (codebook [M, 256, 2], codes [rows, M] uint8, scales [rows])."""
    rows, dim = table.shape
    assert dim % 2 == 0, "int4 needs an even dim"
    x = table.astype(np.float32)
    amax = np.abs(x).max(axis=1)
    best_q = np.zeros(x.shape, np.int8)
    best_s = np.where(amax > 0, amax / 7.0, 1.0).astype(np.float32)
    best_e = np.full(rows, np.inf)
    for f in clip_grid:
        s = np.where(amax > 0, amax * f / 7.0, 1.0).astype(np.float32)
        q = np.clip(np.rint(x / s[:, None]), -7, 7).astype(np.int8)
        e = ((q * s[:, None] - x) ** 2).sum(1)
        better = e < best_e
        best_q[better], best_s[better], best_e[better] = q[better], s[better], e[better]
    nib = (best_q.astype(np.int16) & 15).astype(np.uint8)
    codes = (nib[:, 0::2] | (nib[:, 1::2] << 4)).astype(np.uint8)
    vals = np.arange(16, dtype=np.int16)
    vals = np.where(vals >= 8, vals - 16, vals).astype(np.float32)  # two's complement nibble
    b = np.arange(256)
    pair = np.stack([vals[b & 15], vals[b >> 4]], axis=1)  # [256, 2]
    codebook = np.broadcast_to(pair, (dim // 2, 256, 2)).astype(np.float32).copy()
    return codebook, codes, best_s


def int4_lloyd(table: np.ndarray, iters: int = 12, clip_grid=(1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7)):
    """Per-row 4-bit with 16 *learned* levels (Lloyd-Max) shared by every dimension, written as a PQ
    table exactly like `int4_pq`: M = dim/2 two-dimensional subspaces whose codebook is the 16 x 16
    grid of level pairs, plus a float32 per-row scale. Starts from 16 uniform levels
    (-7.5 .. 7.5, no zero level) and alternates (a) per row: the scale (amax * f / max|level|, f in
    clip_grid) and nearest levels with the least squared error, and (b) per level: the
    least-squares level given the scales, L_k = sum(s x) / sum(s^2) over the entries coded k.
    Zero rows (the pad) get scale 0, so they decode to exactly zero. Returns (codebook, codes, scales)."""
    rows, dim = table.shape
    assert dim % 2 == 0, "int4 needs an even dim"
    x = table.astype(np.float64)
    amax = np.abs(x).max(axis=1)
    live = amax > 0
    lev = np.arange(-7.5, 8.0, 1.0)
    q = np.zeros(x.shape, np.int64)
    s = np.zeros(rows)
    for _ in range(iters + 1):
        lmax = np.abs(lev).max()
        mids = (lev[1:] + lev[:-1]) / 2
        best_e = np.full(rows, np.inf)
        for f in clip_grid:
            sf = np.where(live, amax * f / lmax, 1.0)
            qf = np.searchsorted(mids, x / sf[:, None])
            e = ((lev[qf] * sf[:, None] - x) ** 2).sum(1)
            better = e < best_e
            q[better], s[better], best_e[better] = qf[better], sf[better], e[better]
        s[~live] = 0.0
        num = np.bincount(q[live].ravel(), weights=(x[live] * s[live, None]).ravel(), minlength=16)
        den = np.bincount(
            q[live].ravel(), weights=np.broadcast_to(s[live, None] ** 2, x[live].shape).ravel(), minlength=16
        )
        lev = np.where(den > 0, num / np.maximum(den, 1e-30), lev)
        lev = np.sort(lev)
    codes = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8)
    b = np.arange(256)
    pair = np.stack([lev[b & 15], lev[b >> 4]], axis=1).astype(np.float32)
    codebook = np.broadcast_to(pair, (dim // 2, 256, 2)).astype(np.float32).copy()
    return codebook, codes, s.astype(np.float32)


def parallel_scale(table: np.ndarray, codebook: np.ndarray, codes: np.ndarray, scales: np.ndarray | None) -> np.ndarray:
    """Per-row scales that make each decoded token's projection on the true token exact
    (dot(t_hat, t) = |t|^2): the quantisation residual is then orthogonal to t, the direction
    that shifts the item's score against every user alike (score-aware quantisation, as in ScaNN)."""
    rec = reconstruct(codebook, codes, scales)
    x = table.astype(np.float64)
    base = scales.astype(np.float64) if scales is not None else np.ones(len(x))
    num, den = (x * x).sum(1), (rec * x).sum(1)
    f = np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)
    return (base * f).astype(np.float32)


def find_checkpoint(model_dir: Path, man: dict, table: np.ndarray) -> Path:
    """The newest training/runs/<dataset>-*.pt whose item tokens are the model's (within int8 rounding)."""
    import torch

    runs = Path(__file__).resolve().parent.parent / "training" / "runs"
    tol = float(np.abs(table).max(axis=1).max()) / 127 * 0.51 + 1e-6
    for pt in sorted(runs.glob(f"{man['dataset']}-*.pt"), key=lambda p: p.stat().st_mtime, reverse=True):
        ck = torch.load(pt, map_location="cpu", weights_only=False)
        w = ck["state"].get("id_emb.weight")
        if w is None or tuple(w.shape) != table.shape:
            continue
        w = w.numpy().copy()
        w[0] = 0
        if float(np.abs(w - table).max()) <= tol:
            return pt
    raise SystemExit(
        f"no checkpoint in {runs} matches {model_dir} (train it: npm run train -- --dataset {man['dataset']})"
    )


def finetune_transformer(
    checkpoint: Path, dataset: str, tokens: np.ndarray, epochs: int, lr: float, seed: int, threads: int
):
    """Quantisation-aware fine-tuning: the shipped model's transformer, trained `epochs` more epochs
    (its own recipe: sampled softmax over 8,192 shared negatives, all positions) with the item
    tokens frozen at their compressed values, so that it reads and scores exactly the tokens the
    page will have. Returns the torch model (token_table() = the compressed tokens)."""
    import math

    import torch

    from training import train as T
    from training.data import load_dataset
    from training.model import ModelConfig, Recommender

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    cfg = ModelConfig(**ck["config"])
    if cfg.buckets:
        raise SystemExit("--finetune-epochs: only ID-token models (Beauty); content tokens are not frozen here")
    ds = load_dataset(dataset, cfg.max_len)
    model = Recommender(cfg, None, None)
    model.load_state_dict(ck["state"])
    fixed = torch.from_numpy(tokens.astype(np.float32))
    model.token_table = lambda id_keep=None: fixed  # type: ignore[method-assign]
    model.id_emb.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    args = ck.get("args", {})
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.get("weight_decay", 0.01)}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr,
        betas=(0.9, 0.98),
    )
    rng = np.random.default_rng(seed)
    negatives = args.get("negatives") or 8192
    batch = args.get("batch") or 256
    steps = epochs * math.ceil(len(T.make_windows(ds.train, cfg.max_len, np.random.default_rng(0), 1.0, 0.0)) / batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(1.0, s / max(1, steps))))
    )
    for ep in range(epochs):
        wins = T.make_windows(ds.train, cfg.max_len, rng, 1.0, 0.0)
        loss = T.train_epoch(model, wins, rng, opt, sched, params, batch, negatives)
        print(json.dumps({"finetune_epoch": ep + 1, "loss": round(loss, 4)}), flush=True)
    model.eval()
    return model


def export_finetuned(model, src: Path, man: dict, tmp: Path) -> Path:
    """The fine-tuned transformer as an int8 model folder like `src` (its item table is replaced by the PQ one after)."""
    import torch

    from training.export import build_model_graph

    tmp.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        q, blob, _ = build_model_graph(model, quant=True)
    (tmp / man["itemTable"]["file"]).write_bytes(blob)
    onnx.save_model(q, str(tmp / man["files"]["model"]["path"]))
    return tmp


def reconstruct(codebook: np.ndarray, codes: np.ndarray, scales: np.ndarray | None) -> np.ndarray:
    m = codebook.shape[0]
    out = np.concatenate([codebook[j][codes[:, j]] for j in range(m)], axis=1)
    return out * scales[:, None] if scales is not None else out


def pq_blob(
    codebook: np.ndarray,
    codes: np.ndarray,
    scales: np.ndarray | None,
    exact: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[bytes, dict]:
    """items.bin bytes and the manifest fields of the PQ table. `exact` = (rows [E], int8 [E, dim],
    float32 scales [E]): those rows keep their int8 token (a mixed-precision table); their per-row
    scale becomes the mark -(slot + 1) and their codes are ignored."""
    rows, m = codes.shape
    parts = [codes.astype(np.uint8).tobytes()]
    off = len(parts[0])

    def align() -> int:
        nonlocal off
        pad = (-off) % 4
        parts.append(b"\0" * pad)
        off += pad
        return off

    cb_off = align()
    parts.append(codebook.astype("<f4").tobytes())
    off += codebook.nbytes
    spec = {
        "dtype": "pq",
        "rows": rows,
        "dim": int(codebook.shape[0] * codebook.shape[2]),
        "subspaces": int(m),
        "centroids": K,
        "dataOffset": 0,
        "codebookOffset": cb_off,
    }
    if scales is not None:
        scales = scales.astype("<f4")  # a copy: the exact rows' marks are written into it
        if exact is not None:
            er = np.asarray(exact[0], dtype=np.int64)
            if len(set(er.tolist())) != len(er) or er.min() < 1 or er.max() >= rows:
                raise ValueError("exact rows must be distinct item rows (not the pad)")
            scales[er] = -(np.arange(len(er), dtype=np.float32) + 1)
        spec["scaleOffset"] = off
        parts.append(scales.tobytes())
        off += scales.nbytes
    if exact is not None:
        if scales is None:
            raise ValueError("exact rows need per-row scales (--norm)")
        _, eq, es = exact
        spec["exactRows"] = int(len(es))
        spec["exactOffset"] = off
        parts.append(np.ascontiguousarray(eq, dtype=np.int8).tobytes())
        off += eq.size
        spec["exactScaleOffset"] = align()
        parts.append(np.asarray(es, dtype="<f4").tobytes())
        off += 4 * len(es)
    return b"".join(parts), spec


def popular_rows(popularity: np.ndarray, frac: float) -> np.ndarray:
    """The round(frac * items) most popular item rows (1-based; ties by lower row), in row order."""
    n = int(round(frac * len(popularity)))
    order = np.argsort(-np.asarray(popularity, dtype=np.float64), kind="stable")[:n]
    return np.sort(order + 1)


def _ext_tensor(name: str, dtype: int, dims: list[int]) -> onnx.TensorProto:
    t = onnx.TensorProto()
    t.name = name
    t.data_type = dtype
    t.dims.extend(dims)
    return t


def _external(t: onnx.TensorProto, file: str, off: int, n: int) -> onnx.TensorProto:
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", file), ("offset", str(off)), ("length", str(n))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def pq_graph(model_path: Path, spec: dict, items_file: str) -> onnx.ModelProto:
    """model.onnx of a shipped int8 model → the same graph over a PQ table, without `scores`."""
    m = onnx.load(str(model_path), load_external_data=False)
    g = m.graph
    # the int8 lookup of the history tokens: Gather(q) → Cast → Mul(·, Unsqueeze(Gather(scale)))
    gq = next(n for n in g.node if n.op_type == "Gather" and n.input[0] == "item_table_q" and n.input[1] == "history")
    cast = next(n for n in g.node if n.op_type == "Cast" and n.input[0] == gq.output[0])
    mul = next(n for n in g.node if n.op_type == "Mul" and cast.output[0] in n.input)
    tok = mul.output[0]
    rows, M, dim = spec["rows"], spec["subspaces"], spec["dim"]
    ds = dim // M
    codes = _external(_ext_tensor("item_codes", TensorProto.UINT8, [rows, M]), items_file, spec["dataOffset"], rows * M)
    cb = _external(
        _ext_tensor("item_codebook", TensorProto.FLOAT, [M * K, ds]), items_file, spec["codebookOffset"], M * K * ds * 4
    )
    inits = [
        codes,
        cb,
        numpy_helper.from_array(np.arange(M, dtype=np.int64) * K, "pq_offsets"),
        numpy_helper.from_array(np.array([0, 0, dim], dtype=np.int64), "pq_shape"),
    ]
    nodes = [
        helper.make_node(
            "Gather", ["item_codes", "history"], ["pq_codes"], axis=0, name="pq_gather_codes"
        ),  # [B, L, M]
        helper.make_node("Cast", ["pq_codes"], ["pq_codes64"], to=TensorProto.INT64, name="pq_cast"),
        helper.make_node("Add", ["pq_codes64", "pq_offsets"], ["pq_rows"], name="pq_add"),
        helper.make_node(
            "Gather", ["item_codebook", "pq_rows"], ["pq_parts"], axis=0, name="pq_gather_cb"
        ),  # [B, L, M, ds]
    ]
    if "scaleOffset" in spec:
        sc = _external(_ext_tensor("item_scale", TensorProto.FLOAT, [rows]), items_file, spec["scaleOffset"], rows * 4)
        inits.append(sc)
        inits.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), "pq_last"))
        pq_tok = tok if "exactRows" not in spec else "pq_tok"
        nodes += [
            helper.make_node("Reshape", ["pq_parts", "pq_shape"], ["pq_dec"], name="pq_reshape"),
            helper.make_node("Gather", ["item_scale", "history"], ["pq_s"], axis=0, name="pq_gather_scale"),
            helper.make_node("Unsqueeze", ["pq_s", "pq_last"], ["pq_s1"], name="pq_unsq"),
            helper.make_node("Mul", ["pq_dec", "pq_s1"], [pq_tok], name="pq_scale"),
        ]
        if "exactRows" in spec:
            # exact rows (scale = -(slot + 1)): their int8 token instead of the decoded one
            E = spec["exactRows"]
            inits += [
                _external(
                    _ext_tensor("item_exact_q", TensorProto.INT8, [E, dim]), items_file, spec["exactOffset"], E * dim
                ),
                _external(
                    _ext_tensor("item_exact_scale", TensorProto.FLOAT, [E]), items_file, spec["exactScaleOffset"], E * 4
                ),
                numpy_helper.from_array(np.array(0, dtype=np.float32), "pq_zero"),
                numpy_helper.from_array(np.array(-1, dtype=np.float32), "pq_minus_one"),
            ]
            nodes += [
                helper.make_node("Less", ["pq_s", "pq_zero"], ["pq_is_exact"], name="pq_is_exact"),  # [B, L]
                helper.make_node("Sub", ["pq_minus_one", "pq_s"], ["pq_slot_f"], name="pq_slot_f"),  # -s - 1
                helper.make_node("Where", ["pq_is_exact", "pq_slot_f", "pq_zero"], ["pq_slot_w"], name="pq_slot_where"),
                helper.make_node("Cast", ["pq_slot_w"], ["pq_slot"], to=TensorProto.INT64, name="pq_slot_cast"),
                helper.make_node(
                    "Gather", ["item_exact_q", "pq_slot"], ["pq_eq"], axis=0, name="pq_gather_exact"
                ),  # [B, L, dim]
                helper.make_node("Cast", ["pq_eq"], ["pq_eqf"], to=TensorProto.FLOAT, name="pq_exact_cast"),
                helper.make_node(
                    "Gather", ["item_exact_scale", "pq_slot"], ["pq_es"], axis=0, name="pq_gather_exact_scale"
                ),
                helper.make_node("Unsqueeze", ["pq_es", "pq_last"], ["pq_es1"], name="pq_exact_unsq"),
                helper.make_node("Mul", ["pq_eqf", "pq_es1"], ["pq_exact_tok"], name="pq_exact_scale"),
                helper.make_node("Unsqueeze", ["pq_is_exact", "pq_last"], ["pq_is_exact1"], name="pq_is_exact_unsq"),
                helper.make_node("Where", ["pq_is_exact1", "pq_exact_tok", "pq_tok"], [tok], name="pq_select"),
            ]
    else:
        nodes.append(helper.make_node("Reshape", ["pq_parts", "pq_shape"], [tok], name="pq_reshape"))
    keep = [n for n in g.node if tok not in n.output]
    # drop the scores output and everything only it (or the old lookup) needed
    outputs = [o for o in g.output if o.name != "scores"]
    all_nodes = nodes + keep
    needed = {o.name for o in outputs}
    live: list = []
    for n in reversed(all_nodes):
        if any(o in needed for o in n.output):
            live.append(n)
            needed.update(i for i in n.input if i)
    live.reverse()
    # topological order: the PQ nodes first (they only read inputs/initializers), then the rest as before
    old_inits = [i for i in g.initializer if i.name in needed and i.name not in ("item_table_q", "item_table_scale")]
    # no scores output, so no `with_scores` input either (docs/model-format.md)
    inputs = [i for i in g.input if i.name != "with_scores"]
    graph = helper.make_graph(live, g.name, inputs, outputs, old_inits + [i for i in inits if i.name in needed])
    out = helper.make_model(graph, opset_imports=list(m.opset_import), producer_name="localrec-bench-compress")
    out.ir_version = m.ir_version
    return out


def _entry(path: Path) -> dict:
    data = path.read_bytes()
    return {"path": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_model(
    src: Path,
    out: Path,
    man: dict,
    codebook,
    codes,
    scales,
    catalog_bytes: bytes | None,
    name: str,
    created_by: str,
    item_count: int | None = None,
    exact=None,
) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    blob, spec = pq_blob(codebook, codes, scales, exact)
    items_file = "items.bin"
    (out / items_file).write_bytes(blob)
    graph = pq_graph(src / man["files"]["model"]["path"], spec, items_file)
    onnx.save_model(graph, str(out / "model.onnx"))
    onnx.checker.check_model(str(out / "model.onnx"))
    files = {"model": out / "model.onnx", "items": out / items_file}
    if catalog_bytes is None:
        catalog_bytes = (src / man["files"]["catalog"]["path"]).read_bytes()
    catalog_file = "catalog.bin" if catalog_bytes[:4] == MAGIC else "catalog.json"
    for stale in ("catalog.bin", "catalog.json"):
        if stale != catalog_file and (out / stale).exists():
            (out / stale).unlink()
    (out / catalog_file).write_bytes(catalog_bytes)
    files["catalog"] = out / catalog_file
    content = man.get("content")
    if content is not None and item_count is None and "encoder" in man["files"]:
        (out / "encoder.onnx").write_bytes((src / man["files"]["encoder"]["path"]).read_bytes())
        files["encoder"] = out / "encoder.onnx"
    else:
        content = None
    entries = {k: _entry(p) for k, p in files.items()}
    new = dict(man)
    n = item_count if item_count is not None else man["itemCount"]
    new.update(
        {
            "name": name,
            "modelVersion": entries["model"]["sha256"][:16],
            "createdBy": created_by,
            "itemCount": n,
            "inputs": {k: v for k, v in man["inputs"].items() if k != "withScores"},
            "outputs": {k: v for k, v in man["outputs"].items() if k != "scores"},
            "itemTable": {"file": items_file, **spec},
            "content": content,
            "files": entries,
        }
    )
    new.pop("eval", None)
    (out / "manifest.json").write_text(json.dumps(new, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return new


def catalog_popularity(model_dir: Path, man: dict) -> np.ndarray:
    data = (model_dir / man["files"]["catalog"]["path"]).read_bytes()
    cat = decode_catalog(data) if data[:4] == MAGIC else json.loads(data)
    return np.asarray(cat["popularity"], dtype=np.float64)


def convert(
    model_dir: str,
    out_dir: str,
    scheme: str,
    subspaces: int,
    norm: bool,
    score_aware: bool,
    iters: int,
    seed: int,
    finetune_epochs: int = 0,
    finetune_lr: float = 3e-4,
    threads: int = 2,
    exact_frac: float = 0.0,
) -> dict:
    src, out = Path(model_dir), Path(out_dir)
    man = json.loads((src / "manifest.json").read_text())
    table = read_int8_table(src, man)
    cmd = (
        f"training/.venv/bin/python -m training.compress convert --model {model_dir} --out {out_dir} --scheme {scheme}"
    )
    if scheme == "int4":
        codebook, codes, scales = int4_pq(table)
        name = f"{man['name']}-int4"
    else:
        codebook, codes, scales = train_pq(table, subspaces, norm=norm, iters=iters, seed=seed)
        cmd += f" --subspaces {subspaces}" + (" --norm" if norm else "")
        name = f"{man['name']}-pq{subspaces}"
    if score_aware:
        scales = parallel_scale(table, codebook, codes, scales)
        cmd += " --score-aware"
    exact = None
    if exact_frac > 0:
        if finetune_epochs > 0:
            raise SystemExit("--exact-frac and --finetune-epochs together are not supported")
        rows = popular_rows(catalog_popularity(src, man), exact_frac)
        q, s = read_int8_raw(src, man)
        exact = (rows, q[rows], s[rows])
        cmd += f" --exact-frac {exact_frac}"
        name += f"-x{len(rows)}"
    if finetune_epochs <= 0:
        return write_model(src, out, man, codebook, codes, scales, None, name, cmd, exact=exact)
    cmd += f" --finetune-epochs {finetune_epochs} --finetune-lr {finetune_lr}"
    ckpt = find_checkpoint(src, man, table)
    print(json.dumps({"checkpoint": str(ckpt)}), flush=True)
    model = finetune_transformer(
        ckpt, man["dataset"], reconstruct(codebook, codes, scales), finetune_epochs, finetune_lr, seed, threads
    )
    catalog = (src / man["files"]["catalog"]["path"]).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        tuned = export_finetuned(model, src, man, Path(tmp))
        return write_model(tuned, out, man, codebook, codes, scales, catalog, name, cmd)


def synthetic(
    out_dir: str,
    items: int,
    base: str,
    scheme: str,
    subspaces: int,
    seed: int,
    norm: bool = False,
    catalog_format: str = "json",
    exact_frac: float = 0.0,
) -> dict:
    """Random item table for `items` items over the base model's transformer (speed and size only)."""
    src, out = Path(base), Path(out_dir)
    man = json.loads((src / "manifest.json").read_text())
    dim = man["dim"]
    rng = np.random.default_rng(seed)
    table = read_int8_table(src, man)
    scales = None
    if scheme == "int4":
        # random int4 rows with the base model's per-row scale distribution
        codebook, _, base_scales = int4_pq(table[:2])
        codes = rng.integers(0, K, size=(items + 1, dim // 2), dtype=np.uint8)
        codes[0] = 0
        real = int4_pq(table)[2][1:]
        scales = rng.choice(real, size=items + 1).astype(np.float32)
        scales[0] = 1.0
    else:
        ds = dim // subspaces
        base_rows = table[1:]
        if norm:
            # unit directions plus per-row scales drawn from the base model's token norms
            norms = np.linalg.norm(base_rows, axis=1)
            base_rows = base_rows[norms > 0] / norms[norms > 0, None]
            scales = rng.choice(norms[norms > 0], size=items + 1).astype(np.float32)
            scales[0] = 0.0
        # codebooks sampled around the base model's real token statistics, so scores have a realistic spread
        std = base_rows.reshape(-1, subspaces, ds).std(axis=(0,)).astype(np.float32)  # [M, ds]
        codebook = (rng.standard_normal((subspaces, K, ds)).astype(np.float32) * std[:, None, :]).astype(np.float32)
        codebook[:, 0] = 0
        codes = rng.integers(1, K, size=(items + 1, subspaces), dtype=np.uint8)
        codes[0] = 0
    # minimal catalogue: ids "1".."N", no titles/genres/years, a Zipf-like popularity
    pop = (10_000 // np.arange(1, items + 1)).astype(np.int64)
    if catalog_format == "bin":
        catalog = encode_catalog(
            [str(i) for i in range(1, items + 1)],
            [""] * items,
            [[] for _ in range(items)],
            [None] * items,
            pop.tolist(),
        )
    else:
        catalog = (
            '{"ids":['
            + ",".join(f'"{i}"' for i in range(1, items + 1))
            + '],"titles":['
            + ",".join(['""'] * items)
            + '],"genres":['
            + ",".join(["[]"] * items)
            + '],"years":['
            + ",".join(["null"] * items)
            + '],"popularity":['
            + ",".join(map(str, pop.tolist()))
            + "]}"
        ).encode()
    cmd = (
        f"training/.venv/bin/python -m training.compress synthetic --items {items} --out {out_dir} --base {base} --scheme {scheme} "
        f"--subspaces {subspaces} --seed {seed}" + (" --norm" if norm else "") + f" --catalog {catalog_format}"
    )
    exact = None
    if exact_frac > 0:
        # the most popular rows keep a random int8 token with the base model's scale distribution
        rows = popular_rows(pop, exact_frac)
        _, base_s = read_int8_raw(src, man)
        exact = (
            rows,
            rng.integers(-127, 128, size=(len(rows), dim), dtype=np.int8),
            rng.choice(base_s[1:], size=len(rows)).astype(np.float32),
        )
        cmd += f" --exact-frac {exact_frac}"
    man = dict(man)
    man["dataset"] = "synthetic"
    return write_model(
        src, out, man, codebook, codes, scales, catalog, f"synthetic-{items}", cmd, item_count=items, exact=exact
    )


def quality(model_dir: str, data: str, users: int, schemes: list[str], seed: int, e2e: bool = False) -> None:
    """Screening of compression schemes on the scoring side: the shipped model's user vectors
    (onnxruntime, exact int8 tokens in the history), full-catalogue NDCG@10 of each user's last
    item with the history removed, scored against the exact table and against each compressed
    reconstruction, on the same `users` random train users (paired). The end-to-end figure of a
    converted model (compressed history tokens too) is `npm run eval` on its folder."""
    import onnxruntime as ort

    src = Path(model_dir)
    man = json.loads((src / "manifest.json").read_text())
    table = read_int8_table(src, man)
    cat = json.loads((src / man["files"]["catalog"]["path"]).read_text())
    index = {s: i + 1 for i, s in enumerate(cat["ids"])}
    with open(data) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    pick = np.random.default_rng(seed).choice(len(rows), size=min(users, len(rows)), replace=False)
    hist, nxt = [], []
    for r in pick:
        it = [index[str(x)] for x in rows[r]["items"] if str(x) in index]
        if len(it) >= 2:
            hist.append(it[:-1])
            nxt.append(it[-1])

    def user_vectors(model_path: Path) -> np.ndarray:
        sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
        us = []
        for b in range(0, len(hist), 256):
            hb = [h[-man["maxHistory"] :] for h in hist[b : b + 256]]
            L = max(map(len, hb))
            x = np.zeros((len(hb), L), np.int64)
            for i, h in enumerate(hb):
                x[i, L - len(h) :] = h
            feeds = {"history": x, "gate_bias": np.zeros((len(hb), man["experts"]), np.float32)}
            if any(i.name == "with_scores" for i in sess.get_inputs()):
                feeds["with_scores"] = np.array(False)  # the user vectors only
            us.append(sess.run([man["outputs"]["user"]["name"]], feeds)[0])
        return np.concatenate(us)

    U0 = user_vectors(src / man["files"]["model"]["path"])

    def ndcg(tab: np.ndarray, U: np.ndarray = U0) -> float:
        tot = 0.0
        for b in range(0, len(hist), 1000):
            S = U[b : b + 1000] @ tab.T
            S[:, 0] = -np.inf
            for i in range(S.shape[0]):
                j = b + i
                hs = set(hist[j])
                if nxt[j] in hs:
                    continue
                sc = S[i]
                sc[list(hs)] = -np.inf
                r = int((sc > sc[nxt[j]]).sum())
                if r < 10:
                    tot += 1 / np.log2(r + 2)
        return tot / len(hist)

    base = ndcg(table)
    print(
        json.dumps(
            {
                "scheme": "int8 (shipped)",
                "bytesPerItem": table.shape[1] + 4,
                "ndcg10": round(base, 5),
                "users": len(hist),
            }
        ),
        flush=True,
    )
    trained: dict = {}
    exact_q, exact_s = read_int8_raw(src, man)
    popularity = np.asarray(cat["popularity"], dtype=np.float64)
    for sch in schemes:
        # "+x<f>": the round(f * items) most popular rows kept exact (int8), as convert --exact-frac
        sch, _, xf = sch.partition("+x")
        exact_frac = float(xf) if xf else 0.0
        par = sch.endswith("+p")
        sch = sch.removesuffix("+p")
        if sch == "int4":
            cb, codes, sc = int4_pq(table)
            bpi = table.shape[1] // 2 + 4
        elif sch == "int4l":
            cb, codes, sc = int4_lloyd(table)
            bpi = table.shape[1] // 2 + 4
        else:
            norm = sch.endswith("n")
            m = int(sch.removeprefix("pq").removesuffix("n"))
            if (m, norm) not in trained:  # one k-means per (M, norm), shared by its +p variant
                trained[(m, norm)] = train_pq(table, m, norm=norm, iters=15, seed=0)
            cb, codes, sc = trained[(m, norm)]
            bpi = m + (4 if norm else 0)
        if par:
            sc = parallel_scale(table, cb, codes, sc)
            sch += "+p"
        rec = reconstruct(cb, codes, sc)
        exact = None
        if exact_frac > 0:
            er = popular_rows(popularity, exact_frac)
            exact = (er, exact_q[er], exact_s[er])
            rec = rec.copy()
            rec[er] = table[er]
            sch += f"+x{xf}"
            bpi += round(len(er) * (table.shape[1] + 4) / len(table), 2)
        v = ndcg(rec)
        mse = float(((rec - table) ** 2).sum(1).mean())
        row = {
            "scheme": sch,
            "bytesPerItem": bpi,
            "ndcg10": round(v, 5),
            "relative": round(v / base - 1, 4),
            "tokenMse": round(mse, 5),
            "users": len(hist),
        }
        if e2e:
            # the converted graph (history tokens from the compressed table too)
            with tempfile.TemporaryDirectory() as tmp:
                write_model(src, Path(tmp), man, cb, codes, sc, b"{}", "probe", "quality --e2e", exact=exact)
                v2 = ndcg(rec, user_vectors(Path(tmp) / "model.onnx"))
            row.update({"ndcg10EndToEnd": round(v2, 5), "relativeEndToEnd": round(v2 / base - 1, 4)})
        print(json.dumps(row), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("convert")
    c.add_argument("--model", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--scheme", choices=["int4", "pq"], default="int4")
    c.add_argument("--subspaces", type=int, default=16, help="pq: subspaces M (int4: always dim/2)")
    c.add_argument("--norm", action="store_true", help="PQ on unit directions plus a float32 per-row scale")
    c.add_argument(
        "--score-aware",
        action="store_true",
        help="rescale each row so that the residual is orthogonal to the token (adds a per-row scale if there is none)",
    )
    c.add_argument(
        "--finetune-epochs",
        type=int,
        default=0,
        help="quantisation-aware fine-tuning of the transformer on the compressed tokens (needs the model's training/runs checkpoint)",
    )
    c.add_argument("--finetune-lr", type=float, default=3e-4)
    c.add_argument("--threads", type=int, default=2)
    c.add_argument("--iters", type=int, default=15)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument(
        "--exact-frac",
        type=float,
        default=0.0,
        help="pq with --norm: this fraction of the items, the most popular, keep their int8 token (mixed precision)",
    )
    s = sub.add_parser("synthetic")
    s.add_argument("--items", type=int, default=1_000_000)
    s.add_argument("--out", required=True)
    s.add_argument("--base", default="public/models/beauty")
    s.add_argument("--scheme", choices=["int4", "pq"], default="int4")
    s.add_argument("--subspaces", type=int, default=16)
    s.add_argument("--norm", action="store_true", help="pq: per-row float32 scales (as convert --norm)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--exact-frac", type=float, default=0.0, help="as convert --exact-frac (random int8 rows)")
    s.add_argument(
        "--catalog",
        choices=["json", "bin"],
        default="json",
        help="catalogue file: catalog.json, or the binary catalog.bin the engine reads in place (large catalogues)",
    )
    q = sub.add_parser("quality")
    q.add_argument("--model", default="public/models/beauty")
    q.add_argument("--data", default="../shared/datasets/beauty/train.jsonl")
    q.add_argument("--users", type=int, default=15000)
    q.add_argument("--schemes", default="int4,pq16,pq32")
    q.add_argument("--seed", type=int, default=1)
    q.add_argument(
        "--e2e",
        action="store_true",
        help="also end to end: user vectors from the converted graph (compressed history tokens)",
    )
    a = ap.parse_args()
    if a.cmd == "quality":
        quality(a.model, a.data, a.users, a.schemes.split(","), a.seed, a.e2e)
        return
    if a.cmd == "convert":
        man = convert(
            a.model,
            a.out,
            a.scheme,
            a.subspaces,
            a.norm,
            a.score_aware,
            a.iters,
            a.seed,
            a.finetune_epochs,
            a.finetune_lr,
            a.threads,
            a.exact_frac,
        )
    else:
        man = synthetic(a.out, a.items, a.base, a.scheme, a.subspaces, a.seed, a.norm, a.catalog, a.exact_frac)
    total = sum(f["bytes"] for f in man["files"].values())
    print(
        json.dumps(
            {
                "out": a.out,
                "name": man["name"],
                "itemTable": man["itemTable"],
                "bytes": total,
                "files": {k: v["bytes"] for k, v in man["files"].items()},
            }
        )
    )


if __name__ == "__main__":
    main()
