"""Export a trained Recommender to the files of docs/model-format.md.

The graphs are built directly with onnx.helper (no torch.onnx tracing), which gives exact control
over what the contract fixes: input/output names, the item table stored once as int8 external data
in `items.bin` (table at offset 0, float32 per-row scales at a 4-aligned offset), history tokens
dequantised only for the gathered rows, the scores as one Gemm(transB=1) over that table (no
transposed copy; skipped when the `with_scores` input is false), and per-channel int8
DequantizeLinear weights for every linear layer.
The same builder writes the fp32 graph (`model.fp32.onnx`, for parity tests).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from . import features as featmod
from .model import Recommender

OPSET = 17
FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64


# -- quantisation ------------------------------------------------------------------------------
def quantize_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-row int8 (zero point 0): x[i] ~= q[i] * s[i]."""
    amax = np.abs(x).max(axis=1)
    s = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(x / s[:, None]), -127, 127).astype(np.int8)
    return q, s


def dequantize_rows(q: np.ndarray, s: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) * s[:, None]


class Graph:
    def __init__(self, quant: bool):
        self.quant = quant
        self.nodes: list = []
        self.inits: list = []
        self.k = 0

    def uid(self, p: str) -> str:
        self.k += 1
        return f"{p}_{self.k}"

    def op(self, op_type: str, inputs: list[str], out: str | None = None, **attrs) -> str:
        out = out or self.uid(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=self.uid("n_" + op_type), **attrs))
        return out

    def const(self, arr: np.ndarray, name: str | None = None) -> str:
        name = name or self.uid("c")
        self.inits.append(numpy_helper.from_array(np.array(arr, order="C", copy=True), name))
        return name

    def i64(self, *vals) -> str:
        return self.const(np.array(vals, dtype=np.int64))

    def f32(self, val: float) -> str:
        return self.const(np.array(val, dtype=np.float32))

    def weight(self, w: np.ndarray, name: str) -> str:
        """A [in, out] matmul weight; int8 per output channel (axis 1) when quantising."""
        w = w.astype(np.float32)
        if not self.quant:
            return self.const(w, name)
        q, s = quantize_rows(w.T)  # per output channel
        return self.op("DequantizeLinear", [self.const(q.T, name + "_q"), self.const(s, name + "_scale")], name, axis=1)

    def lookup(self, table: str, scale: str | None, idx: str) -> str:
        """Rows of a (possibly int8 per-row) table: only the gathered rows are dequantised."""
        rows = self.op("Gather", [table, idx], axis=0)
        if scale is None:
            return rows
        s = self.op("Gather", [scale, idx], axis=0)
        return self.op("Mul", [self.op("Cast", [rows], to=FLOAT), self.op("Unsqueeze", [s, self.i64(-1)])])

    def linear(self, x: str, lin: torch.nn.Module, name: str, grep: str | None = None) -> str:
        return self.linears(x, [lin], name, grep)[0]

    def linears(self, x: str, lins: list, name: str, grep: str | None = None) -> list[str]:
        """Several LoraLinear layers on the same input as one MatMul (weights side by side) and, with
        adapters, one more pair for all their experts (A side by side, B block-diagonal), then Split.
        Per-output-channel int8 scales are those of the separate layers, so the values are the same."""
        w = np.concatenate([t2n(m.lin.weight).T for m in lins], axis=1)
        y = self.op("MatMul", [x, self.weight(w, name + "_w")])
        y = self.op("Add", [y, self.const(np.concatenate([t2n(m.lin.bias) for m in lins]), name + "_b")])
        ranks = [getattr(m, "total_rank", 0) for m in lins]
        if any(ranks):
            assert all(r == ranks[0] for r in ranks), "fused LoRA layers share one rank"
            a = np.concatenate([t2n(m.A) for m in lins], axis=1)
            b = t2n(torch.block_diag(*[m.B for m in lins]))
            xa = self.op("MatMul", [x, self.weight(a, name + "_loraA")])
            if grep is not None:
                xa = self.op("Mul", [xa, grep if len(lins) == 1 else self.op("Concat", [grep] * len(lins), axis=-1)])
            y = self.op("Add", [y, self.op("MatMul", [xa, self.weight(b, name + "_loraB")])])
        if len(lins) == 1:
            return [y]
        sizes = self.i64(*[m.lin.weight.shape[0] for m in lins])
        outs = [self.uid("split") for _ in lins]
        self.nodes.append(helper.make_node("Split", [y, sizes], outs, name=self.uid("n_Split"), axis=-1))
        return outs

    def layernorm(self, x: str, ln: torch.nn.LayerNorm, name: str) -> str:
        return self.op(
            "LayerNormalization",
            [x, self.const(t2n(ln.weight), name + "_g"), self.const(t2n(ln.bias), name + "_b")],
            axis=-1,
            epsilon=ln.eps,
        )


