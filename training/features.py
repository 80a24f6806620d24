"""Item featurisation: hashed content features (docs/model-format.md, "Featurisation").

The TypeScript side (src/core/features.ts) implements the same spec; both check the
`content.testVectors` of the manifest, which `test_vectors()` produces.
"""

from __future__ import annotations

import unicodedata

import numpy as np

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619


def fnv1a32(data: bytes) -> int:
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def _is_word_char(c: str) -> bool:
    # JavaScript's [\p{L}\p{N}]: every letter (L*) and number (N*) category.
    return unicodedata.category(c)[0] in ("L", "N")


def title_words(title: str) -> list[str]:
    """NFKC, lowercase, split on runs of characters that are neither letters nor numbers."""
    text = unicodedata.normalize("NFKC", title).lower()
    words, cur = [], []
    for c in text:
        if _is_word_char(c):
            cur.append(c)
        elif cur:
            words.append("".join(cur))
            cur = []
    if cur:
        words.append("".join(cur))
    return words


def feature_strings(title: str, genres: list[str], year: int | None, max_features: int) -> list[str]:
    feats = [f"t:{w}" for w in title_words(title or "")]
    feats += [f"g:{g.lower().strip()}" for g in genres or []]
    if year is not None:
        feats += [f"y:{year}", f"d:{(year // 10) * 10}"]
    seen, out = set(), []
    for f in feats:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out[:max_features]


def featurise(title: str, genres: list[str], year: int | None, buckets: int, max_features: int) -> list[int]:
    """Hashed buckets (1..buckets-1), right-padded with 0 to max_features."""
    ids = [1 + fnv1a32(f.encode("utf-8")) % (buckets - 1) for f in feature_strings(title, genres, year, max_features)]
    return ids + [0] * (max_features - len(ids))


def featurise_catalog(titles, genres, years, buckets: int, max_features: int) -> np.ndarray:
    """[itemCount + 1, max_features] int64; row 0 (pad) is all zeros."""
    out = np.zeros((len(titles) + 1, max_features), dtype=np.int64)
    for i, (t, g, y) in enumerate(zip(titles, genres, years, strict=False)):
        out[i + 1] = featurise(t, g, y, buckets, max_features)
    return out


# Cases for both implementations: accents (composed and decomposed), full-width forms, CJK,
# punctuation-only separators, apostrophes, a roman-numeral compatibility character, a genre
# needing trim + lowercase, duplicates, no year, and more features than max_features.
TEST_CASES = [
    {"title": "Toy Story (1995)", "genres": ["Animation", "Children's", "Comedy"], "year": 1995},
    {
        "title": "Ame\u0301lie (Fabuleux destin d'Ame\u0301lie Poulain, Le) (2001)",
        "genres": [" Comedy ", "ROMANCE"],
        "year": 2001,
    },
    {
        "title": "\uff21\uff23\uff0f\uff24\uff23 \u2014 Mo\u0308tley Cru\u0308e & Guns N' Roses!!",
        "genres": [],
        "year": None,
    },
    {"title": "\u5b87\u591a\u7530\u30d2\u30ab\u30eb / Sigur R\u00f3s \u2162 \u00bd", "genres": ["J-Pop"], "year": 1999},
    {"title": "a b c d e f g h i j k l m n o p q a b", "genres": ["x", "y"], "year": 1899},
]


def test_vectors(buckets: int, max_features: int) -> list[dict]:
    return [dict(c, features=featurise(c["title"], c["genres"], c["year"], buckets, max_features)) for c in TEST_CASES]
