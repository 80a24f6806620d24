"""--holdout-users: a seeded uniform draw of train.jsonl users, removed entirely from training."""

import json

import numpy as np
import pytest

from training import train as T
from training.data import load_dataset, read_users


def test_draw_is_seeded_distinct_and_from_train_users():
    users = read_users("lastfm")
    a = T.pick_holdout_users("lastfm", 150, 0)
    assert a == T.pick_holdout_users("lastfm", 150, 0)
    assert len(a) == 150 and len(set(a)) == 150 and set(a) <= set(users)
    assert a != T.pick_holdout_users("lastfm", 150, 1)
    with pytest.raises(ValueError):
        T.pick_holdout_users("lastfm", len(users), 0)


def test_held_out_users_leave_training_and_beauty_val_but_not_the_catalog():
    held = T.pick_holdout_users("beauty", 2000, 0)
    full = load_dataset("beauty")
    ds = load_dataset("beauty", exclude_users=set(held))
    assert ds.ids == full.ids  # the catalogue is items.tsv, whatever the users
    assert len(ds.train) == len(full.train) - 2000 and not set(held) & set(ds.users)
    assert min(len(s) for s in full.train) >= 1 and len(full.val) == len(
        full.train
    )  # 5-core: every user has a val case
    assert len(ds.val) == len(full.val) - 2000
    keep = [s for u, s in zip(full.users, full.train, strict=False) if u not in set(held)]
    assert all(np.array_equal(x, y) for x, y in zip(ds.train, keep, strict=False))


def test_train_writes_the_held_out_ids(tmp_path):
    argv = [
        "--dataset",
        "movielens",
        "--holdout-users",
        "20",
        "--max-train-users",
        "30",
        "--epochs",
        "1",
        "--eval-every",
        "0",
        "--buckets",
        "256",
        "--out",
        str(tmp_path / "m"),
        "--log",
        str(tmp_path / "log.json"),
    ]
    _, ds, info = T.main(argv)
    written = json.loads((tmp_path / "m" / "holdout-users.json").read_text())
    assert written == info["holdout_users"] == T.pick_holdout_users("movielens", 20, 0)
    assert not set(written) & set(ds.users)
    man = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert man["training"]["holdoutUsers"] == 20