def t2n(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().float().numpy()


def table_tensors(table: np.ndarray, external: bool) -> tuple[list, bytes | None, int]:
    """Item-table initializers. External: int8 table at 0 and float32 scales at a 4-aligned offset in items.bin."""
    q, s = quantize_rows(table)
    q[0] = 0
    tq = numpy_helper.from_array(q, "item_table_q")
    ts = numpy_helper.from_array(s, "item_table_scale")
    scale_offset = (q.nbytes + 3) // 4 * 4
    blob = None
    if external:
        blob = q.tobytes() + b"\0" * (scale_offset - q.nbytes) + s.astype("<f4").tobytes()
        for t, off, n in ((tq, 0, q.nbytes), (ts, scale_offset, s.nbytes)):
            t.ClearField("raw_data")
            t.data_location = TensorProto.EXTERNAL
            for k, v in (("location", "items.bin"), ("offset", str(off)), ("length", str(n))):
                e = t.external_data.add()
                e.key, e.value = k, v
    return [tq, ts], blob, scale_offset


def build_model_graph(model: Recommender, quant: bool) -> tuple[onnx.ModelProto, bytes | None, int]:
    cfg = model.cfg
    g = Graph(quant)
    table = t2n(model.token_table())
    cooc = model.cooc_g is not None
    if cooc:  # the co-occurrence head's rows ride along in the item table (training/cooc.py)
        table = np.concatenate([table, t2n(model.cooc_g)], axis=1)
    D = table.shape[1]  # dim of the user vector and the scored tokens (d + cooc rank)
    blob, scale_offset = None, 0
    if quant:
        inits, blob, scale_offset = table_tensors(table, external=True)
        g.inits += inits
        tab, tab_s = "item_table_q", "item_table_scale"
    else:
        tab, tab_s = g.const(table, "item_table"), None

    K, d, H = cfg.n_experts, cfg.dim, cfg.heads
    dh = d // H
    tok = g.lookup(tab, tab_s, "history")  # [B, L, D]
    cooc_user = None
    if cooc:
        # the transformer reads the first d columns; the rest, weighted per item and summed over the
        # history (pads are zero rows), is the co-occurrence part of the user vector
        full = tok
        tok = g.op("Slice", [full, g.i64(0), g.i64(d), g.i64(2)])
        part = g.op("Slice", [full, g.i64(d), g.i64(D), g.i64(2)])
        wts = g.op("Unsqueeze", [g.op("Gather", [g.const(t2n(model.cooc_w), "cooc_w"), "history"], axis=0), g.i64(-1)])
        summed = g.op("ReduceSum", [g.op("Mul", [part, wts]), g.i64(1)], keepdims=0)  # [B, r]
        cooc_user = g.op("Mul", [summed, g.f32(model.cooc_scale)])
    nonpad = g.op("Not", [g.op("Equal", ["history", g.const(np.array(0, dtype=np.int64))])])
    L = g.op("Gather", [g.op("Shape", ["history"]), g.const(np.array(1, dtype=np.int64))], axis=0)
    r = g.op("Range", [g.const(np.array(0, dtype=np.int64)), L, g.const(np.array(1, dtype=np.int64))])
    dist = g.op("Sub", [g.op("Unsqueeze", [r, g.i64(1)]), g.op("Unsqueeze", [r, g.i64(0)])])  # i - j
    causal = g.op("GreaterOrEqual", [dist, g.const(np.array(0, dtype=np.int64))])
    eye = g.op("Equal", [dist, g.const(np.array(0, dtype=np.int64))])
    distc = g.op(
        "Clip", [dist, g.const(np.array(0, dtype=np.int64)), g.const(np.array(cfg.max_len - 1, dtype=np.int64))]
    )
    key_ok = g.op("Or", [g.op("Unsqueeze", [nonpad, g.i64(1, 2)]), eye])  # [B,1,L,L]
    allowed = g.op("And", [causal, key_ok])
    mask_add = g.op("Where", [allowed, g.f32(0.0), g.f32(-1e9)])

    grep = None
    last = g.const(np.array(-1, dtype=np.int64))
    if cfg.variant == "ilora":
        cnt = g.op("CumSum", [g.op("Cast", [nonpad], to=FLOAT), g.const(np.array(1, dtype=np.int64))])
        cnt = g.op("Unsqueeze", [g.op("Max", [cnt, g.f32(1.0)]), g.i64(-1)])
        mean = g.op("Div", [g.op("CumSum", [tok, g.const(np.array(1, dtype=np.int64))]), cnt])
        logits = g.op(
            "Add",
            [
                g.op("MatMul", [mean, g.weight(t2n(model.gate.weight).T, "gate_w")]),
                g.const(t2n(model.gate.bias), "gate_b"),
            ],
        )
        logits = g.op("Add", [logits, g.op("Unsqueeze", ["gate_bias", g.i64(1)])])
        gate_all = g.op("Softmax", [logits], axis=-1)  # [B, L, K]
        grep = g.op("MatMul", [gate_all, g.const(t2n(model.R), "gate_repeat")])
        g.op("Gather", [gate_all, last], "gate", axis=1)
    else:
        # No experts: gate is 1 for the single (or no) adapter; gate_bias is accepted and unused.
        shape = g.op("Concat", [g.op("Slice", [g.op("Shape", ["history"]), g.i64(0), g.i64(1)]), g.i64(1)], axis=0)
        g.op("ConstantOfShape", [shape], "gate", value=numpy_helper.from_array(np.array([1.0], dtype=np.float32)))

    # Only the last position's output is used (user, gate), so the last block computes its keys and
    # values at every position but its query, attention output and feed-forward at the last one only.
    def last_pos(t: str, axis: int) -> str:
        return g.op("Slice", [t, g.i64(-1), g.i64(np.iinfo(np.int64).max), g.i64(axis)])

    x = tok
    n_blocks = len(model.blocks)
    for li, blk in enumerate(model.blocks):
        p = f"l{li}"
        final = li == n_blocks - 1
        # relative-position bias + mask: [B, H, L, L], or [B, H, 1, L] (the last query) in the last block
        pos = g.op("Gather", [g.const(t2n(blk.pos), p + "_pos"), last_pos(distc, 0) if final else distc], axis=1)
        bias = g.op("Add", [pos, last_pos(mask_add, 2) if final else mask_add])
        h = g.layernorm(x, blk.ln1, p + "_ln1")
        shp = g.i64(0, 0, H, dh)
        if final:
            kh, vh = g.linears(h, [blk.k, blk.v], p + "_kv", grep)
            x = last_pos(x, 1)  # [B, 1, d]
            grep = None if grep is None else last_pos(grep, 1)
            qh = g.linear(last_pos(h, 1), blk.q, p + "_q", grep)
        else:
            qh, kh, vh = g.linears(h, [blk.q, blk.k, blk.v], p + "_qkv", grep)
        q = g.op("Transpose", [g.op("Reshape", [qh, shp])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [kh, shp])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [vh, shp])], perm=[0, 2, 1, 3])
        att = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), g.f32(1.0 / math.sqrt(dh))]), bias])
        att = g.op("Softmax", [att], axis=-1)
        o = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [att, v])], perm=[0, 2, 1, 3]), g.i64(0, 0, d)])
        x = g.op("Add", [x, g.linear(o, blk.o, p + "_o", grep)])
        h = g.layernorm(x, blk.ln2, p + "_ln2")
        f = g.op("Relu", [g.linear(h, blk.f1, p + "_f1", grep)])
        x = g.op("Add", [x, g.linear(f, blk.f2, p + "_f2", grep)])
    x = g.layernorm(x, model.ln_f, "ln_f")
    if cooc_user is None:
        g.op("Gather", [x, last], "user", axis=1)
    else:
        g.op("Concat", [g.op("Gather", [x, last], axis=1), cooc_user], "user", axis=1)
    score_table = tab if not quant else g.op("DequantizeLinear", [tab, tab_s], axis=0)
    # `with_scores` false skips the catalogue Gemm (scores [batch, 0]): a caller that scores the
    # catalogue itself from `user` (the page, with its int8 kernel) does not pay for it twice.
    n1 = cfg.n_items + 1
    then_g = helper.make_graph(
        [helper.make_node("Gemm", ["user", score_table], ["scores_all"], transB=1)],
        "with_scores",
        [],
        [helper.make_tensor_value_info("scores_all", FLOAT, ["batch", n1])],
    )
    empty_shape = g.op("Concat", [g.op("Shape", ["user"], end=1), g.i64(0)], axis=0)
    else_g = helper.make_graph(
        [
            helper.make_node(
                "ConstantOfShape",
                [empty_shape],
                ["scores_none"],
                value=numpy_helper.from_array(np.zeros(1, np.float32)),
            )
        ],
        "without_scores",
        [],
        [helper.make_tensor_value_info("scores_none", FLOAT, ["batch", 0])],
    )
    g.nodes.append(
        helper.make_node("If", ["with_scores"], ["scores"], name=g.uid("n_If"), then_branch=then_g, else_branch=else_g)
    )

    graph = helper.make_graph(
        g.nodes,
        "localrec",
        [
            helper.make_tensor_value_info("history", INT64, ["batch", "length"]),
            helper.make_tensor_value_info("gate_bias", FLOAT, ["batch", K]),
            helper.make_tensor_value_info("with_scores", TensorProto.BOOL, []),
        ],
        [
            helper.make_tensor_value_info("scores", FLOAT, ["batch", "scored"]),
            helper.make_tensor_value_info("user", FLOAT, ["batch", D]),
            helper.make_tensor_value_info("gate", FLOAT, ["batch", K]),
        ],
        g.inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="localrec-training")
    m.ir_version = 8
    return m, blob, scale_offset


