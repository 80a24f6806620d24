"""New and removed products without retraining: `localrec items --model DIR --add new.csv | --remove ids.csv`.

A new product's token comes from the model's item encoder (`encoder.onnx`, content features only),
*calibrated* to the trained tokens: the encoder's output for a trained item is systematically
smaller than that item's token (which also holds its trained ID embedding), so raw content-only
tokens score below nearly every trained item and never reach a top 10. The calibration fits, over
the trained items, one scale `s` (least squares of token on content token) and the mean residual
`b` (what every trained token has beyond its content: a typical item's share of the score), and a
new token is `s * encoder(x) + b`, i.e. a typical item with this content. Removal drops rows. Either
way every file is rewritten (int8 table, catalogue, the graph's table shapes) and the manifest gets
new hashes, so pages see a new model version.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import onnx

from .export import dequantize_rows, quantize_rows
from .ingest import InputError, hash_features, load_config, read_items, read_table

DETAIL_KEYS = (
    ("images", "image"),
    ("prices", "price"),
    ("currencies", "currency"),
    ("urls", "url"),
    ("brands", "brand"),
    ("availability", "availability"),
)


def load_table(d: Path, man: dict) -> np.ndarray:
    it = man["itemTable"]
    if it.get("dtype") != "int8":
        raise InputError(d / "manifest.json", f"item table dtype '{it.get('dtype')}' cannot be updated (int8 only)")
    raw = (d / it["file"]).read_bytes()
    rows, dim = it["rows"], it["dim"]
    q = np.frombuffer(raw, np.int8, rows * dim, it["dataOffset"]).reshape(rows, dim)
    s = np.frombuffer(raw, "<f4", rows, it["scaleOffset"])
    return dequantize_rows(q, s)


def encoder_tokens(d: Path, feats: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(d / "encoder.onnx"), providers=["CPUExecutionProvider"])
    return sess.run(["token"], {"features": feats})[0]


def calibration(table: np.ndarray, content: np.ndarray, hidden: int) -> tuple[float, np.ndarray]:
    """(s, b): trained tokens ~= s * content tokens + b over the transformer columns (module docstring)."""
    t, c = table[1:, :hidden], content[:, :hidden]
    s = float((t * c).sum() / max((c * c).sum(), 1e-12))
    b = (t - s * c).mean(0)
    return s, b


def write_model(
    src: Path, dst: Path, man: dict, table: np.ndarray, catalog: dict, cooc_w: np.ndarray | None, note: dict
) -> dict:
    """The model folder with a new item table (rows = items + 1) and catalogue; other files copied."""
    n1 = table.shape[0]
    q, s = quantize_rows(table.astype(np.float32))
    q[0] = 0
    scale_offset = (q.nbytes + 3) // 4 * 4
    blob = q.tobytes() + b"\0" * (scale_offset - q.nbytes) + s.astype("<f4").tobytes()
    m = onnx.load(str(src / "model.onnx"), load_external_data=False)
    for t in m.graph.initializer:
        if t.name in ("item_table_q", "item_table_scale"):
            t.dims[0] = n1
            off, length = (0, q.nbytes) if t.name == "item_table_q" else (scale_offset, s.nbytes)
            for e in t.external_data:
                if e.key == "offset":
                    e.value = str(off)
                elif e.key == "length":
                    e.value = str(length)
        elif t.name == "cooc_w" and cooc_w is not None:
            t.CopyFrom(onnx.numpy_helper.from_array(cooc_w.astype(np.float32), "cooc_w"))
    for node in m.graph.node:  # the If node's `then` branch declares the scores' width
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                for o in a.g.output:
                    dims = o.type.tensor_type.shape.dim
                    if len(dims) == 2 and dims[1].dim_value:
                        dims[1].dim_value = n1
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "items.bin").write_bytes(blob)
    onnx.save_model(m, str(dst / "model.onnx"))
    if (src / "encoder.onnx").exists():
        shutil.copy2(src / "encoder.onnx", dst / "encoder.onnx")
    (dst / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    for f in ("report.md", "report.svg"):
        if (src / f).exists():
            shutil.copy2(src / f, dst / f)
    man = json.loads(json.dumps(man))
    for entry in man["files"].values():
        data = (dst / entry["path"]).read_bytes()
        entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    man["modelVersion"] = man["files"]["model"]["sha256"][:16]
    man["itemCount"] = n1 - 1
    man["itemTable"].update(rows=n1, scaleOffset=scale_offset)
    if "scores" in man.get("outputs", {}):
        man["outputs"]["scores"]["shape"] = ["batch", n1]
    man.setdefault("catalogUpdates", []).append(note)
    (dst / "manifest.json").write_text(json.dumps(man, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return man


def update(
    model: str,
    add: str | None = None,
    remove: str | None = None,
    config: str | None = None,
    out: str | None = None,
    calibrate: bool = True,
    log=print,
) -> dict:
    d = Path(model)
    if not (d / "manifest.json").exists():
        raise InputError(d, "is not a model folder (no manifest.json)")
    man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((d / man["files"]["catalog"]["path"]).read_text(encoding="utf-8"))
    table = load_table(d, man)
    cooc_w = None
    m = onnx.load(str(d / "model.onnx"), load_external_data=False)
    for t in m.graph.initializer:
        if t.name == "cooc_w":
            cooc_w = onnx.numpy_helper.to_array(t).copy()
    n = len(catalog["ids"])
    for key, _ in DETAIL_KEYS:
        catalog.setdefault(key, [None] * n) if key in catalog else None
    note: dict = {}
    if remove:
        cols, rows = read_table(remove)
        low = [c.lower() for c in cols]
        ci = next(
            (low.index(c) for c in ("item_id", "id", "itemid", "sku", "product_id") if c in low),
            0 if len(cols) == 1 else None,
        )
        if ci is None:
            raise InputError(remove, "needs an item id column (item_id)", column="item_id")
        gone = {(r[ci] or "").strip() for r in rows}
        unknown = sorted(gone - set(catalog["ids"]))
        keep = [j for j, x in enumerate(catalog["ids"]) if x not in gone]
        if not keep:
            raise InputError(remove, "would remove every item of the model")
        rows_idx = [0] + [j + 1 for j in keep]
        table = table[rows_idx]
        if cooc_w is not None:
            cooc_w = cooc_w[rows_idx]
        for key, vals in list(catalog.items()):
            if isinstance(vals, list) and len(vals) == n:
                catalog[key] = [vals[j] for j in keep]
        note = {"removed": n - len(keep), "unknownIds": len(unknown)}
        log(
            f"removed {n - len(keep)} items"
            + (f"; {len(unknown)} ids were not in the model (e.g. {unknown[0]})" if unknown else "")
        )
    if add:
        if man.get("content") is None or not (d / "encoder.onnx").exists():
            raise InputError(d, "has no item encoder (trained without content), so new items cannot get tokens")
        cfg = load_config(config)
        items = read_items(add, cfg)
        c = man["content"]
        feats = hash_features(items.features, c["buckets"], c["maxFeatures"])[1:]
        tokens = encoder_tokens(d, feats)
        hidden = man.get("cooc", {}).get("hiddenDim", table.shape[1])
        if calibrate:
            # the calibration is fitted on the trained items' own content, hashed the same way
            old = read_items_from_catalog(catalog)
            s, b = calibration(table, encoder_tokens(d, hash_features(old, c["buckets"], c["maxFeatures"])[1:]), hidden)
            tokens[:, :hidden] = s * tokens[:, :hidden] + b
        index = {x: j for j, x in enumerate(catalog["ids"])}
        added, updated = 0, 0
        for k, iid in enumerate(items.ids):
            vals = {"titles": items.title[k], "genres": items.category[k], "years": items.year[k], "popularity": 0}
            details = {key: items.fields[f][k] for key, f in DETAIL_KEYS}
            if iid in index:  # an update of a trained item keeps its trained token
                j = index[iid]
                catalog["titles"][j], catalog["genres"][j], catalog["years"][j] = (
                    vals["titles"],
                    vals["genres"],
                    vals["years"],
                )
                for key, v in details.items():
                    if key in catalog:
                        catalog[key][j] = v
                updated += 1
                continue
            cnt = len(catalog["ids"])
            catalog["ids"].append(iid)
            for key, v in vals.items():
                catalog[key].append(v)
            for key, v in details.items():
                if key not in catalog and v is not None:
                    catalog[key] = [None] * cnt
                if key in catalog:
                    catalog[key].append(v)
            table = np.concatenate([table, tokens[k : k + 1]], 0)
            if cooc_w is not None:
                cooc_w = np.append(cooc_w, 0.0)  # no co-occurrence columns for a new item: its weight is unused
            added += 1
        note = {"added": added, "updated": updated, "calibrated": calibrate}
        log(f"added {added} items, updated {updated}")
    dst = Path(out) if out else d
    tmp = dst.parent / f".{dst.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    new_man = write_model(d, tmp, man, table, catalog, cooc_w, note)
    old = dst.parent / f".{dst.name}.old-{os.getpid()}"
    if dst.exists():
        dst.rename(old)
    tmp.rename(dst)
    shutil.rmtree(old, ignore_errors=True)
    log(f"new model version {new_man['modelVersion']} in {dst} ({new_man['itemCount']} items)")
    return new_man


def read_items_from_catalog(catalog: dict) -> list[list[str]]:
    """Feature strings of the catalogue's own items, by the rules of ingest.read_items for the
    columns a catalogue keeps (categories, brand, title, year)."""
    from .features import title_words

    out = []
    brands = catalog.get("brands")
    for j, t in enumerate(catalog["titles"]):
        f = [f"g:{g.lower()}" for g in catalog["genres"][j]]
        if brands and brands[j]:
            f.append(f"b:{brands[j].lower()}")
        f += [f"t:{w}" for w in title_words(t)]
        y = catalog["years"][j]
        if y is not None:
            f += [f"y:{y}", f"d:{(y // 10) * 10}"]
        out.append(f)
    return out


def study_new_items(model_dir: str, work: str, log=print) -> dict:
    """How products added without retraining rank, with and without the calibration: on a synthetic
    shop model, remove every accessory, add them back as new products (content only), and for each
    primary product as a one-item history count how often a new product, and one of its own
    accessories, is in the top 10."""
    import onnxruntime as ort

    from .data import right_align
    from .evaluate import model_feeds

    d, w = Path(model_dir), Path(work)
    w.mkdir(parents=True, exist_ok=True)
    cat = json.loads((d / "catalog.json").read_text(encoding="utf-8"))
    acc = [j for j, t in enumerate(cat["titles"]) if " for " in t]
    (w / "remove.csv").write_text("item_id\n" + "".join(cat["ids"][j] + "\n" for j in acc), encoding="utf-8")
    with open(w / "add.csv", "w", encoding="utf-8") as f:
        f.write("item_id,title,category,brand,price,currency\n")
        for j in acc:
            f.write(
                f'{cat["ids"][j]},"{cat["titles"][j]}",{cat["genres"][j][0]},{cat["brands"][j]},'
                f"{cat['prices'][j]},{cat['currencies'][j]}\n"
            )
    update(str(d), remove=str(w / "remove.csv"), out=str(w / "removed"), log=lambda *a: None)
    res = {}
    for calibrated in (False, True):
        out = w / ("calibrated" if calibrated else "raw")
        update(str(w / "removed"), add=str(w / "add.csv"), out=str(out), calibrate=calibrated, log=lambda *a: None)
        man = json.loads((out / "manifest.json").read_text())
        c2 = json.loads((out / "catalog.json").read_text())
        new = set(range(len(c2["ids"]) - len(acc) + 1, len(c2["ids"]) + 1))
        index = {x: i + 1 for i, x in enumerate(c2["ids"])}
        sess = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
        prim = [
            j for j, t in enumerate(c2["titles"]) if " for " not in t and any(t in u for u in c2["titles"][-len(acc) :])
        ]
        any_new = own = 0
        for j in prim:
            h = right_align([np.array([j + 1], np.int64)])
            s = sess.run(["scores"], model_feeds(h, np.zeros((1, man["experts"]), np.float32)))[0][0]
            s[0], s[j + 1] = -np.inf, -np.inf
            top = set(np.argsort(-s)[:10].tolist())
            mine = {index[c2["ids"][k - 1]] for k in new if c2["titles"][k - 1].endswith(f"for {c2['titles'][j]}")}
            any_new += bool(top & new)
            own += bool(top & mine)
        res["calibrated" if calibrated else "raw"] = {
            "histories": len(prim),
            "new_in_top10": any_new / len(prim),
            "own_accessory_in_top10": own / len(prim),
        }
    log(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    import sys

    study_new_items(sys.argv[1], sys.argv[2])
