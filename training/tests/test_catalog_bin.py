"""The binary catalogue writer (training/catalog_bin.py); the TypeScript reader is tested on the same
fixture files in tests/unit/catalog.test.ts."""

import json
from pathlib import Path

import pytest

from training.catalog_bin import decode_catalog, encode_catalog

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"


@pytest.mark.parametrize("name", ["edge", "numeric"])
def test_fixture_files_are_what_the_writer_writes(name):
    cat = json.loads((FIXTURES / "catalogs" / f"{name}.json").read_text(encoding="utf-8"))
    data = (FIXTURES / "catalogs" / f"{name}.bin").read_bytes()
    assert encode_catalog(**cat) == data
    assert decode_catalog(data) == cat


def test_tiny_twin():
    cat = json.loads((FIXTURES / "tiny" / "catalog.json").read_text())
    assert decode_catalog((FIXTURES / "tiny" / "catalog.bin").read_bytes()) == cat


def test_sections_are_aligned():
    data = encode_catalog(
        ["a", "bb", "ccc"], ["x", "", "yyyyy"], [["g"], [], ["g", "h"]], [None, 1, 2], [1.0, 0.0, 2.0]
    )
    import struct

    table = struct.unpack_from("<20I", data, 16)
    for k in range(10):
        assert table[2 * k] % 4 == 0
        assert table[2 * k] + table[2 * k + 1] <= len(data)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c["ids"].__setitem__(1, "a"), "unique"),
        (lambda c: c["ids"].__setitem__(0, ""), "non-empty"),
        (lambda c: c["titles"].__setitem__(0, "é" * 40000), "longer than 65,535"),
        (lambda c: c["genres"].__setitem__(0, [str(i) for i in range(256)]), "more than 255 genres"),
        (lambda c: c["years"].__setitem__(0, 40000), "outside -32767..32767"),
        (lambda c: c["years"].__setitem__(0, -32768), "outside -32767..32767"),
        (lambda c: c["popularity"].__setitem__(0, -1), "popularity"),
        (lambda c: c["popularity"].__setitem__(0, float("nan")), "popularity"),
        (lambda c: c["titles"].pop(), "differ in length"),
    ],
)
def test_refuses_what_the_format_cannot_hold(change, message):
    cat = {"ids": ["a", "b"], "titles": ["A", "B"], "genres": [[], []], "years": [None, 1], "popularity": [1, 2]}
    change(cat)
    with pytest.raises(ValueError, match=message):
        encode_catalog(**cat)
