"""The binary catalogue (`catalog.bin`, docs/model-format.md), for catalogues too large to parse as JSON
in a page: the engine reads it in place (ids and titles decoded on demand, a hash index over the id
bytes) instead of building a million JavaScript strings at start-up.

Little-endian. A 96-byte header:

    0   magic b"LRCB"
    4   u32 version (1)
    8   u32 n, the item count
    12  u32 g, the number of distinct genres
    16  10 × (u32 offset, u32 byte length) of the sections below, in this order, each offset a multiple of 4

Sections (arrays indexed by model index - 1; lengths rather than offsets, so that they compress
on the wire; a reader sums them once):

    id_lengths      u16[n]       UTF-8 byte length of each id (ids non-empty and unique)
    id_blob         UTF-8 of every id, concatenated (sum of id_lengths bytes)
    title_lengths   u16[n]
    title_blob      UTF-8
    genre_lengths   u16[g]       the genre dictionary, first-seen order
    genre_blob      UTF-8
    genre_counts    u8[n]        number of genres of each item
    item_genres     u16[...]     dictionary indices of each item's genres, in order (sum of genre_counts)
    years           i16[n]       -32768 = no year
    popularity      f32[n]       interactions in the training data (>= 0)
"""

from __future__ import annotations

import math
import struct

import numpy as np

MAGIC = b"LRCB"
VERSION = 1
NO_YEAR = -32768
HEADER = 16 + 10 * 8


def _strings(values: list[str], what: str) -> tuple[np.ndarray, bytes]:
    enc = [v.encode("utf-8") for v in values]
    lens = np.array([len(e) for e in enc], dtype=np.int64)
    if len(lens) and lens.max() > 0xFFFF:
        raise ValueError(f"a {what} is longer than 65,535 UTF-8 bytes")
    return lens.astype("<u2"), b"".join(enc)


def encode_catalog(
    ids: list[str], titles: list[str], genres: list[list[str]], years: list[int | None], popularity: list[float]
) -> bytes:
    n = len(ids)
    if not (len(titles) == len(genres) == len(years) == len(popularity) == n):
        raise ValueError("catalogue columns differ in length")
    if len(set(ids)) != n or any(not i for i in ids):
        raise ValueError("ids must be non-empty and unique")
    vocab: dict[str, int] = {}
    item_genres: list[int] = []
    counts = np.zeros(n, dtype=np.uint8)
    for i, gs in enumerate(genres):
        if len(gs) > 255:
            raise ValueError(f"item {ids[i]} has more than 255 genres")
        for g in gs:
            item_genres.append(vocab.setdefault(g, len(vocab)))
        counts[i] = len(gs)
    if len(vocab) > 0xFFFF:
        raise ValueError("more than 65,535 distinct genres")
    ys = [NO_YEAR if y is None else int(y) for y in years]
    if any(y is not None and not -32767 <= int(y) <= 32767 for y in years):
        raise ValueError("a year is outside -32767..32767")
    if any(not (p >= 0 and math.isfinite(p)) for p in popularity):
        raise ValueError("popularity must be finite and >= 0")
    id_len, id_blob = _strings(ids, "id")
    t_len, t_blob = _strings(titles, "title")
    g_len, g_blob = _strings(list(vocab), "genre")
    sections = [
        id_len.tobytes(),
        id_blob,
        t_len.tobytes(),
        t_blob,
        g_len.tobytes(),
        g_blob,
        counts.tobytes(),
        np.asarray(item_genres, dtype="<u2").tobytes(),
        np.asarray(ys, dtype="<i2").tobytes(),
        np.asarray(popularity, dtype="<f4").tobytes(),
    ]
    body, table, pos = [], [], HEADER
    for s in sections:
        table += [pos, len(s)]
        pad = (-len(s)) % 4
        body.append(s + b"\0" * pad)
        pos += len(s) + pad
    head = MAGIC + struct.pack("<3I", VERSION, n, len(vocab)) + struct.pack("<20I", *table)
    return head + b"".join(body)


def decode_catalog(data: bytes) -> dict:
    """The catalogue as catalog.json's dict (for tests and tools)."""
    if data[:4] != MAGIC:
        raise ValueError("not a binary catalogue")
    version, n, g = struct.unpack_from("<3I", data, 4)
    if version != VERSION:
        raise ValueError(f"binary catalogue version {version}")
    t = struct.unpack_from("<20I", data, 16)
    sec = [data[t[2 * k] : t[2 * k] + t[2 * k + 1]] for k in range(10)]

    def strings(len_b: bytes, blob: bytes) -> list[str]:
        off = np.concatenate([[0], np.cumsum(np.frombuffer(len_b, dtype="<u2"), dtype=np.int64)])
        return [blob[off[i] : off[i + 1]].decode("utf-8") for i in range(len(off) - 1)]

    vocab = strings(sec[4], sec[5])
    if len(vocab) != g:
        raise ValueError(f"genre dictionary has {len(vocab)} entries, the header says {g}")
    ig_off = np.concatenate([[0], np.cumsum(np.frombuffer(sec[6], dtype=np.uint8), dtype=np.int64)])
    ig = np.frombuffer(sec[7], dtype="<u2")
    years = np.frombuffer(sec[8], dtype="<i2")
    return {
        "ids": strings(sec[0], sec[1]),
        "titles": strings(sec[2], sec[3]),
        "genres": [[vocab[j] for j in ig[ig_off[i] : ig_off[i + 1]]] for i in range(n)],
        "years": [None if y == NO_YEAR else int(y) for y in years],
        "popularity": np.frombuffer(sec[9], dtype="<f4").tolist(),
    }