def build_encoder_graph(model: Recommender, quant: bool) -> onnx.ModelProto:
    cfg = model.cfg
    g = Graph(quant)
    w = t2n(model.bucket.weight)
    if quant:
        q, s = quantize_rows(w)
        rows = g.lookup(g.const(q, "bucket_q"), g.const(s, "bucket_scale"), "features")
    else:
        rows = g.lookup(g.const(w, "bucket"), None, "features")
    nonpad = g.op("Cast", [g.op("Not", [g.op("Equal", ["features", g.const(np.array(0, dtype=np.int64))])])], to=FLOAT)
    cnt = g.op("Max", [g.op("ReduceSum", [nonpad, g.i64(1)], keepdims=1), g.f32(1.0)])
    mean = g.op("Div", [g.op("ReduceSum", [rows, g.i64(1)], keepdims=0), cnt])
    y = g.op("MatMul", [mean, g.weight(t2n(model.cproj.weight).T, "cproj_w")])
    extra = model.out_dim - cfg.dim
    y = g.op("Add", [y, g.const(t2n(model.cproj.bias), "cproj_b")], None if extra else "token")
    if extra:
        # the co-occurrence columns of an item no training user has seen are zero
        g.op("Pad", [y, g.i64(0, 0, 0, extra)], "token")
    graph = helper.make_graph(
        g.nodes,
        "localrec_encoder",
        [helper.make_tensor_value_info("features", INT64, ["batch", cfg.max_features])],
        [helper.make_tensor_value_info("token", FLOAT, ["batch", model.out_dim])],
        g.inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="localrec-training")
    m.ir_version = 8
    return m


