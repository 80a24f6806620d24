"""The synthetic shop through `localrec train` (training/pipeline.py): the exported int8 model, run
with onnxruntime as the page runs it, must have learnt the structure the generator put in."""

import hashlib
import json

import numpy as np
import onnxruntime as ort
import pytest

from training import synthetic_shop
from training.data import right_align
from training.evaluate import model_feeds
from training.pipeline import run

# a small model so that the two trainings (selection + final fit) take seconds
SMALL = {"train": {"dim": 32, "ffn": 64, "buckets": 1024, "experts": 2, "cooc_rank": 16, "max_len": 20}}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    d = tmp_path_factory.mktemp("shop")
    ep, ip = synthetic_shop.write(d / "data", "small", seed=0)
    cfg = d / "config.json"
    cfg.write_text(json.dumps(SMALL))
    out = d / "model"
    summary = run(str(ep), str(ip), str(out), str(cfg), epochs=12, threads=2, log=lambda *a: None)
    items, _ = synthetic_shop.generate("small", seed=0)
    man = json.loads((out / "manifest.json").read_text())
    cat = json.loads((out / "catalog.json").read_text())
    sess = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    index = {x: i + 1 for i, x in enumerate(cat["ids"])}

    def top(history_ids: list[str], k: int = 10) -> list[str]:
        h = right_align([np.array([index[x] for x in history_ids], np.int64)])
        s = sess.run(["scores"], model_feeds(h, np.zeros((1, man["experts"]), np.float32)))[0][0]
        s[0] = -np.inf
        s[h[0][h[0] > 0]] = -np.inf
        return [cat["ids"][j - 1] for j in np.argsort(-s)[:k]]

    return {
        "out": out,
        "summary": summary,
        "items": items,
        "by_id": {it["item_id"]: it for it in items},
        "manifest": man,
        "catalog": cat,
        "top": top,
    }


def test_folder_holds_only_what_a_page_loads_plus_the_report(shop):
    out, man = shop["out"], shop["manifest"]
    assert sorted(p.name for p in out.iterdir()) == [
        "catalog.json",
        "encoder.onnx",
        "items.bin",
        "manifest.json",
        "model.onnx",
        "report.md",
        "report.svg",
    ]
    for entry in man["files"].values():
        data = (out / entry["path"]).read_bytes()
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert man["refit"]["allEvents"] is True
    assert man["refit"]["users"] == shop["summary"]["stats"]["interactions"]["users"]
    sel = man["eval"]["selection"]
    assert {"model", "popularity", "recent popularity", "item-to-item transitions", "co-occurrence"} <= set(sel)
    first = (out / "report.md").read_text().splitlines()[0]
    assert first.startswith("**The model") and "NDCG@10" in first
    assert (out / "report.svg").read_text().startswith("<svg")


def test_catalogue_carries_the_shop_columns(shop):
    cat, by_id = shop["catalog"], shop["by_id"]
    j = cat["ids"].index("p00000")
    it = by_id["p00000"]
    assert cat["titles"][j] == it["title"] and cat["genres"][j] == [it["category"]]
    assert cat["prices"][j] == pytest.approx(float(it["price"])) and cat["brands"][j] == it["brand"]
    assert cat["urls"][j] == it["url"] and cat["currencies"][j] == "EUR"
    assert cat["images"][j] == (it["image"] or None)


def test_model_beats_popularity_on_held_out_cases(shop):
    r = shop["summary"]["selection"]["rankers"]
    assert r["popularity"]["ndcg10"]["lead_lo"] > 0  # the paired interval of the model's lead excludes 0


def test_viewing_one_category_puts_that_category_first(shop):
    items, top = shop["items"], shop["top"]
    hits, total = 0, 0
    for prim, _ in synthetic_shop.PAIRS:
        phones = [it["item_id"] for it in items if it["category"] == prim and it["_arrival"] == 0.0]
        for a in range(len(phones) - 1):
            rec = top(phones[a : a + 2], 10)
            hits += shop["by_id"][rec[0]]["category"] == prim
            total += 1
    assert hits / total >= 0.7, (hits, total)


def test_after_a_purchase_its_accessories_appear(shop):
    items, top = shop["items"], shop["top"]
    found, total = 0, 0
    for i, it in enumerate(items):
        if it["_kind"] != "primary":
            continue
        accessories = {x["item_id"] for x in items if x["_parent"] == i}
        rec = top([it["item_id"]], 10)
        found += bool(accessories & set(rec))
        total += 1
    # chance: 2 of 117 items in a top 10, about 0.17
    assert found / total >= 0.6, (found, total)


def test_items_remove_and_add_make_a_new_version_without_retraining(shop, tmp_path):
    from training.items_update import update

    out, man = shop["out"], shop["manifest"]
    (tmp_path / "rm.csv").write_text("item_id\np00001\nnot-there\n")
    m1 = update(str(out), remove=str(tmp_path / "rm.csv"), out=str(tmp_path / "v1"), log=lambda *a: None)
    assert m1["itemCount"] == man["itemCount"] - 1 and m1["modelVersion"] != man["modelVersion"]
    cat1 = json.loads((tmp_path / "v1" / "catalog.json").read_text())
    assert "p00001" not in cat1["ids"] and len(cat1["prices"]) == m1["itemCount"]
    (tmp_path / "add.csv").write_text(
        "item_id,title,category,brand,price,image\n"
        "new1,Slim phone case for Gantry Phone Ultra 1,Phone cases,Gantry,20,n.jpg\n"
        "p00000,Gantry Phone Ultra 1 (renamed),Phones,Gantry,499,\n"
    )
    m2 = update(str(tmp_path / "v1"), add=str(tmp_path / "add.csv"), out=str(tmp_path / "v2"), log=lambda *a: None)
    assert m2["itemCount"] == m1["itemCount"] + 1 and m2["catalogUpdates"][-1] == {
        "added": 1,
        "updated": 1,
        "calibrated": True,
    }
    cat2 = json.loads((tmp_path / "v2" / "catalog.json").read_text())
    assert cat2["ids"][-1] == "new1" and cat2["images"][-1] == "n.jpg" and cat2["popularity"][-1] == 0
    assert cat2["titles"][cat2["ids"].index("p00000")] == "Gantry Phone Ultra 1 (renamed)"
    for entry in m2["files"].values():
        data = (tmp_path / "v2" / entry["path"]).read_bytes()
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
    sess = ort.InferenceSession(str(tmp_path / "v2" / "model.onnx"), providers=["CPUExecutionProvider"])
    s = sess.run(["scores"], model_feeds(np.array([[1, 2]], np.int64), np.zeros((1, m2["experts"]), np.float32)))[0]
    assert s.shape == (1, m2["itemCount"] + 1) and np.isfinite(s).all()


def test_new_products_reach_the_top_10_with_the_calibration(shop, tmp_path):
    from training.items_update import study_new_items

    res = study_new_items(str(shop["out"]), str(tmp_path), log=lambda *a: None)
    raw, cal = res["raw"], res["calibrated"]
    assert cal["new_in_top10"] >= 0.5
    assert cal["new_in_top10"] > raw["new_in_top10"]
    assert cal["own_accessory_in_top10"] >= raw["own_accessory_in_top10"]
