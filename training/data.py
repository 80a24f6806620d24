"""Datasets from ../shared/datasets/<name>/ (relative to the repo root), mapped to model indices.

External item ids (strings) map to model indices 1..N in items.tsv order; 0 is the pad id.
Beauty has no val.jsonl: each train user's last item becomes the validation target (the rest
is the history) and is removed from that user's training sequence. Nothing is written to ../shared.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def datasets_root() -> Path:
    return Path(os.environ.get("LOCALREC_DATASETS", REPO.parent / "shared" / "datasets")).resolve()


@dataclass
class ValCase:
    history: np.ndarray  # model indices, oldest first (no padding)
    next: int
    candidates: np.ndarray | None  # [5, 20] model indices (candidate protocol) or None


@dataclass
class Dataset:
    name: str
    ids: list[str]
    titles: list[str]
    genres: list[list[str]]
    years: list[int | None]
    train: list[np.ndarray]  # per user, model indices oldest first
    val: list[ValCase]
    protocol: str  # "candidates" | "full"
    index: dict[str, int] = field(repr=False, default_factory=dict)
    users: list[str] = field(repr=False, default_factory=list)  # train.jsonl user ids, aligned with `train`
    features: np.ndarray | None = field(repr=False, default=None)  # precomputed content buckets (a shop's own data)
    catalog_extra: dict = field(repr=False, default_factory=dict)  # more catalogue columns (docs/model-format.md)
    weights: list[np.ndarray] | None = field(repr=False, default=None)  # per-interaction weights, aligned with `train`

    @property
    def n_items(self) -> int:
        return len(self.ids)

    @property
    def has_content(self) -> bool:
        if self.features is not None:
            return bool((self.features[1:] > 0).any())
        return any(self.titles) or any(self.genres) or any(y is not None for y in self.years)

    def popularity(self) -> np.ndarray:
        """Interactions in the training data per model index ([N+1], index 0 = pad = 0)."""
        pop = np.zeros(self.n_items + 1, dtype=np.int64)
        for s in self.train:
            np.add.at(pop, s, 1)
        return pop


def read_items(path: Path):
    ids, titles, genres, years = [], [], [], []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        assert header[:4] == ["item_id", "title", "genres", "year"], header
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            cols = (line.split("\t") + ["", "", ""])[:4]
            ids.append(cols[0])
            titles.append(cols[1])
            genres.append([g for g in cols[2].split("|") if g.strip()])
            years.append(int(cols[3]) if cols[3].strip() else None)
    return ids, titles, genres, years


def read_users(name: str) -> list[str]:
    """User ids of train.jsonl, in file order."""
    with open(datasets_root() / name / "train.jsonl", encoding="utf-8") as f:
        return [str(json.loads(line)["user"]) for line in f if line.strip()]


def load_dataset(name: str, max_history: int = 50, exclude_users: set[str] | None = None) -> Dataset:
    """`exclude_users`: train.jsonl users left out entirely (no training sequence, no Beauty val case);
    the catalogue still holds every item of items.tsv."""
    root = datasets_root() / name
    ids, titles, genres, years = read_items(root / "items.tsv")
    index = {x: i + 1 for i, x in enumerate(ids)}

    def m(x) -> int:
        return index[str(x)]

    seqs, users = [], []
    with open(root / "train.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                if exclude_users and str(r["user"]) in exclude_users:
                    continue
                users.append(str(r["user"]))
                seqs.append(np.array([m(x) for x in r["items"]], dtype=np.int64))

    val: list[ValCase] = []
    if (root / "val.jsonl").exists():
        protocol = "candidates"
        train = seqs
        with open(root / "val.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    val.append(
                        ValCase(
                            history=np.array([m(x) for x in r["history"]], dtype=np.int64),
                            next=m(r["next"]),
                            candidates=np.array([[m(x) for x in c] for c in r["candidates"]], dtype=np.int64),
                        )
                    )
    else:
        protocol = "full"
        train = []
        for s in seqs:
            if len(s) < 2:
                train.append(s)
                continue
            val.append(ValCase(history=s[:-1][-max_history:], next=int(s[-1]), candidates=None))
            train.append(s[:-1])
    return Dataset(name, ids, titles, genres, years, train, val, protocol, index, users)


def right_align(histories: list[np.ndarray], length: int | None = None) -> np.ndarray:
    """[batch, length] int64, oldest first, last real item in the last column, left-padded with 0."""
    length = length or max(1, max(len(h) for h in histories))
    out = np.zeros((len(histories), length), dtype=np.int64)
    for i, h in enumerate(histories):
        h = h[-length:]
        if len(h):
            out[i, length - len(h) :] = h
    return out