def file_entry(path: Path) -> dict:
    data = path.read_bytes()
    return {"path": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def export_all(model: Recommender, ds, out: Path, created_by: str, evaluate_fn=None, extra: dict | None = None) -> dict:
    """Write model.fp32.onnx, model.onnx + items.bin, encoder.onnx, catalog.json, manifest.json."""
    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    cfg = model.cfg
    with torch.no_grad():
        fp32, _, _ = build_model_graph(model, quant=False)
        onnx.save_model(fp32, out / "model.fp32.onnx")
        q, blob, scale_offset = build_model_graph(model, quant=True)
        (out / "items.bin").write_bytes(blob)
        onnx.save_model(q, out / "model.onnx")
        onnx.checker.check_model(str(out / "model.onnx"))
        files = {"model": out / "model.onnx", "items": out / "items.bin"}
        if model.use_content:
            enc = build_encoder_graph(model, quant=True)
            onnx.save_model(enc, out / "encoder.onnx")
            onnx.save_model(build_encoder_graph(model, quant=False), out / "encoder.fp32.onnx")
            files["encoder"] = out / "encoder.onnx"
        elif (out / "encoder.onnx").exists():
            (out / "encoder.onnx").unlink()
    catalog = {
        "ids": ds.ids,
        "titles": ds.titles,
        "genres": ds.genres,
        "years": ds.years,
        "popularity": [int(x) for x in ds.popularity()[1:]],
    }
    catalog.update(getattr(ds, "catalog_extra", None) or {})
    (out / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    files["catalog"] = out / "catalog.json"

    entries = {k: file_entry(p) for k, p in files.items()}
    K, n1 = cfg.n_experts, cfg.n_items + 1
    manifest = {
        "format": "localrec-model",
        "formatVersion": 1,
        "name": ds.name,
        "dataset": ds.name,
        "modelVersion": entries["model"]["sha256"][:16],
        "createdBy": created_by,
        "itemCount": cfg.n_items,
        "padId": 0,
        "maxHistory": cfg.max_len,
        "dim": model.out_dim,
        "layers": cfg.layers,
        "heads": cfg.heads,
        "experts": K,
        "expertRank": cfg.expert_rank,
        "inputs": {
            "history": {"name": "history", "dtype": "int64", "shape": ["batch", "length"]},
            "gateBias": {"name": "gate_bias", "dtype": "float32", "shape": ["batch", K]},
            "withScores": {"name": "with_scores", "dtype": "bool", "shape": []},
        },
        "outputs": {
            "scores": {"name": "scores", "dtype": "float32", "shape": ["batch", n1]},
            "user": {"name": "user", "dtype": "float32", "shape": ["batch", model.out_dim]},
            "gate": {"name": "gate", "dtype": "float32", "shape": ["batch", K]},
        },
        "itemTable": {
            "file": "items.bin",
            "rows": n1,
            "dim": model.out_dim,
            "dtype": "int8",
            "dataOffset": 0,
            "scaleOffset": scale_offset,
        },
        "content": (
            {
                "buckets": cfg.buckets,
                "maxFeatures": cfg.max_features,
                "encoderInput": "features",
                "encoderOutput": "token",
                "testVectors": featmod.test_vectors(cfg.buckets, cfg.max_features),
            }
            if model.use_content
            else None
        ),
        "files": entries,
    }
    if model.cooc_g is not None:
        # dim includes the co-occurrence head's columns (training/cooc.py, docs/model-format.md)
        manifest["cooc"] = {"rank": int(model.cooc_g.shape[1]), "hiddenDim": cfg.dim, **getattr(model, "cooc_meta", {})}
    if evaluate_fn is not None:
        manifest["eval"] = evaluate_fn(out)
    if extra:
        manifest.update(extra)
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest
